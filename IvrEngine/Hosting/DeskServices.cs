using System.Reactive.Linq;
using System.Threading.Channels;
using IvrEngine.EventSocket;
using IvrEngine.Web.Desk;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Hosting;

/// <summary>Wires the live desk: <see cref="DeskService"/> fed from FreeSWITCH over the inbound connection, and
/// <see cref="DeskCommands"/>.</summary>
public static class DeskServices
{
    /// <summary>The events the desk subscribes to. CUSTOM comes last: mod_event_socket reads every word after it as a
    /// subclass.</summary>
    public static readonly IReadOnlyList<string> Events = ["CHANNEL_ORIGINATE", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE", "CUSTOM", "callcenter::info"];

    /// <summary>Adds the desk (once; a second call does nothing).</summary>
    public static IServiceCollection AddDesk(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.ServiceType == typeof(DeskService))) return services;
        services.AddSingleton(sp => new DeskService(sp.GetRequiredService<TimeProvider>(), logger: sp.GetRequiredService<ILogger<DeskService>>()));
        services.AddSingleton(sp => new DeskCommands(() => sp.GetRequiredService<InboundClientService>().Client));
        services.AddHostedService(sp => new DeskFeed(sp.GetRequiredService<InboundClientService>(), sp.GetRequiredService<DeskService>(),
            sp.GetRequiredService<ILogger<DeskFeed>>(), sp.GetService<Cluster.DeskOfferShare>()));
        return services;
    }
}

/// <summary>Feeds the desk from the inbound connection: mod_callcenter's callcenter::info events and the channel events of
/// the direct route; after every (re)connect, the agents as <c>callcenter_config agent list</c> lists them.</summary>
internal sealed partial class DeskFeed(InboundClientService inbound, DeskService desk, ILogger<DeskFeed> logger, Cluster.DeskOfferShare? offers = null)
    : IHostedService, IDisposable
{
    private static readonly TimeSpan s_apiTimeout = TimeSpan.FromSeconds(10);
    private readonly Channel<int> _reload = Channel.CreateBounded<int>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _events;
    private IDisposable? _states;
    private Task? _loader;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (inbound.Client is not { } client) return Task.CompletedTask;
        _events = client.Events
            .Where(e => e.EventName is "CUSTOM" or "CHANNEL_ORIGINATE" or "CHANNEL_BRIDGE" or "CHANNEL_HANGUP_COMPLETE")
            .Subscribe(OnEvent, ex => LogFeedFailed(logger, ex));
        _states = client.States.Where(s => s.Connected).Subscribe(_ => _reload.Writer.TryWrite(0), ex => LogFeedFailed(logger, ex));
        _reload.Writer.TryWrite(0);
        _loader = Task.Run(() => LoadAgentsAsync(client, _stopping.Token), CancellationToken.None);

        // Sent again by the client after every reconnect; not awaited: FreeSWITCH may be down at start.
        _ = InboundSubscription.SubscribeAsync(client, DeskServices.Events, reason => LogSubscribeFailed(logger, reason), _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _events?.Dispose();
        _states?.Dispose();
        await _stopping.CancelAsync();
        _reload.Writer.TryComplete();
        if (_loader is not null) await _loader.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public void Dispose()
    {
        _events?.Dispose();
        _states?.Dispose();
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private void OnEvent(EslEvent e)
    {
        try
        {
            if (e.EventName == "CUSTOM" && e.EventSubclass != "callcenter::info") return;

            // Several engines: which box the call is on, for the one engine that writes its offers.
            offers?.Heard(e);
            if (e.EventName == "CUSTOM")
            {
                desk.Apply(new CallcenterInfo(e.GetHeader("CC-Action") ?? string.Empty, e.GetHeader("CC-Queue"), e.GetHeader("CC-Agent"),
                    e.GetHeader("CC-Member-UUID"), e.GetHeader("CC-Member-Session-UUID"), e.GetHeader("CC-Agent-UUID"), e));
            }
            else
            {
                desk.ApplyChannel(e);
            }
        }
#pragma warning disable CA1031 // One bad event must not end the desk's subscription.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogEventFailed(logger, e.EventName, e.UniqueId, ex);
        }
    }


    private async Task LoadAgentsAsync(EslInboundClient client, CancellationToken stopping)
    {
        try
        {
            await foreach (var _ in _reload.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    using var limit = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    await client.CurrentAsync(stopping).ConfigureAwait(false);
                    limit.CancelAfter(s_apiTimeout);
                    var reply = await client.ApiAsync("callcenter_config agent list", limit.Token).ConfigureAwait(false);
                    if (DeskCommands.ParseAgentList(reply.Body) is { } agents)
                    {
                        desk.SetAgents(agents);
                        LogAgentsLoaded(logger, agents.Count);
                    }
                    else
                    {
                        LogAgentsFailed(logger, reply.Body.Trim());
                    }
                }
                catch (Exception ex) when (ex is EslConnectionClosedException or EslProtocolException or IOException
                                               || ex is OperationCanceledException && !stopping.IsCancellationRequested)
                {
                    // The next connect asks again.
                    LogAgentsFailed(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "Desk: {Count} agents loaded from mod_callcenter")]
    private static partial void LogAgentsLoaded(ILogger logger, int count);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Warning, Message = "Desk: the agent list could not be read ({Reason})")]
    private static partial void LogAgentsFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Warning, Message = "Desk: subscribing to the desk's events failed ({Reason})")]
    private static partial void LogSubscribeFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1114, Level = LogLevel.Error, Message = "Desk: the event feed failed")]
    private static partial void LogFeedFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1115, Level = LogLevel.Error, Message = "Desk: event {EventName} of {CallUuid} could not be applied")]
    private static partial void LogEventFailed(ILogger logger, string eventName, string? callUuid, Exception exception);
}
