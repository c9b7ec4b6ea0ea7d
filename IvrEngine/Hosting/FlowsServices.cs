using IvrEngine.Ivr;
using IvrEngine.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Hosting;

/// <summary>Registers the scripted flows with the engine's host.</summary>
public static class FlowsServices
{
    /// <summary>Binds sections <c>Flows</c> and <c>Routing</c> (both validated at start) and adds the routing rules, <see cref="FlowCatalog"/>,
    /// <see cref="ScriptedCallHandler"/> and a start-up step that loads the flows folder before the engine takes calls
    /// (a broken folder stops the start) and watches it until the engine stops. Call it before the listener is
    /// registered, so a broken folder stops the start before the port opens.</summary>
    public static IServiceCollection AddFlows(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<FlowsOptions>().Bind(configuration.GetSection(FlowsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FlowsOptions>, FlowsOptionsValidator>();
        services.AddOptions<RoutingOptions>().Bind(configuration.GetSection(RoutingOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RoutingOptions>, RoutingOptionsValidator>();
        services.TryAddSingleton<RoutingRules>();
        services.TryAddSingleton(TimeProvider.System);
        // A relative Flows:Path is under the host's content root (the engine's folder; the project folder in Development).
        services.TryAddSingleton(sp => new FlowCatalog(sp.GetRequiredService<IOptions<FlowsOptions>>(), sp.GetRequiredService<ILogger<FlowCatalog>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetService<IHostEnvironment>()?.ContentRootPath));
        services.TryAddSingleton<ScriptedCallHandler>();
        services.AddSingleton<FlowsStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<FlowsStartup>());
        return services;
    }
}

/// <summary>Loads the flows in <see cref="IHostedLifecycleService.StartingAsync"/>, before the listener opens (a broken
/// folder stops the start with every problem logged), and stops watching the folder when the engine stops.</summary>
internal sealed class FlowsStartup(FlowCatalog catalog) : IHostedLifecycleService
{
    public Task StartingAsync(CancellationToken cancellationToken)
    {
        catalog.Start();
        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        catalog.Stop();
        return Task.CompletedTask;
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
