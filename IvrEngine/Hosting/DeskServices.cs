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
        services.AddSingleton(sp => new DeskCommands(sp.GetRequiredService<InboundClientService>().Boxes));
        services.AddHostedService(sp => new DeskFeed(sp.GetRequiredService<InboundClientService>(), sp.GetRequiredService<DeskService>(),
            sp.GetRequiredService<ILogger<DeskFeed>>(), sp.GetService<Cluster.DeskOfferShare>()));
        return services;
    }
}

/// <summary>Feeds the desk from the inbound connections of every box: mod_callcenter's callcenter::info events and the
/// channel events of the direct route; after every (re)connect of a box, the agents as its <c>callcenter_config agent
/// list</c> lists them (kept on the box too, so an agent's status goes to the boxes that have the agent).</summary>
internal sealed partial class DeskFeed(InboundClientService inbound, DeskService desk, ILogger<DeskFeed> logger, Cluster.DeskOfferShare? offers = null)
    : IHostedService, IDisposable
{
    private static readonly TimeSpan s_apiTimeout = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _loaders = [];
    private readonly List<Channel<int>> _reloads = [];
    private IDisposable? _events;
    private IDisposable? _states;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var boxes = inbound.Boxes;
        if (boxes.All.Count == 0) return Task.CompletedTask;
        _events = boxes.Events
            .Where(e => e.Event.EventName is "CUSTOM" or "CHANNEL_ORIGINATE" or "CHANNEL_BRIDGE" or "CHANNEL_HANGUP_COMPLETE")
            .Subscribe(e => OnEvent(e.Event), ex => LogFeedFailed(logger, ex));

        // One loader per box: a box that is slow or down does not hold up another's agents.
        var reloads = new Dictionary<FreeSwitchBox, Channel<int>>();
        foreach (var box in boxes.All)
        {
            var reload = Channel.CreateBounded<int>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
            reloads[box] = reload;
            _reloads.Add(reload);
            reload.Writer.TryWrite(0);
            _loaders.Add(Task.Run(() => LoadAgentsAsync(box, reload.Reader, _stopping.Token), CancellationToken.None));
        }

        _states = boxes.States.Where(s => s.State.Connected).Subscribe(s => reloads[s.Box].Writer.TryWrite(0), ex => LogFeedFailed(logger, ex));

        // Sent again by each client after every reconnect; not awaited: a box may be down at start.
        _ = boxes.SubscribeAsync(DeskServices.Events, (box, reason) => LogSubscribeFailed(logger, box.Name, reason), _stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _events?.Dispose();
        _states?.Dispose();
        await _stopping.CancelAsync();
        foreach (var reload in _reloads) reload.Writer.TryComplete();
        await Task.WhenAll(_loaders).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
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

    private async Task LoadAgentsAsync(FreeSwitchBox box, ChannelReader<int> reloads, CancellationToken stopping)
    {
        var client = box.Client;
        try
        {
            await foreach (var _ in reloads.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                try
                {
                    using var limit = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                    await client.CurrentAsync(stopping).ConfigureAwait(false);
                    limit.CancelAfter(s_apiTimeout);
                    var reply = await client.ApiAsync("callcenter_config agent list", limit.Token).ConfigureAwait(false);
                    if (DeskCommands.ParseAgentList(reply.Body) is { } agents)
                    {
                        box.SetAgents(agents.Select(a => a.Agent));
                        desk.SetAgents(agents);
                        LogAgentsLoaded(logger, agents.Count, box.Name);
                    }
                    else
                    {
                        LogAgentsFailed(logger, box.Name, reply.Body.Trim());
                    }
                }
                catch (Exception ex) when (ex is EslConnectionClosedException or EslProtocolException or IOException
                                               || ex is OperationCanceledException && !stopping.IsCancellationRequested)
                {
                    // The next connect asks again.
                    LogAgentsFailed(logger, box.Name, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 1111, Level = LogLevel.Information, Message = "Desk: {Count} agents loaded from mod_callcenter on box {Box}")]
    private static partial void LogAgentsLoaded(ILogger logger, int count, string box);

    [LoggerMessage(EventId = 1112, Level = LogLevel.Warning, Message = "Desk: the agent list of box {Box} could not be read ({Reason})")]
    private static partial void LogAgentsFailed(ILogger logger, string box, string reason);

    [LoggerMessage(EventId = 1113, Level = LogLevel.Warning, Message = "Desk: subscribing to the desk's events on box {Box} failed ({Reason})")]
    private static partial void LogSubscribeFailed(ILogger logger, string box, string reason);

    [LoggerMessage(EventId = 1114, Level = LogLevel.Error, Message = "Desk: the event feed failed")]
    private static partial void LogFeedFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1115, Level = LogLevel.Error, Message = "Desk: event {EventName} of {CallUuid} could not be applied")]
    private static partial void LogEventFailed(ILogger logger, string eventName, string? callUuid, Exception exception);
}
