using System.Reactive.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IvrEngine.EventSocket;

/// <summary>One FreeSWITCH box the engine keeps a control connection to (port 8021).</summary>
public sealed class FreeSwitchBox
{
    private IReadOnlySet<string> _agents = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    internal FreeSwitchBox(string name, EslInboundOptions options, EslInboundClient client)
    {
        Name = name;
        Host = options.Host;
        Port = options.Port;
        Client = client;
    }

    /// <summary>The box's name (<c>Engine:Inbound:Boxes:N:Name</c>, else <c>host:port</c>).</summary>
    public string Name { get; }

    /// <summary>Its host.</summary>
    public string Host { get; }

    /// <summary>Its event-socket port.</summary>
    public int Port { get; }

    /// <summary>The control connection to it; it reconnects by itself.</summary>
    public EslInboundClient Client { get; }

    /// <summary>The Core-UUID it reported at its last login (null before the first): the name a call's connect data
    /// gives its box.</summary>
    public string? CoreUuid => Client.CoreUuid;

    /// <summary>True while logged in.</summary>
    public bool IsConnected => Client.IsConnected;

    /// <summary>The mod_callcenter agents this box listed last (<c>callcenter_config agent list</c>, read by the desk).</summary>
    public IReadOnlySet<string> Agents => Volatile.Read(ref _agents);

    /// <summary>Keeps the agents the box listed.</summary>
    public void SetAgents(IEnumerable<string> agents) =>
        Volatile.Write(ref _agents, new HashSet<string>(agents ?? throw new ArgumentNullException(nameof(agents)), StringComparer.OrdinalIgnoreCase));

    /// <inheritdoc />
    public override string ToString() => CoreUuid is { } id ? $"{Name} ({id})" : Name;
}

/// <summary>An event and the box it came from.</summary>
/// <param name="Box">The box whose connection delivered it.</param>
/// <param name="Event">The event (an owned copy).</param>
public sealed record BoxEvent(FreeSwitchBox Box, EslEvent Event);

/// <summary>A connection state change of one box.</summary>
/// <param name="Box">The box.</param>
/// <param name="State">Its client's state.</param>
public sealed record BoxState(FreeSwitchBox Box, EslInboundState State);

/// <summary>The engine's control connections to a list of FreeSWITCH boxes, one <see cref="EslInboundClient"/> each,
/// each reconnecting by itself; a box that is down at start is connected when it comes up. Knows each box by its name
/// and by the Core-UUID it reports, finds the box that holds a call, and gives the events of every box as one stream.</summary>
public sealed partial class FreeSwitchBoxes : IAsyncDisposable
{
    /// <summary>How long FreeSWITCH gets to answer <c>uuid_exists</c> when a call's box is looked for.</summary>
    public static readonly TimeSpan SearchTimeout = TimeSpan.FromSeconds(3);

    private readonly ILogger _logger;
    private int _started;
    private int _disposed;

    /// <summary>No boxes: the inbound connection is off.</summary>
    public static FreeSwitchBoxes None { get; } = new([]);

    /// <summary>Creates the clients; nothing connects until <see cref="Start"/>.</summary>
    /// <param name="boxes">Each box's name and connection settings.</param>
    /// <param name="loggers">Makes the clients' loggers (null: none).</param>
    /// <param name="time">The clients' clock (their reconnect backoff).</param>
    public FreeSwitchBoxes(IEnumerable<(string Name, EslInboundOptions Options)> boxes, ILoggerFactory? loggers = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(boxes);
        _logger = loggers?.CreateLogger<FreeSwitchBoxes>() ?? NullLogger<FreeSwitchBoxes>.Instance;
        All = [.. boxes.Select(b => new FreeSwitchBox(b.Name, b.Options,
            new EslInboundClient(b.Options, loggers?.CreateLogger<EslInboundClient>(), time)))];
        Events = All.Count == 0
            ? Observable.Empty<BoxEvent>()
            : All.Select(box => box.Client.Events.Select(e => new BoxEvent(box, e))).Merge();
        States = All.Count == 0
            ? Observable.Empty<BoxState>()
            : All.Select(box => box.Client.States.Select(s => new BoxState(box, s))).Merge();
    }

    /// <summary>Every box, in the order of the settings.</summary>
    public IReadOnlyList<FreeSwitchBox> All { get; }

