using IvrEngine.EventSocket;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>Every event FreeSWITCH sent on the test's control connection, kept in order, with waiters: a wait looks at
/// what already came and then at what comes, so no event is missed between an action and its wait.</summary>
internal sealed class EventLog : IObserver<EslEvent>
{
    private readonly WaitableLog<EslEvent> _events = new("FreeSWITCH reported");

    public void OnNext(EslEvent value) => _events.Add(value.Detach());

    public void OnError(Exception error) { }

    public void OnCompleted() { }

    /// <summary>The events so far.</summary>
    public IReadOnlyList<EslEvent> Snapshot() => _events.Snapshot();

    /// <summary>The first event, past or coming, that <paramref name="match"/> accepts.</summary>
    public Task<EslEvent> WaitAsync(Func<EslEvent, bool> match, TimeSpan timeout, string what) => _events.WaitAsync(match, timeout, what);

    /// <summary>A callcenter::info event of one action (e.g. bridge-agent-start) for the caller's session.</summary>
    public Task<EslEvent> CallcenterAsync(string action, string memberSessionUuid, TimeSpan timeout) =>
        WaitAsync(e => e.EventSubclass == "callcenter::info" && e["CC-Action"] == action && e["CC-Member-Session-UUID"] == memberSessionUuid,
            timeout, $"callcenter::info {action} for {memberSessionUuid}");

    /// <summary>A CHANNEL_EXECUTE (or, with <paramref name="complete"/>, CHANNEL_EXECUTE_COMPLETE) of <paramref name="application"/>
    /// on one channel, whose argument contains <paramref name="dataContains"/> when given.</summary>
    public Task<EslEvent> ApplicationAsync(string uuid, string application, string? dataContains, TimeSpan timeout, bool complete = false)
    {
        var name = complete ? "CHANNEL_EXECUTE_COMPLETE" : "CHANNEL_EXECUTE";
        return WaitAsync(e => e.EventName == name && e.UniqueId == uuid && e["Application"] == application
                              && (dataContains is null || (e["Application-Data"] ?? string.Empty).Contains(dataContains, StringComparison.Ordinal)),
            timeout, $"{name} {application} {dataContains} on {uuid}");
    }

    /// <summary>When FreeSWITCH raised an event (its Event-Date-Timestamp, microseconds since the epoch).</summary>
    public static DateTimeOffset TimeOf(EslEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var micros = long.Parse(e["Event-Date-Timestamp"] ?? throw new InvalidOperationException($"{e} has no Event-Date-Timestamp"),
            System.Globalization.CultureInfo.InvariantCulture);
        return DateTimeOffset.FromUnixTimeMilliseconds(micros / 1000).AddTicks(micros % 1000 * 10);
    }

    /// <summary>The events of one channel, in order.</summary>
    public IReadOnlyList<EslEvent> Of(string uuid) => Snapshot().Where(e => e.UniqueId == uuid).ToArray();
}
