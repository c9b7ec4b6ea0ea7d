using System.Net;
using IvrEngine.EventSocket;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>What a real FreeSWITCH does with the dialer's <c>bgapi originate</c> (the job's reply, the events an inbound
/// connection sees, the answered leg's connect data on the <c>&amp;socket</c>), for a phone that answers, one that turns
/// the call down (486, busy), one that rings past originate_timeout, a user who is not registered, a user the
/// directory does not know and a dial string of an endpoint that does not exist. With IVR_AGREEMENT_RECORD=1 it writes
/// RealFreeSwitch/Agreement/Originate*.txt, which the fast Simulator/SimulatorOriginateAgreementTests hold the
/// simulator to; without it, it checks that FreeSWITCH still does what they say.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class OriginateTraceTests
{
    [RealFreeSwitchFact]
    public async Task Originate_replies_and_events_are_those_recorded()
    {
        var port = RealFreeSwitchEnvironment.FreePort();
        await using var lab = await RealLab.StartAsync(new LabOptions
        {
            Engine = EngineMode.None,
            Agents = ["1001", "1002"],
            ManualAnswer = ["1002"],
            FreeSwitchEvents = [.. OriginateTrace.Events, "CUSTOM", "sofia::register"],
        }, nameof(OriginateTraceTests));

        var connects = new List<ChannelData>();
        var current = (int)OriginateScenario.Answered; // the scenario the socket serves (read on the listener's thread)
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var listener = new EslOutboundListener(new IPEndPoint(IPAddress.Loopback, port), async (session, ct) =>
        {
            var channel = await session.ConnectAsync(ct);
            lock (connects) connects.Add(channel);
            await session.MyEventsAsync(cancellationToken: ct);

            // The contact listened; the engine's side ends it here, by a hangup or by letting the socket go.
            if (Volatile.Read(ref current) == (int)OriginateScenario.AnsweredSocketExits)
            {
                await session.ExitAsync(ct);
                exited.TrySetResult();
            }
            else
            {
                await session.HangupAsync(cancellationToken: ct);
            }
        });
        listener.Start();

        var failures = new List<string>();
        foreach (var scenario in Enum.GetValues<OriginateScenario>())
        {
            Volatile.Write(ref current, (int)scenario);
            var uuid = Guid.NewGuid().ToString();
            var command = OriginateTrace.Command(scenario, uuid, port);
            Task busy = Task.CompletedTask;
            if (scenario == OriginateScenario.Busy)
            {
                busy = RejectWhenRingingAsync(lab);
            }

            var placing = lab.FreeSwitch.Client.BackgroundApiAsync(command);
            if (scenario == OriginateScenario.KilledWhileRinging)
            {
                await lab.Events.WaitAsync(e => e.UniqueId == uuid && e.EventName == "CHANNEL_PROGRESS", RealLab.Patience, "ringing");
                await lab.FreeSwitch.ApiAsync($"uuid_kill {uuid}");
            }

            var job = await placing.WaitAsync(RealLab.Patience);
            await busy;
            if (scenario == OriginateScenario.AnsweredSocketExits)
            {
                // The socket let the call go: the channel stays in the socket application (no resume) until the contact
                // hangs up.
                await exited.Task.WaitAsync(RealLab.Patience);
                await lab.Agents!.UseAsync("1001", lab.FreeSwitch.SipPort);
                await lab.Agents.CommandAsync("hangup");
            }

            var created = lab.Events.Snapshot().Any(e => e.UniqueId == uuid && e.EventName == "CHANNEL_CREATE");
            if (created)
            {
                await lab.Events.WaitAsync(e => e.UniqueId == uuid && e.EventName == "CHANNEL_DESTROY", RealLab.Patience, $"{scenario}: the channel's end");
            }

            var events = lab.Events.Snapshot().Where(e => e.UniqueId == uuid || (e.EventName == "BACKGROUND_JOB" && e["Job-UUID"] == job.JobUuid));
            ChannelData? connect;
            lock (connects) connect = connects.FirstOrDefault(c => c.UniqueId == uuid);
            var view = OriginateTrace.Render(scenario, command, uuid, events, connect);
            var path = OriginateTrace.ReferencePath(scenario);
            if (Environment.GetEnvironmentVariable(Agreement.RecordVariable) == "1")
            {
                await File.WriteAllTextAsync(path, view);
            }
            else if (!File.Exists(path) || OriginateTrace.Disagreements(OriginateTrace.Parse(await File.ReadAllTextAsync(path)), OriginateTrace.Parse(view)) is { Count: > 0 } found)
            {
                failures.Add($"{scenario}:\n{view}");
            }

            var artifacts = Path.Combine(RealFreeSwitchEnvironment.ArtifactsFolder, "originate");
            Directory.CreateDirectory(artifacts);
            await File.WriteAllTextAsync(Path.Combine(artifacts, scenario + ".raw.txt"), OriginateTrace.Raw(events, connect));
        }

        (await lab.FreeSwitch.Client.ApiAsync("originate user/1001")).Body.Should().Be(OriginateTrace.UsageReply);
        failures.Should().BeEmpty("FreeSWITCH 1.10.12 did what RealFreeSwitch/Agreement/Originate*.txt say when they were recorded");
    }

    /// <summary>Phone 1002 turns the call down as it rings (baresip's hangup of an incoming call answers 486 Busy Here).</summary>
    private static async Task RejectWhenRingingAsync(RealLab lab)
    {
        await lab.Agents!.WaitForEventAsync(e => (string?)e["type"] == "CALL_INCOMING" && ((string?)e["accountaor"] ?? string.Empty).Contains("1002", StringComparison.Ordinal),
            RealLab.Patience, "phone 1002 ringing");
        await lab.Agents.UseAsync("1002", lab.FreeSwitch.SipPort);
        await lab.Agents.CommandAsync("hangup");
    }
}
