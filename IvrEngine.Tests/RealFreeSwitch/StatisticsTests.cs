using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Statistics;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The statistics against a real FreeSWITCH: a queue call an agent's phone answers and a caller who hangs up
/// waiting, counted from mod_callcenter's and the channels' own events on the engine's inbound connection.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class StatisticsTests
{
    private const string Agent = "1001@default";

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
}
