using System.Reactive.Linq;
using System.Reflection;
using IvrEngine.Calls;
using IvrEngine.EventSocket;
using IvrEngine.Statistics;
using IvrEngine.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace IvrEngine.Hosting;

/// <summary>Wires OpenTelemetry (section <c>Telemetry</c>, docs/telemetry.md): the <c>IvrEngine</c> meter (and the
/// contexts' and the runtime's) exported in Prometheus's format on <c>/metrics</c> of the web app, and metrics, the
/// <c>IvrEngine</c> traces and the logs sent by OTLP when <c>Telemetry:Otlp:Endpoint</c> is set. With neither, nothing
/// listens to the engine's instruments and activities, and they cost a field check.</summary>
public static class TelemetryServices
{
    /// <summary>The path of the Prometheus scraping endpoint.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The service name in the resource of everything exported.</summary>
    public const string ServiceName = "ivrengine";

    /// <summary>Adds the telemetry the settings ask for.</summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TelemetryOptions>().Bind(configuration.GetSection(TelemetryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();

        // Read here, not from the options: what is wired depends on them. A wrong endpoint wires no exporter and the
        // validator above stops the start.
        var settings = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var prometheus = settings.Prometheus && configuration.GetValue(WebOptions.Section + ":" + nameof(WebOptions.Enabled), true);
        var otlp = OtlpOptions.ParseEndpoint(settings.Otlp.Endpoint);
        if (!prometheus && otlp is null) return services;

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName, serviceVersion: Version(), serviceInstanceId: Environment.MachineName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(EngineTelemetry.Name, "IvrEngine.Contexts");
                if (settings.RuntimeMetrics) metrics.AddRuntimeInstrumentation();
                // Each scrape reads the instruments afresh: a Prometheus server scrapes every few seconds at most, and a
                // cached answer would show a supervisor counts from before the call they just watched end.
                if (prometheus) metrics.AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            });
        if (otlp is not null)
        {
            telemetry.WithTracing(tracing => tracing.AddSource(EngineTelemetry.Name));
            // The log lines' scopes (CallUuid, and the trace and span ids of the call's activity) go with each record.
            telemetry.WithLogging(configureBuilder: null, configureOptions: o =>
            {
                o.IncludeScopes = true;
                o.IncludeFormattedMessage = true;
            });
            telemetry.UseOtlpExporter(settings.Otlp.Protocol == OtlpProtocol.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc, otlp);
        }

        if (prometheus) services.AddSingleton<IWebEndpoints>(sp => new MetricsEndpoint(sp));
        services.AddHostedService(sp => new TelemetryFeed(sp.GetRequiredService<InboundClientService>(), sp.GetRequiredService<ILogger<TelemetryFeed>>()));
        return services;
    }

    private static string Version() =>
        typeof(TelemetryServices).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";

    /// <summary><c>/metrics</c> on the web app, for supervisors and admins (a Prometheus server scrapes it with an API
    /// token); the metrics are the engine's meter provider's.</summary>
    private sealed class MetricsEndpoint(IServiceProvider engine) : IWebEndpoints
    {
        public void Map(WebApplication app) =>
            app.MapPrometheusScrapingEndpoint(MetricsPath, engine.GetRequiredService<MeterProvider>(), configureBranchedPipeline: null, optionsName: null)
                .RequireAuthorization(WebSecurity.Supervisors);
    }
}

/// <summary>What the engine counts of FreeSWITCH's inbound connection itself: its reconnects. (Queue waits come from
/// mod_callcenter's events, which the statistics' feed reads: <see cref="RecordQueueWait"/>.)</summary>
internal sealed partial class TelemetryFeed(InboundClientService inbound, ILogger<TelemetryFeed> logger) : IHostedService, IDisposable
{
    private IDisposable? _states;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (inbound.Boxes.All.Count == 0) return Task.CompletedTask;
        // The generation grows with each login of a box: past its first, a login is a reconnect.
        _states = inbound.Boxes.States.Where(s => s.State.Connected && s.State.Generation > 1)
            .Subscribe(_ => EngineTelemetry.EventSocketReconnects.Add(1), ex => LogFeedFailed(logger, ex));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _states?.Dispose();
        _states = null;
    }

    /// <summary>A caller's wait in a queue, from mod_callcenter's event as the statistics read it: null unless it is a
    /// <c>member-queue-end</c> with the times it needs. Answered: from <c>CC-Member-Joined-Time</c> to
    /// <c>CC-Agent-Answered-Time</c>; else to <c>CC-Member-Leaving-Time</c>, overflowed when the queue let the caller go
    /// (a timeout or the exit key), abandoned when the caller hung up (docs/statistics.md).</summary>
    internal static QueueWait? QueueWaitOf(QueueEvent end)
    {
        ArgumentNullException.ThrowIfNull(end);
        if (end is not { Action: QueueActions.MemberQueueEnd, JoinedAt: { } joined }) return null;
        if (end.AnsweredAt is { } answered) return answered >= joined ? new QueueWait(end.Queue, QueueWait.Answered, (long)(answered - joined).TotalSeconds) : null;
        var outcome = QueueActions.IsOverflow(end.CancelReason) ? QueueWait.Overflowed : QueueWait.Abandoned;
        return end.EndedAt is { } left && left >= joined ? new QueueWait(end.Queue, outcome, (long)(left - joined).TotalSeconds) : null;
    }

    /// <summary>Records <see cref="EngineTelemetry.QueueWait"/> when the event ends a caller's wait in a queue.</summary>
    internal static void RecordQueueWait(QueueEvent queueEvent)
    {
        if (QueueWaitOf(queueEvent) is not { } wait) return;
        EngineTelemetry.QueueWait.Record(wait.Seconds,
            new KeyValuePair<string, object?>("queue", wait.Queue), new KeyValuePair<string, object?>("outcome", wait.Outcome));
    }

    [LoggerMessage(EventId = 1402, Level = LogLevel.Error, Message = "Telemetry: the event feed failed")]
    private static partial void LogFeedFailed(ILogger logger, Exception exception);
}

/// <summary>One caller's wait in a mod_callcenter queue.</summary>
/// <param name="Queue">CC-Queue, e.g. <c>vip@default</c>.</param>
/// <param name="Outcome"><see cref="Answered"/> or <see cref="Abandoned"/>.</param>
/// <param name="Seconds">How long the caller waited.</param>
internal sealed record QueueWait(string Queue, string Outcome, long Seconds)
{
    public const string Answered = "answered";
    public const string Abandoned = "abandoned";
    public const string Overflowed = "overflowed";
}
