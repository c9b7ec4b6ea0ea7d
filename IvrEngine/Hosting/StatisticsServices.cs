using System.Globalization;
using System.Reactive.Linq;
using IvrEngine.EventSocket;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Statistics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IvrEngine.Hosting;

/// <summary>Wires the statistics (docs/statistics.md): their store (the client store's LiteDB file, or
/// <see cref="PostgresStatisticsStore"/> when <c>Store:Provider</c> is PostgreSQL), the <see cref="StatisticsCollector"/> that the IVR reports to,
/// fed with mod_callcenter's events and the channels' hangups over the inbound connection, and a service that adds
/// what it counted to the store every <see cref="StatisticsOptions.FlushSeconds"/> and once more when the engine
/// stops.</summary>
public static class StatisticsServices
{
    /// <summary>Adds the statistics (once).</summary>
    public static IServiceCollection AddStatistics(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (services.Any(d => d.ServiceType == typeof(StatisticsCollector))) return services;
        services.AddOptions<StatisticsOptions>().Bind(configuration.GetSection(StatisticsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<IStatisticsStore>(sp => sp.GetRequiredService<IOptions<StoreOptions>>().Value.UsesPostgres
            // The client store's pool of connections (AddClientProfiles registers it): one pool per engine.
            ? new PostgresStatisticsStore(sp.GetRequiredService<NpgsqlDataSource>())
            : sp.GetRequiredService<IClientStore>() as IStatisticsStore
                ?? throw new InvalidOperationException("The registered IClientStore keeps no statistics; register an IStatisticsStore of its own."));

        // Several engines (docs/architecture.md, "Several engines"): a call another engine's IVR served is that engine's
        // to count, and the calls no IVR served are counted by the engine holding their box's lease.
        services.AddSingleton(sp => new StatisticsCollector(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<StatisticsOptions>>().Value,
            switchEvents: sp.GetRequiredService<IOptions<EngineOptions>>().Value.Inbound.Enabled)
        {
            ServedElsewhere = sp.GetService<Cluster.SharedContextMirror>() is { } mirror ? mirror.ServedElsewhere : null,
        });
        services.AddHostedService(sp => new StatisticsFeed(sp.GetRequiredService<InboundClientService>(), sp.GetRequiredService<StatisticsCollector>(),
            sp.GetRequiredService<ILogger<StatisticsFeed>>(), sp.GetService<Cluster.BoxLeases>() is { } leases ? leases.Holds : null));
        services.AddHostedService(sp => new StatisticsFlusher(sp.GetRequiredService<StatisticsCollector>(), sp.GetRequiredService<IStatisticsStore>(),
            sp.GetRequiredService<IOptions<StatisticsOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StatisticsFlusher>>()));
        return services;
    }

    /// <summary>Gives the collector what it counts of an event from FreeSWITCH: mod_callcenter's callcenter::info
    /// events about callers, and channels' CHANNEL_HANGUP_COMPLETE; others are ignored.</summary>
    /// <param name="collector">The collector.</param>
    /// <param name="e">The event.</param>
    /// <param name="countsQueueOnly">Several engines: true when this engine counts the calls of the event's box that
    /// no IVR of its own served (it holds the box's lease); a queue event of a call the collector does not follow is
    /// dropped otherwise. Null (one engine): every event is counted.</param>
    internal static void Feed(StatisticsCollector collector, EslEvent e, Func<EslEvent, bool>? countsQueueOnly = null)
    {
        if (e.EventName == "CUSTOM")
        {
            if (e.EventSubclass != "callcenter::info") return;
            if (QueueEventOf(CallcenterInfoOf(e)) is not { } queueEvent) return;
            if (countsQueueOnly is not null && !countsQueueOnly(e) && !collector.Follows(queueEvent.CallUuid)) return;
            collector.Queue(queueEvent);

            // The queue-wait metric reads the same event, parsed once.
            TelemetryFeed.RecordQueueWait(queueEvent);
        }
        else if (e.EventName == "CHANNEL_HANGUP_COMPLETE" && e.UniqueId is { Length: > 0 } uuid)
        {
            collector.Hangup(uuid, FiredAt(e) ?? DateTimeOffset.UtcNow);
        }
    }

    /// <summary>The typed view of a callcenter::info event.</summary>
    internal static CallcenterInfo CallcenterInfoOf(EslEvent e) =>
        new(e.GetHeader("CC-Action") ?? string.Empty, e.GetHeader("CC-Queue"), e.GetHeader("CC-Agent"), e.GetHeader("CC-Member-UUID"),
            e.GetHeader("CC-Member-Session-UUID"), e.GetHeader("CC-Agent-UUID"), e);

    /// <summary>What statistics read of a callcenter::info event; null for the events they do not count.</summary>
    internal static QueueEvent? QueueEventOf(CallcenterInfo info)
    {
        if (info.MemberSessionUuid is not { Length: > 0 } call || info.Action is not (QueueActions.MemberQueueStart or QueueActions.AgentOffering
                or QueueActions.BridgeAgentStart or QueueActions.BridgeAgentFail or QueueActions.BridgeAgentEnd or QueueActions.MemberQueueEnd))
        {
            return null;
        }

        var e = info.Event;
        var ended = Epoch(e.GetHeader("CC-Member-Leaving-Time")) ?? Epoch(e.GetHeader("CC-Bridge-Terminated-Time"));
        var cause = info.Action == QueueActions.BridgeAgentFail ? e.GetHeader("CC-Hangup-Cause") : e.GetHeader("CC-Cause");
        return new QueueEvent(info.Action, call, info.Queue ?? string.Empty, info.Agent, FiredAt(e) ?? DateTimeOffset.UtcNow,
            cause, e.GetHeader("CC-Cancel-Reason"), Epoch(e.GetHeader("CC-Member-Joined-Time")),
            Epoch(e.GetHeader("CC-Agent-Answered-Time")), ended);
    }

    /// <summary>When FreeSWITCH fired an event: <c>Event-Date-Timestamp</c>, microseconds since 1970.</summary>
    internal static DateTimeOffset? FiredAt(EslEvent e) =>
        long.TryParse(e.GetHeader("Event-Date-Timestamp"), NumberStyles.None, CultureInfo.InvariantCulture, out var micros) && micros > 0
            ? DateTimeOffset.UnixEpoch.AddTicks(micros * 10)
            : null;

    /// <summary>mod_callcenter's times: whole seconds since 1970; 0 (not yet) and garbage are null.</summary>
    private static DateTimeOffset? Epoch(string? seconds) =>
        long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 && value < 253_402_300_800
            ? DateTimeOffset.FromUnixTimeSeconds(value)
            : null;
}

/// <summary>Feeds the collector from the inbound connection: callcenter::info and CHANNEL_HANGUP_COMPLETE, which it
/// subscribes to itself (the desk and the telemetry subscribe to some of them too: a subscription adds to the
/// connection's, and the client sends it again after every reconnect).</summary>
internal sealed partial class StatisticsFeed(InboundClientService inbound, StatisticsCollector collector, ILogger<StatisticsFeed> logger,
    Func<EslEvent, bool>? countsQueueOnly = null) : IHostedService, IDisposable
{
    /// <summary>The events the statistics read. CUSTOM comes last: mod_event_socket reads every word after it as a
    /// subclass.</summary>
    public static readonly IReadOnlyList<string> Events = ["CHANNEL_HANGUP_COMPLETE", "CUSTOM", "callcenter::info"];

    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _events;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var boxes = inbound.Boxes;
        if (boxes.All.Count == 0) return Task.CompletedTask;
        _events = boxes.Events
            .Where(e => e.Event.EventName is "CUSTOM" or "CHANNEL_HANGUP_COMPLETE")
            .Subscribe(e => OnEvent(e.Event), ex => LogFeedFailed(logger, ex));

        // Not awaited: a box may be down at start; its client subscribes again when it connects.
        _ = boxes.SubscribeAsync(Events, (box, reason) => LogSubscribeFailed(logger, box.Name, reason), _stopping.Token);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _events?.Dispose();
        _events = null;
        if (!_stopping.IsCancellationRequested) _stopping.Cancel();
    }

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Statistics: subscribing to the statistics' events on box {Box} failed ({Reason})")]
    private static partial void LogSubscribeFailed(ILogger logger, string box, string reason);

    private void OnEvent(EslEvent e)
    {
        try
        {
            StatisticsServices.Feed(collector, e, countsQueueOnly);
        }
#pragma warning disable CA1031 // One bad event must not end the subscription.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogEventFailed(logger, e.EventName, e.UniqueId, ex);
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Error, Message = "Statistics: the event feed failed")]
    private static partial void LogFeedFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Statistics: event {EventName} of {CallUuid} could not be counted")]
    private static partial void LogEventFailed(ILogger logger, string eventName, string? callUuid, Exception exception);
}

