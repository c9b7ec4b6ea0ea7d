using System.Globalization;
using IvrEngine.Cluster;
using IvrEngine.EventSocket;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Statistics;
using IvrEngine.Tests.Support;
using IvrEngine.Tests.Web.Desk;
using IvrEngine.Web.Desk;

namespace IvrEngine.Tests.Cluster;

/// <summary>One engine speaks for each FreeSWITCH box (its lease, a session advisory lock), and hands it over when its
/// session ends; two engines hearing the same box count each call once.</summary>
public sealed class BoxLeaseTests
{
    private const string Box = "2f6b1e0a-5c1d-4d7e-9a3b-0c1d2e3f4a5b";

    [PostgresFact]
    public async Task The_lease_moves_to_the_other_engine_when_the_holders_session_ends()
    {
        var database = await ClusterNode.DatabaseAsync();
        await using var a = await ClusterNode.StartAsync(database, "engine-a");
        await using var b = await ClusterNode.StartAsync(database, "engine-b");
        var aTook = a.NextLease(l => l.Box == Box && l.Held);
        a.Leases.Saw(Box);
        await aTook;
        b.Leases.Saw(Box);

        // B tries every second and is refused while A's session holds the lock; its session is asked each round, so
        // waiting for one of B's rounds to end is waiting for its session's answer.
        b.Leases.Holds(Box).Should().BeFalse();
        (await SharedContextTests.ScalarAsync(database,
            $"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = {BoxLeases.LockClass} AND granted")).Should().Be(1L);

        var bTook = b.NextLease(l => l.Box == Box && l.Held);
        var aLost = a.NextLease(l => l.Box == Box && !l.Held);
        (await SharedContextTests.ScalarAsync(database, $"SELECT pg_terminate_backend({a.Leases.ProcessId})")).Should().Be(true);
        await Task.WhenAll(bTook, aLost);

        b.Leases.Holds(Box).Should().BeTrue();
        a.Leases.Holds(Box).Should().BeFalse();

        // B stopping lets go of it: A takes it back.
        var aTookAgain = a.NextLease(l => l.Box == Box && l.Held);
        await b.Leases.StopAsync(CancellationToken.None);
        await aTookAgain;
    }

    [PostgresFact]
    public async Task Two_engines_hearing_the_same_queue_events_count_each_call_once()
    {
        var database = await ClusterNode.DatabaseAsync();
        await using var a = await ClusterNode.StartAsync(database, "engine-a");
        await using var b = await ClusterNode.StartAsync(database, "engine-b");

        // B speaks for the box; A hears it too.
        var bTook = b.NextLease(l => l.Box == Box && l.Held);
        b.Leases.Saw(Box);
        await bTook;
        a.Leases.Saw(Box);

        // Engine A's IVR serves one call (B hears of it through its context); the dialplan's fallback sends another to
        // the queue with no IVR at all.
        var mirrored = b.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "ivr-call");
        a.Statistics.IvrStarted("ivr-call");
        a.Contexts.Open("ivr-call", "+995599000010", "5000", () => null);
        await mirrored;
        a.Statistics.IvrEnded(new IvrLeg("ivr-call", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(12), "5000", "bank", "transferred", "queue", "E",
            "regular", ["bank/welcome"]));

        // Both engines get every event of both calls, as each has an inbound connection to the box.
        foreach (var e in QueueCall("ivr-call").Concat(QueueCall("queue-only")))
        {
            StatisticsServices.Feed(a.Statistics, e, a.Leases.Holds);
            StatisticsServices.Feed(b.Statistics, e, b.Leases.Holds);
        }

        a.Statistics.Sweep();
        b.Statistics.Sweep();