    /// <summary>The first box (one-box setups, tests); null when there is none.</summary>
    public FreeSwitchBox? First => All.Count > 0 ? All[0] : null;

    /// <summary>The events of every box as one stream, each with its box (continuing across reconnects).</summary>
    public IObservable<BoxEvent> Events { get; }

    /// <summary>Every box's connection state changes.</summary>
    public IObservable<BoxState> States { get; }

    /// <summary>Starts every client connecting in the background; returns at once (a box may be down).</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0) return;
        foreach (var box in All)
        {
            // Not awaited: the engine serves calls while a box's control port comes and goes.
            _ = box.Client.StartAsync(CancellationToken.None).ContinueWith(static _ => { }, CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }
    }

    /// <summary>The box that reported <paramref name="coreUuid"/> (at its last login); null when none did.</summary>
    public FreeSwitchBox? ByCoreUuid(string? coreUuid)
    {
        if (string.IsNullOrEmpty(coreUuid)) return null;
        foreach (var box in All)
        {
            if (string.Equals(box.CoreUuid, coreUuid, StringComparison.OrdinalIgnoreCase)) return box;
        }

        return null;
    }

    /// <summary>The box named <paramref name="name"/>; null when none is.</summary>
    public FreeSwitchBox? ByName(string? name) => All.FirstOrDefault(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether the engine hears the hangups of the box with <paramref name="coreUuid"/>: that box is connected;
    /// for a box it does not know (or no Core-UUID), whether any box is.</summary>
    public bool HearsHangupsOf(string? coreUuid) => ByCoreUuid(coreUuid) is { } box ? box.IsConnected : All.Any(b => b.IsConnected);

    /// <summary>The box that holds call <paramref name="callUuid"/>: the one whose Core-UUID the call's connect data
    /// named; else, with one box, that box; else the first connected box that answers <c>uuid_exists</c> with true.
    /// Null (and why) when there is no box, or none holds the call.</summary>
    public async Task<(FreeSwitchBox? Box, string? Why)> FindCallAsync(string callUuid, string? coreUuid, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(callUuid);
        if (All.Count == 0) return (null, "the inbound connection to FreeSWITCH is off (Engine:Inbound:Enabled)");
        if (ByCoreUuid(coreUuid) is { } owner) return (owner, null);
        if (All.Count == 1) return (All[0], null);

        var down = new List<string>();
        foreach (var box in All)
        {
            if (!box.IsConnected)
            {
                down.Add(box.Name);
                continue;
            }

            try
            {
                var reply = await box.Client.ApiAsync("uuid_exists " + callUuid, cancellationToken).WaitAsync(SearchTimeout, cancellationToken);
                if (reply.Body.Trim() == "true")
                {
                    LogFoundBySearch(_logger, callUuid, coreUuid ?? "none", box.Name);
                    return (box, null);
                }
            }
            catch (Exception ex) when (ex is TimeoutException or EslCommandException or EslProtocolException or EslConnectionClosedException
                                           or IOException or ObjectDisposedException)
            {
                down.Add(box.Name);
            }
        }

        return (null, down.Count == 0
            ? $"call {callUuid} is on none of the FreeSWITCH boxes"
            : $"call {callUuid} is on none of the FreeSWITCH boxes that answered ({string.Join(", ", down)} cannot be reached)");
    }

    /// <summary>Adds <paramref name="events"/> to every box's subscription, now and after every reconnect. Not meant to
    /// be awaited at start: a box may be down, and its client subscribes when it connects; a failure now is given to
    /// <paramref name="failed"/> with the box.</summary>
    public async Task SubscribeAsync(IReadOnlyList<string> events, Action<FreeSwitchBox, string> failed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failed);
        await Task.WhenAll(All.Select(async box =>
        {
            try
            {
                await box.Client.SubscribeAsync(events, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is EslCommandException or EslConnectionClosedException or OperationCanceledException or IOException)
            {
                failed(box, ex.Message);
            }
        })).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var box in All) await box.Client.DisposeAsync();
    }

    [LoggerMessage(EventId = 135, Level = LogLevel.Information, Message = "Call {CallUuid} (Core-UUID {CoreUuid} of no box known now) found on box {Box}")]
    private static partial void LogFoundBySearch(ILogger logger, string callUuid, string coreUuid, string box);
}