/// <summary>Adds what the collector counted to the store every <see cref="StatisticsOptions.FlushSeconds"/> (the pairs
/// of dimensions every <see cref="StatisticsOptions.PairFlushSeconds"/>), and all once more when the engine stops. A
/// store that fails keeps the totals in memory for the next round (logged once until a round succeeds again).</summary>
internal sealed partial class StatisticsFlusher(StatisticsCollector collector, IStatisticsStore store, StatisticsOptions options, TimeProvider time,
    ILogger<StatisticsFlusher> logger) : BackgroundService
{
    private bool _failing;
    private DateTimeOffset _pairsAddedAt = time.GetUtcNow();
    private PeriodicTimer? _timer;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Made here rather than in ExecuteAsync (which runs on a pool thread): the rounds count from the start.
        _timer = new PeriodicTimer(TimeSpan.FromSeconds(options.FlushSeconds), time);
        return base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _timer?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var timer = _timer ?? throw new InvalidOperationException("The flusher was not started.");
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var pairs = time.GetUtcNow() - _pairsAddedAt >= TimeSpan.FromSeconds(options.PairFlushSeconds);
                await FlushAsync(pairs, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushAsync(pairs: true, cancellationToken).ConfigureAwait(false);
    }

    private async Task FlushAsync(bool pairs, CancellationToken cancellationToken)
    {
        try
        {
            await collector.FlushAsync(store, pairs, cancellationToken).ConfigureAwait(false);
            if (pairs) _pairsAddedAt = time.GetUtcNow();
            if (_failing) LogRecovered(logger);
            _failing = false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (!_failing) LogFlushFailed(logger, ex);
            _failing = true;
        }
    }

    [LoggerMessage(EventId = 1203, Level = LogLevel.Error, Message = "Statistics: the totals could not be added to the store; they are kept in memory and tried again")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Information, Message = "Statistics: the store takes the totals again")]
    private static partial void LogRecovered(ILogger logger);
}
