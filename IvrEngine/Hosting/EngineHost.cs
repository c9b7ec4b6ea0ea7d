using IvrEngine.Calls;
using IvrEngine.Profiles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Hosting;

/// <summary>The one place that wires the engine: options, logging, services, listeners.</summary>
public static class EngineHost
{
    /// <summary>Builds the engine's host from command-line args (e.g. <c>--Engine:ListenPort=0</c>), appsettings.json
    /// and environment variables.</summary>
    public static IHost Build(string[] args, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.IncludeScopes = true;
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<EngineOptions>().Bind(builder.Configuration.GetSection(EngineOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<EngineOptions>, EngineOptionsValidator>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(
            builder.Configuration.GetValue(EngineOptions.Section + ":DrainSeconds", 30) + 10));

        builder.Services.AddClientProfiles(builder.Configuration);
        builder.Services.AddClientClassification(builder.Configuration);
        builder.Services.AddSingleton<CallRegistry>();
        builder.Services.AddFlows(builder.Configuration);
        builder.Services.AddSingleton<OutboundCallService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<OutboundCallService>());
        builder.Services.AddHealthChecks().AddCheck<OutboundListenerHealthCheck>(Web.HealthReportWriter.ListenerCheck);
        builder.Services.AddSingleton<InboundClientService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<InboundClientService>());
        builder.Services.AddWeb(builder.Configuration);
        configure?.Invoke(builder.Services);
        return builder.Build();
    }
}
