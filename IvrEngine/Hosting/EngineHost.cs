using System.Reflection;
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
    /// <summary>The assembly metadata naming the project folder; Debug builds carry it (see IvrEngine.csproj).</summary>
    internal const string ProjectFolderMetadata = "IvrEngine.ProjectFolder";

    /// <summary>Builds the engine's host from command-line args (e.g. <c>--Engine:ListenPort=0</c>), appsettings.json
    /// and environment variables. The content root (where appsettings.json and a relative <c>Flows:Path</c> are read)
    /// is the engine's folder; in Development (<c>dotnet run</c>) it is the project folder, so the engine reads and
    /// watches the flows being edited there; <c>--contentRoot</c> names another.</summary>
    /// <exception cref="OptionsValidationException">A setting of the engine's sections is unknown or does not
    /// convert (<see cref="SettingsCheck"/>).</exception>
    /// <exception cref="InvalidDataException">A configuration file does not parse.</exception>
    public static IHost Build(string[] args, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = ContentRoot(args),
        });
        SettingsCheck.ThrowIfInvalid(builder.Configuration);
        builder.Logging.ClearProviders();
        // A failed start is reported by the engine's command line in plain words (exit 2); the host's own error line
        // would repeat it with a stack trace. Its critical lines (a background service stopping the host) stay.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
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
        // After the inbound client: hosted services start in order, and the statistics' feed subscribes to its events.
        builder.Services.AddStatistics(builder.Configuration);
        builder.Services.AddWeb(builder.Configuration);
        builder.Services.AddCluster(builder.Configuration);
        builder.Services.AddDialer(builder.Configuration);
        builder.Services.AddTelemetry(builder.Configuration);
        configure?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>The host's content root: <c>--contentRoot</c> (or <c>DOTNET_CONTENTROOT</c>) when given; the project
    /// folder in Development when the build knows it and it has the flows; else the engine's folder.</summary>
    private static string ContentRoot(string[] args)
    {
        var host = new ConfigurationBuilder().AddEnvironmentVariables("DOTNET_").AddCommandLine(args).Build();
        if (host[HostDefaults.ContentRootKey] is { Length: > 0 } given) return Path.GetFullPath(given);
        if (string.Equals(host[HostDefaults.EnvironmentKey], Environments.Development, StringComparison.OrdinalIgnoreCase)
            && typeof(EngineHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == ProjectFolderMetadata)?.Value is { Length: > 0 } project
            && Directory.Exists(Path.Combine(project, "flows")))
        {
            return project;
        }

        return AppContext.BaseDirectory;
    }
}