        (a.Statistics.Counted + b.Statistics.Counted).Should().Be(2, "two calls, each counted by one engine");
        a.Statistics.Counted.Should().Be(1, "A counts the call its IVR served");
        b.Statistics.Counted.Should().Be(1, "B counts the queue-only call of the box it speaks for");
        b.Statistics.LeftToOthers.Should().Be(1, "B followed A's call from the queue's events and left it to A");
        a.Statistics.Following.Should().Be(0);
        b.Statistics.Following.Should().Be(0);
        var calls = Totals(a.Statistics) + Totals(b.Statistics);
        calls.Should().Be(2);
    }

    [PostgresFact]
    public async Task The_box_holder_alone_writes_the_offers_and_an_engine_starting_later_puts_them_on_its_desk()
    {
        var database = await ClusterNode.DatabaseAsync();
        await using var a = await ClusterNode.StartAsync(database, "engine-a");
        await using var b = await ClusterNode.StartAsync(database, "engine-b");
        var bTook = b.NextLease(l => l.Box == Box && l.Held);
        b.Leases.Saw(Box);
        await bTook;
        a.Leases.Saw(Box);

        foreach (var e in QueueCall("offered-call").Take(3))
        {
            a.DeskHears(e);
            b.DeskHears(e);
        }

        while (true)
        {
            var next = b.NextApplied(c => c.Kind == StoreChangeKinds.Offer && c.Id == "offered-call");
            if (await SharedContextTests.ScalarAsync(database, "SELECT state FROM desk_offers WHERE call_uuid = 'offered-call'") is "on-call") break;
            await next;
        }

        a.Offers.Written.Should().Be(0, "engine A does not speak for the box");
        b.Offers.Written.Should().BePositive();
        (await SharedContextTests.ScalarAsync(database, "SELECT count(*) FROM desk_offers")).Should().Be(1L);

        // An engine that was not there when the call was offered knows it from the table.
        await using var c = await ClusterNode.StartAsync(database, "engine-c");
        var onDesk = c.Desk.Find("offered-call", "1001@default");
        onDesk.Should().NotBeNull();
        (onDesk!.State, onDesk.Queue, onDesk.How).Should().Be((DeskCallState.OnCall, "general@default", "queue"));
        c.Desk.WasOffered("1001@default", "offered-call").Should().BeTrue("the agent may open the call's card on engine C");
        c.Offers.Restored.Should().Be(1);
    }

    /// <summary>The calls in the total slices taken from a collector.</summary>
    private static long Totals(StatisticsCollector collector) =>
        collector.TakeCounted().Where(s => s.Key.Dimension == SliceDimensions.Total).Sum(s => s.Value.Calls);

    private static IEnumerable<EslEvent> QueueCall(string call)
    {
        var at = DateTimeOffset.UtcNow;
        yield return Cc("member-queue-start", call, null, at);
        yield return Cc("agent-offering", call, "1001@default", at.AddSeconds(1));
        yield return Cc("bridge-agent-start", call, "1001@default", at.AddSeconds(5));
        yield return Cc("bridge-agent-end", call, "1001@default", at.AddSeconds(60));
        yield return Cc("member-queue-end", call, "1001@default", at.AddSeconds(60), ("CC-Cause", "Terminated"));
        yield return DeskEvents.Event(("Event-Name", "CHANNEL_HANGUP_COMPLETE"), ("Core-UUID", Box), ("Unique-ID", call),
            ("Event-Date-Timestamp", Micros(at.AddSeconds(61))));
    }

    private static EslEvent Cc(string action, string call, string? agent, DateTimeOffset at, params (string Name, string Value)[] more)
    {
        var headers = new List<(string, string)>
        {
            ("Event-Name", "CUSTOM"), ("Event-Subclass", "callcenter::info"), ("Core-UUID", Box), ("Event-Date-Timestamp", Micros(at)),
            ("CC-Queue", "general@default"), ("CC-Action", action), ("CC-Member-UUID", "m-" + call), ("CC-Member-Session-UUID", call),
        };
        if (agent is not null) headers.Add(("CC-Agent", agent));
        headers.AddRange(more);
        return DeskEvents.Event([.. headers]);
    }

    private static string Micros(DateTimeOffset at) => ((at - DateTimeOffset.UnixEpoch).Ticks / 10).ToString(CultureInfo.InvariantCulture);
}
