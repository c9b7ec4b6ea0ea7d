using IvrEngine.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>Load on the real FreeSWITCH: many callers in a short time, each placed by loopback originate into the bank
/// number and routed by the engine, followed to its queue through FreeSWITCH's own events.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class LoadTests
{
    private const int Calls = 200;
    private const double CallsPerSecond = 20;

    [RealFreeSwitchFact]
    public async Task Two_hundred_bank_callers_at_twenty_a_second_all_reach_their_queue_and_FreeSwitch_neither_throttles_nor_loses_events()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions(), nameof(Two_hundred_bank_callers_at_twenty_a_second_all_reach_their_queue_and_FreeSwitch_neither_throttles_nor_loses_events));
        // No phones: the agents are signed out, so the callers wait in their queues (well within the 60 s a queue other
        // than general keeps a caller with no agent) and mod_callcenter rings nobody.
        await LoopbackBurst.LogOutAgentsAsync(lab.FreeSwitch);
        try
        {
            var result = await LoopbackBurst.RunAsync(lab.FreeSwitch, new LoopbackBurstOptions
            {
                Dialed = "5000",
                Callers = LoopbackBurst.BankCallersKnownByNumber,
                Calls = Calls,
                PerSecond = CallsPerSecond,
            });

            result.Calls.Should().HaveCount(Calls);
            result.Failed.Count.Should().Be(0, "every caller reaches the queue it should, with no originate failure and no hangup "
                + "before the queue; the first failures: {0}", string.Join("; ", result.Failed.Take(10)));
            result.Calls.Where(c => c.B!.Sockets != 1).Should().BeEmpty("the engine kept every call (the dialplan never went on to the failover)");
            lab.Engine!.Services!.GetRequiredService<OutboundCallService>().RefusedCalls.Should().Be(0, "the engine refused no call");
            foreach (var text in new[] { "Lost events", "Throttle Error", "Max queue size", "Over Session Limit" })
            {
                lab.FreeSwitch.LogLines(text).Should().BeEmpty($"FreeSWITCH's log has no \"{text}\" line");
            }
        }
        finally
        {
            await lab.FreeSwitch.ApiAsync("hupall NORMAL_CLEARING");
        }
    }
}
