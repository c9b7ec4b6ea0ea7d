using System.Diagnostics;
using System.Globalization;
using IvrEngine.EventSocket;
using IvrEngine.Profiles;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>A caller of a burst: the number it calls from, and the mod_callcenter queue it should reach (e.g.
/// <c>vip@default</c>).</summary>
internal sealed record QueueCaller(string Number, string Queue);

/// <summary>How a burst is placed.</summary>
internal sealed record LoopbackBurstOptions
{
    /// <summary>The number dialed (5000: the bank).</summary>
    public required string Dialed { get; init; }

    /// <summary>Who calls, in turn (call i is <c>Callers[i % Count]</c>).</summary>
    public required IReadOnlyList<QueueCaller> Callers { get; init; }

    public required int Calls { get; init; }

    /// <summary>Calls placed per second, evenly: call i is due at i / rate seconds.</summary>
    public required double PerSecond { get; init; }

    /// <summary>Hang each call up (<c>uuid_kill</c> of the caller's leg) as soon as it reached its queue; otherwise the
    /// callers stay in the queues.</summary>
    public bool HangUpWhenQueued { get; init; }

    /// <summary>How long one call may take from its originate to the queue.</summary>
    public TimeSpan Patience { get; init; } = TimeSpan.FromSeconds(45);
}

/// <summary>What FreeSWITCH's events said of one channel. Times are the events' Event-Date-Timestamp (microseconds since
/// the epoch, FreeSWITCH's clock).</summary>
internal sealed class ChannelTrace
{
    public long? Created { get; set; }

    /// <summary>The socket application started (the dialplan hands the call to the engine).</summary>
    public long? SocketStarted { get; set; }

    /// <summary>How many times the socket application started: more than once when the first engine did not keep the
    /// call and the dialplan went on to the failover.</summary>
    public int Sockets { get; set; }

    public long? Answered { get; set; }

    /// <summary>The first transfer application after the socket (the engine's transfer to queue_X).</summary>
    public long? Transferred { get; set; }

    public string? TransferTarget { get; set; }

    /// <summary>mod_callcenter's member-queue-start for this channel.</summary>
    public long? Queued { get; set; }

    public string? Queue { get; set; }

    public long? HungUp { get; set; }

    public string? HangupCause { get; set; }

    public ChannelTrace Copy() => (ChannelTrace)MemberwiseClone();
}

/// <summary>One call of a burst: the parked -a leg, the caller's -b leg (the one the engine and the queue get), when it
/// was placed (microseconds since the epoch, this machine's clock, which FreeSWITCH's shares), and what became of it.</summary>
internal sealed record LoopbackBurstCall(int Index, QueueCaller Caller, string ALeg, string? BLeg, long PlacedAt, string? OriginateError,
    ChannelTrace A, ChannelTrace? B)
{
    public bool ReachedQueue => OriginateError is null && B?.Queued is not null;

    /// <summary>Null when the caller reached the queue it should; else why not.</summary>
    public string? Failure =>
        OriginateError is not null ? "originate failed: " + OriginateError
        : B is null ? "no caller leg"
        : B.Queued is null ? (B.HungUp is not null ? $"hung up before the queue ({B.HangupCause})" : "not queued in time")
        : B.Queue != Caller.Queue ? $"queued in {B.Queue}, expected {Caller.Queue}"
        : null;

    public override string ToString() =>
        $"call {Index} from {Caller.Number} (a {ALeg}, b {BLeg ?? "-"}): {Failure ?? "queued in " + B!.Queue}";
}

/// <summary>What a burst did.</summary>
internal sealed record LoopbackBurstResult(IReadOnlyList<LoopbackBurstCall> Calls, TimeSpan Placing)
{
    public IReadOnlyList<LoopbackBurstCall> Failed => [.. Calls.Where(c => c.Failure is not null)];
}

/// <summary>Places loopback calls (<see cref="RealLab.CallAsync"/>'s originate) at a steady rate, paced by a
/// <see cref="PeriodicTimer"/>, and follows every channel through FreeSWITCH's events until its caller reached a queue
/// (mod_callcenter's member-queue-start) or hung up first. Reads the events once, as they come (an index by channel, not
/// a search of the whole event log per call), so a thousand calls cost the process little. Knows nothing of xunit: the
/// load test and the burst benchmark share it.</summary>
internal sealed class LoopbackBurst : IObserver<EslEvent>
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ChannelTrace> _channels = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource> _waiters = new(StringComparer.Ordinal);

    private LoopbackBurst()
    {
    }

    /// <summary>Bank (5000) callers the engine routes by their number alone, with no key to press: the demo data's
    /// VIPs (code V: the vip queue) and its client with an overdue balance (collections). In turn, two VIPs to one
    /// overdue caller.</summary>
    public static IReadOnlyList<QueueCaller> BankCallersKnownByNumber { get; } =
    [
        new(DemoDataSeeder.WellKnown.VipPhone, "vip@default"),
        new(DemoDataSeeder.WellKnown.OverduePhone, "collections@default"),
        new(DemoDataSeeder.WellKnown.GeorgianVipPhone, "vip@default"),
    ];

    /// <summary>The microseconds since the epoch now, on the clock FreeSWITCH stamps its events with.</summary>
    public static long NowMicroseconds() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks / 10;

    /// <summary>Places the burst and waits until every call reached its queue, failed, or ran out of patience; with
    /// <see cref="LoopbackBurstOptions.HangUpWhenQueued"/>, also until every leg hung up.</summary>
    public static async Task<LoopbackBurstResult> RunAsync(FreeSwitchInstance fs, LoopbackBurstOptions options)
    {
        var burst = new LoopbackBurst();
        using var subscription = fs.Client.Events.Subscribe(burst);
        var calls = new List<Task<LoopbackBurstCall>>(options.Calls);
        var clock = Stopwatch.StartNew();
        using (var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / options.PerSecond)))
        {
            // Every tick places the calls that are due by now: a late tick (a busy machine) catches up instead of
            // stretching the burst.
            while (calls.Count < options.Calls)
            {
                var due = Math.Min(options.Calls, (int)Math.Floor(clock.Elapsed.TotalSeconds * options.PerSecond) + 1);
                while (calls.Count < due) calls.Add(burst.CallAsync(fs, options, calls.Count));
                if (calls.Count < options.Calls) await timer.WaitForNextTickAsync();
            }
        }

        var placing = clock.Elapsed;
        var done = await Task.WhenAll(calls);
        if (options.HangUpWhenQueued) await burst.WhenAllHungUpAsync(done, TimeSpan.FromSeconds(30));
        var result = done.Select(c => c with { A = burst.Trace(c.ALeg), B = c.BLeg is null ? null : burst.Trace(c.BLeg) }).ToArray();
        return new LoopbackBurstResult(result, placing);
    }

    private async Task<LoopbackBurstCall> CallAsync(FreeSwitchInstance fs, LoopbackBurstOptions options, int index)
    {
        var caller = options.Callers[index % options.Callers.Count];
        var a = Guid.NewGuid().ToString();
        var placedAt = NowMicroseconds();
        var aGone = Watch(a);
        LoopbackBurstCall Call(string? b, string? error) => new(index, caller, a, b, placedAt, error, Trace(a), b is null ? null : Trace(b));
        string b;
        try
        {
            // The job ends when the -b leg answered (the engine's flow started), or failed.
            var job = await fs.Client.BackgroundApiAsync(
                $"originate {{origination_caller_id_number={caller.Number},origination_uuid={a}}}loopback/{options.Dialed}/default &park()")
                .WaitAsync(options.Patience);
            if (!job.IsOk) return Call(null, job.Body.Trim());
            b = (await fs.Client.ApiAsync($"uuid_getvar {a} other_loopback_leg_uuid").WaitAsync(options.Patience)).Text.Trim();
            if (!Guid.TryParse(b, out _)) return Call(null, $"no -b leg ({b})");
        }
        catch (TimeoutException)
        {
            return Call(null, $"no answer within {options.Patience.TotalSeconds:0} s");
        }
        catch (EslCommandException ex)
        {
            return Call(null, ex.Message);
        }

        // Until the caller's leg reached a queue, or either leg hung up; the call says which (not queued in time, when
        // neither came).
        try
        {
            await Task.WhenAny(Watch(b), aGone).WaitAsync(options.Patience);
        }
        catch (TimeoutException)
        {
            // Reported as not queued in time.
        }

        var trace = Trace(b);
        if (options.HangUpWhenQueued && trace.Queued is not null && trace.HungUp is null)
        {
            await fs.Client.ApiAsync($"uuid_kill {b} NORMAL_CLEARING").WaitAsync(options.Patience);
        }

        return Call(b, null);
    }

    /// <summary>Signs every agent of mod_callcenter out ('Logged Out'): with no phone registered, an Available agent
    /// would be rung (and fail) for every caller, until mod_callcenter put it On Break. Returns the agents.</summary>
    public static async Task<IReadOnlyList<string>> LogOutAgentsAsync(FreeSwitchInstance fs)
    {
        var list = await fs.ApiAsync("callcenter_config agent list");
        var agents = list.Split('\n')
            .Select(l => l.Split('|')[0].Trim())
            .Where(n => n.Contains('@', StringComparison.Ordinal))
            .ToArray();
        foreach (var agent in agents) await fs.ApiAsync($"callcenter_config agent set status {agent} 'Logged Out'");
        return agents;
    }

    /// <summary>Completes when the channel reached a queue or hung up (at once if it already did).</summary>
    private Task Watch(string uuid)
    {
        lock (_gate)
        {
            if (_channels.TryGetValue(uuid, out var trace) && (trace.Queued is not null || trace.HungUp is not null)) return Task.CompletedTask;
            if (!_waiters.TryGetValue(uuid, out var waiter))
            {
                waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters[uuid] = waiter;
            }

            return waiter.Task;
        }
    }

    private async Task WhenAllHungUpAsync(IEnumerable<LoopbackBurstCall> calls, TimeSpan patience)
    {
        var until = Stopwatch.StartNew();
        var legs = calls.SelectMany(c => c.BLeg is null ? [c.ALeg] : new[] { c.ALeg, c.BLeg }).ToArray();
        while (until.Elapsed < patience && legs.Any(l => Trace(l) is { Created: not null, HungUp: null }))
        {
            await Task.Delay(100);
        }
    }

    /// <summary>A copy of what is known of the channel so far.</summary>
    public ChannelTrace Trace(string uuid)
    {
        lock (_gate) return _channels.TryGetValue(uuid, out var trace) ? trace.Copy() : new ChannelTrace();
    }

    public void OnNext(EslEvent value)
    {
        var name = value.EventName;
        var callcenter = name == "CUSTOM" && value.EventSubclass == "callcenter::info";
        if (!callcenter && name is not ("CHANNEL_CREATE" or "CHANNEL_ANSWER" or "CHANNEL_EXECUTE" or "CHANNEL_HANGUP")) return;
        var uuid = callcenter ? value["CC-Member-Session-UUID"] : value.UniqueId;
        if (uuid is null || !long.TryParse(value["Event-Date-Timestamp"], NumberStyles.None, CultureInfo.InvariantCulture, out var at)) return;
        var application = name == "CHANNEL_EXECUTE" ? value["Application"] : null;
        var action = callcenter ? value["CC-Action"] : null;
        if (name == "CHANNEL_EXECUTE" && application is not ("socket" or "transfer")) return;
        if (callcenter && action != "member-queue-start") return;

        TaskCompletionSource? done = null;
        lock (_gate)
        {
            if (!_channels.TryGetValue(uuid, out var trace)) _channels[uuid] = trace = new ChannelTrace();
            switch (name)
            {
                case "CHANNEL_CREATE":
                    trace.Created ??= at;
                    break;
                case "CHANNEL_ANSWER":
                    trace.Answered ??= at;
                    break;
                case "CHANNEL_EXECUTE" when application == "socket":
                    trace.SocketStarted ??= at;
                    trace.Sockets++;
                    break;
                case "CHANNEL_EXECUTE" when trace.SocketStarted is not null && trace.Transferred is null:
                    trace.Transferred = at;
                    trace.TransferTarget = value["Application-Data"];
                    break;
                case "CHANNEL_HANGUP":
                    trace.HungUp ??= at;
                    trace.HangupCause ??= value["Hangup-Cause"];
                    break;
                case "CUSTOM":
                    trace.Queued ??= at;
                    trace.Queue ??= value["CC-Queue"];
                    break;
            }

            if ((trace.Queued is not null || trace.HungUp is not null) && _waiters.Remove(uuid, out var waiter)) done = waiter;
        }

        done?.TrySetResult();
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }
}
