using System.Globalization;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.EventSocket;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Statistics;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The statistics against a real FreeSWITCH: a queue call an agent's phone answers, a caller who hangs up
/// waiting, a caller the queue lets go, one the dialplan then moves to a second queue, and an agent's phone that rings
/// unanswered before another agent's answers; counted from mod_callcenter's and the channels' own events on the
/// engine's inbound connection and read back through the report.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class StatisticsTests
{
    private const string Agent = "1001@default";

    /// <summary>vip@default lets a caller go when none of its agents has been signed in for max-wait-time-with-no-agent
    /// (IVR_QUEUE_NO_AGENT_WAIT, 60 s as shipped, <see cref="NoAgentWait"/> here), checked after
    /// max-wait-time-with-no-agent-time-reached (5 s): 65 s as shipped on FreeSWITCH 1.10.12.</summary>
    private const int NoAgentWait = 5;

    private static readonly TimeSpan NoAgentPatience = TimeSpan.FromSeconds(NoAgentWait + 5 + 30);

    [RealFreeSwitchFact]
    public async Task An_answered_call_and_a_caller_who_hangs_up_in_the_queue_are_counted_from_FreeSWITCHs_events()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions
        {
            Agents = ["1001"], ManualAnswer = ["1001"], ConfigureEngine = s => s.AddDesk(),
            // The phones' registrations are awaited on these events too.
            FreeSwitchEvents = [.. FreeSwitchInstance.AllEvents.Where(e => e != "CUSTOM" && !e.Contains("::", StringComparison.Ordinal)),
                "CUSTOM", "callcenter::info", "sofia::register", "sofia::unregister", "sofia::profile_start"],
        }, nameof(An_answered_call_and_a_caller_who_hangs_up_in_the_queue_are_counted_from_FreeSWITCHs_events));
        var services = lab.Engine!.Services!;
        await services.GetRequiredService<InboundClientService>().Client!.SubscribeAsync(DeskServices.Events).WaitAsync(RealLab.Patience);
        var collector = services.GetRequiredService<StatisticsCollector>();
        var two = collector.CountedCalls.FirstAsync(n => n >= 2).ToTask();

        // The VIP is queued in vip, rings on agent 1001's phone, is answered, then hangs up.
        var vip = await lab.CallAsync("5000", DemoDataSeeder.WellKnown.VipPhone);
        await lab.Agents!.WaitForEventAsync(e => (string?)e["type"] == "CALL_INCOMING", RealLab.Patience, "the agent's phone ringing");
        await lab.Agents.CommandAsync("accept");
        await lab.Events.CallcenterAsync("bridge-agent-start", vip.Caller, RealLab.Patience);
        await BridgedAsync(lab, vip.Caller);
        await lab.FreeSwitch.ApiAsync($"uuid_kill {vip.Caller}");
        var answeredEnd = await lab.Events.CallcenterAsync("member-queue-end", vip.Caller, RealLab.Patience);

        // Another client is queued where no phone answers (its agent has none) and hangs up waiting.
        var waiting = await lab.CallAsync("5000", DemoDataSeeder.WellKnown.ExistingPhone);
        await lab.Events.CallcenterAsync("member-queue-start", waiting.Caller, RealLab.Patience);
        await lab.FreeSwitch.ApiAsync($"uuid_kill {waiting.Caller}");
        var abandonedEnd = await lab.Events.CallcenterAsync("member-queue-end", waiting.Caller, RealLab.Patience);

        (await two.WaitAsync(RealLab.Patience)).Should().BeGreaterThanOrEqualTo(2);
        var store = services.GetRequiredService<IStatisticsStore>();
        await collector.FlushAsync(store);
        var now = DateTimeOffset.UtcNow;
        var rows = await StatisticsReport.RunAsync(store, new ReportQuery(now.AddHours(-2), now.AddHours(1), ReportDimension.Queue, 20, TimeZoneInfo.Utc));

        answeredEnd["CC-Cause"].Should().Be("Terminated");
        (abandonedEnd["CC-Cause"], abandonedEnd["CC-Cancel-Reason"]).Should().Be(("Cancel", "BREAK_OUT"), "what mod_callcenter says of a caller who hung up waiting");
        var vipRow = rows.Single(r => r.Key == "vip@default").Figures;
        (vipRow.Calls, vipRow.Queued, vipRow.Answered, vipRow.Abandoned).Should().Be((1L, 1L, 1L, 0L));
        vipRow.AverageTalkSeconds.Should().NotBeNull();
        var other = rows.Single(r => r.Key == abandonedEnd["CC-Queue"]).Figures;
        (other.Calls, other.Queued, other.Answered, other.Abandoned).Should().Be((1L, 1L, 0L, 1L));

        var agents = await StatisticsReport.RunAsync(store, new ReportQuery(now.AddHours(-2), now.AddHours(1), ReportDimension.Agent, 20, TimeZoneInfo.Utc));
        agents.Single(r => r.Key == Agent).Figures.Answered.Should().Be(1);
    }

    [RealFreeSwitchFact]
    public async Task A_caller_vip_lets_go_with_no_agent_signed_in_is_overflowed_not_abandoned()
    {
        // The VIP desk's phones are registered but its agents signed out (as with *12), and so is 1003 (vip's level 2).
        await using var lab = await StartLabAsync(["1001", "1002"], [], nameof(A_caller_vip_lets_go_with_no_agent_signed_in_is_overflowed_not_abandoned));
        await SignOutAsync(lab, "1001", "1002", "1003");
        var (collector, store) = Statistics(lab);
        var one = collector.CountedCalls.FirstAsync(n => n >= 1).ToTask();

        // The caller runs the callcenter application with nothing after it (a dialplan that ends, or goes to voicemail,
        // when the queue lets the caller go): the shipped queue extension would move the call on to general (next test).
        var a = Guid.NewGuid().ToString();
        await lab.FreeSwitch.Client.BackgroundApiAsync(
            $"originate {{origination_caller_id_number={DemoDataSeeder.WellKnown.VipPhone},origination_uuid={a}}}loopback/callcenter:vip@default/default/inline &park()");
        var caller = (await lab.FreeSwitch.ApiAsync($"uuid_getvar {a} other_loopback_leg_uuid")).Trim();
        await lab.Events.CallcenterAsync("member-queue-start", caller, RealLab.Patience);
        var end = await lab.Events.CallcenterAsync("member-queue-end", caller, NoAgentPatience);
        await lab.Events.WaitAsync(e => e.EventName == "CHANNEL_HANGUP_COMPLETE" && e.UniqueId == caller, RealLab.Patience, "the caller's hangup");

        (end["CC-Cause"], end["CC-Cancel-Reason"]).Should().Be(("Cancel", "NO_AGENT_TIMEOUT"), "what mod_callcenter says of a caller it lets go with no agent signed in");
        (await one.WaitAsync(RealLab.Patience)).Should().Be(1);
        var rows = await ReportAsync(collector, store, ReportDimension.Queue);
        var vip = rows.Single(r => r.Key == "vip@default").Figures;
        (vip.Calls, vip.Queued, vip.Answered, vip.Abandoned, vip.Overflowed, vip.Transfers).Should().Be((1L, 1L, 0L, 0L, 1L, 0L));
        vip.AverageWaitSeconds.Should().Be(Waited(end), "from CC-Member-Joined-Time to CC-Member-Leaving-Time");
        vip.AbandonPercent.Should().Be(0);
        vip.ServiceLevelPercent.Should().BeNull("an overflowed call is left out of the service level, and nothing else was there");
        rows.Should().ContainSingle(r => r.Figures.Calls > 0, "the call is counted once, in its one queue");
    }

    [RealFreeSwitchFact]
    public async Task A_VIP_the_dialplan_moves_from_vip_to_general_where_an_agent_answers_is_one_answered_call_with_one_transfer()
    {
        // Only agent 1004 is signed in (level 2 of general; none of vip's): vip lets the VIP go, the shipped
        // ivr_queue_exit and ivr_queue_overflow move the call to general, where 1004's phone answers.
        await using var lab = await StartLabAsync(["1004"], [],
            nameof(A_VIP_the_dialplan_moves_from_vip_to_general_where_an_agent_answers_is_one_answered_call_with_one_transfer));
        await SignOutAsync(lab, "1001", "1002", "1003", "1005", "1006");
        var (collector, store) = Statistics(lab);
        var one = collector.CountedCalls.FirstAsync(n => n >= 1).ToTask();

        var vip = await lab.CallAsync("5000", DemoDataSeeder.WellKnown.VipPhone);
        var vipEnd = await lab.Events.WaitAsync(e => IsCallcenter(e, "member-queue-end", vip.Caller) && e["CC-Queue"] == "vip@default", NoAgentPatience,
            "vip letting the caller go");
        var bridged = await lab.Events.WaitAsync(e => IsCallcenter(e, "bridge-agent-start", vip.Caller), RealLab.Patience, "1004 answering in general");
        await BridgedAsync(lab, vip.Caller);
        await lab.FreeSwitch.ApiAsync($"uuid_kill {vip.Caller}");
        var talkEnd = await lab.Events.CallcenterAsync("bridge-agent-end", vip.Caller, RealLab.Patience);
        var generalEnd = await lab.Events.WaitAsync(e => IsCallcenter(e, "member-queue-end", vip.Caller) && e["CC-Queue"] == "general@default",
            RealLab.Patience, "general's end");

        (vipEnd["CC-Cause"], vipEnd["CC-Cancel-Reason"]).Should().Be(("Cancel", "NO_AGENT_TIMEOUT"));
        (bridged["CC-Queue"], bridged["CC-Agent"]).Should().Be(("general@default", "1004@default"));
        generalEnd["CC-Cause"].Should().Be("Terminated");
        (await one.WaitAsync(RealLab.Patience)).Should().Be(1);
        var rows = await ReportAsync(collector, store, ReportDimension.Queue);
        rows.Should().NotContain(r => r.Key == "vip@default", "a call counts in the last queue it waited in");
        var general = rows.Single(r => r.Key == "general@default").Figures;
        (general.Calls, general.IvrCalls, general.Queued, general.Answered, general.Abandoned, general.Overflowed, general.Transfers)
            .Should().Be((1L, 1L, 1L, 1L, 0L, 0L, 1L));
        general.AverageWaitSeconds.Should().Be(Waited(vipEnd) + Seconds(bridged, "CC-Agent-Answered-Time") - Seconds(bridged, "CC-Member-Joined-Time"),
            "the wait in vip until it let the caller go plus the wait in general until 1004 answered");
        general.AverageTalkSeconds.Should().Be(Seconds(talkEnd, "CC-Bridge-Terminated-Time") - Seconds(bridged, "CC-Agent-Answered-Time"));

        var agents = await ReportAsync(collector, store, ReportDimension.Agent);
        agents.Single(r => r.Key == "1004@default").Figures.Answered.Should().Be(1);
    }

    [RealFreeSwitchFact]
    public async Task A_call_an_agent_does_not_answer_and_another_agent_takes_is_answered_once_by_the_second_agent()
    {
        // vip's level 1: 1001's phone rings and is never answered (leg_timeout 15 s), 1002's answers; 1003 signed out.
        await using var lab = await StartLabAsync(["1001", "1002"], ["1001"],
            nameof(A_call_an_agent_does_not_answer_and_another_agent_takes_is_answered_once_by_the_second_agent));
        await SignOutAsync(lab, "1003");
        var (collector, store) = Statistics(lab);
        var one = collector.CountedCalls.FirstAsync(n => n >= 1).ToTask();

        var vip = await lab.CallAsync("5000", DemoDataSeeder.WellKnown.VipPhone);
        await lab.Agents!.WaitForEventAsync(e => (string?)e["type"] == "CALL_INCOMING", RealLab.Patience, "1001's phone ringing");
        var failed = await lab.Events.CallcenterAsync("bridge-agent-fail", vip.Caller, RealLab.Patience);
        var bridged = await lab.Events.CallcenterAsync("bridge-agent-start", vip.Caller, RealLab.Patience);
        await BridgedAsync(lab, vip.Caller);
        await lab.FreeSwitch.ApiAsync($"uuid_kill {vip.Caller}");
        var talkEnd = await lab.Events.CallcenterAsync("bridge-agent-end", vip.Caller, RealLab.Patience);
        var end = await lab.Events.CallcenterAsync("member-queue-end", vip.Caller, RealLab.Patience);

        (failed["CC-Agent"], failed["CC-Hangup-Cause"]).Should().Be(("1001@default", "NO_ANSWER"), "the phone rang until leg_timeout");
        bridged["CC-Agent"].Should().Be("1002@default");
        (end["CC-Cause"], end["CC-Agent"]).Should().Be(("Terminated", "1002@default"));
        (await one.WaitAsync(RealLab.Patience)).Should().Be(1);
        var rows = await ReportAsync(collector, store, ReportDimension.Queue);
        var figures = rows.Single(r => r.Key == "vip@default").Figures;
        (figures.Calls, figures.Queued, figures.Answered, figures.Abandoned, figures.Overflowed, figures.Transfers).Should().Be((1L, 1L, 1L, 0L, 0L, 0L));
        figures.AverageWaitSeconds.Should().Be(Seconds(bridged, "CC-Agent-Answered-Time") - Seconds(bridged, "CC-Member-Joined-Time"),
            "the caller waited until the second agent answered");
        figures.AverageWaitSeconds.Should().BeGreaterThanOrEqualTo(14, "the first phone rang for leg_timeout (15 s) before");
        figures.AverageTalkSeconds.Should().Be(Seconds(talkEnd, "CC-Bridge-Terminated-Time") - Seconds(bridged, "CC-Agent-Answered-Time"), "the talk with 1002 only");

        var agents = await ReportAsync(collector, store, ReportDimension.Agent);
        agents.Single(r => r.Figures.Calls > 0).Key.Should().Be("1002@default", "the call counts for the agent who took it, once");
        var took = agents.Single(r => r.Key == "1002@default").Figures;
        (took.Answered, took.Offers, took.OffersMissed).Should().Be((1L, 1L, 0L));
        var rang = agents.Single(r => r.Key == "1001@default").Figures;
        (rang.Calls, rang.Offers, rang.OffersMissed, rang.OffersMissedPercent).Should().Be((0L, 1L, 1L, 100.0), "1001 was offered the call and missed it");
        (figures.Offers, figures.OffersMissed).Should().Be((2L, 1L), "two offers in vip, one missed");
    }

    private static async Task<RealLab> StartLabAsync(IReadOnlyList<string> agents, IReadOnlyList<string> manual, string name)
    {
        var lab = await RealLab.StartAsync(new LabOptions
        {
            Agents = agents, ManualAnswer = manual, ConfigureEngine = s => s.AddDesk(),
            FreeSwitchEvents = [.. FreeSwitchInstance.AllEvents.Where(e => e != "CUSTOM" && !e.Contains("::", StringComparison.Ordinal)),
                "CUSTOM", "callcenter::info", "sofia::register", "sofia::unregister", "sofia::profile_start"],
            FreeSwitchEnvironment = new Dictionary<string, string> { ["IVR_QUEUE_NO_AGENT_WAIT"] = NoAgentWait.ToString(CultureInfo.InvariantCulture) },
        }, name);
        try
        {
            await lab.Engine!.Services!.GetRequiredService<InboundClientService>().Client!.SubscribeAsync(DeskServices.Events).WaitAsync(RealLab.Patience);
            return lab;
        }
        catch
        {
            await lab.DisposeAsync();
            throw;
        }
    }

    /// <summary>Signs agents out as an admin would (the phone's *12 does the same).</summary>
    private static async Task SignOutAsync(RealLab lab, params string[] agents)
    {
        foreach (var agent in agents) (await lab.FreeSwitch.ApiAsync($"callcenter_config agent set status {agent}@default 'Logged Out'")).Should().StartWith("+OK");
    }

    private static (StatisticsCollector Collector, IStatisticsStore Store) Statistics(RealLab lab) =>
        (lab.Engine!.Services!.GetRequiredService<StatisticsCollector>(), lab.Engine.Services!.GetRequiredService<IStatisticsStore>());

    private static async Task<IReadOnlyList<ReportRow>> ReportAsync(StatisticsCollector collector, IStatisticsStore store, ReportDimension by)
    {
        await collector.FlushAsync(store);
        var now = DateTimeOffset.UtcNow;
        return await StatisticsReport.RunAsync(store, new ReportQuery(now.AddHours(-2), now.AddHours(1), by, 20, TimeZoneInfo.Utc));
    }

    /// <summary>Waits until the caller is bridged to the agent. mod_callcenter 1.10.12 sends bridge-agent-start before
    /// it bridges the two legs: a caller gone in between leaves the queue with Cancel / NONE and the agent's leg is
    /// cancelled ("Failed to bridge, member has gone"), so the tests hang up only once the bridge is there.</summary>
    private static Task<EslEvent> BridgedAsync(RealLab lab, string caller) =>
        lab.Events.WaitAsync(e => e.EventName == "CHANNEL_BRIDGE" && (e.UniqueId == caller || e["Other-Leg-Unique-ID"] == caller), RealLab.Patience,
            "the caller bridged to the agent");

    private static bool IsCallcenter(EslEvent e, string action, string caller) =>
        e.EventSubclass == "callcenter::info" && e["CC-Action"] == action && e["CC-Member-Session-UUID"] == caller;

    private static double Seconds(EslEvent e, string header) => double.Parse(e[header]!, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A member-queue-end's wait: CC-Member-Joined-Time to CC-Member-Leaving-Time.</summary>
    private static double Waited(EslEvent end) => Seconds(end, "CC-Member-Leaving-Time") - Seconds(end, "CC-Member-Joined-Time");
}
