using System.Net;
using IvrEngine.Calls;
using IvrEngine.EventSocket;
using IvrEngine.Simulator;
using IvrEngine.Tests.RealFreeSwitch;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Simulator;

/// <summary>The simulator's <c>originate</c> over a real inbound connection (EslInboundClient) and a real outbound socket:
/// the job's reply, the events, and the answered leg served like an incoming call; held to what FreeSWITCH 1.10.12 did
/// (RealFreeSwitch/Agreement/Originate*.txt, recorded by RealFreeSwitch/OriginateTraceTests).</summary>
public sealed class SimulatorOriginateTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(OriginateScenario.Answered)]
    [InlineData(OriginateScenario.AnsweredUnquoted)]
    [InlineData(OriginateScenario.Busy)]
    [InlineData(OriginateScenario.NoAnswer)]
    [InlineData(OriginateScenario.NotRegistered)]
    [InlineData(OriginateScenario.UnknownUser)]
    [InlineData(OriginateScenario.BadDialString)]
    [InlineData(OriginateScenario.KilledWhileRinging)]
    [InlineData(OriginateScenario.AnsweredSocketExits)]
    public async Task The_simulator_originates_as_FreeSWITCH_did(OriginateScenario scenario)
    {
        var reference = OriginateTrace.Parse(await File.ReadAllTextAsync(OriginateTrace.ReferencePath(scenario)));
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var lab = await OriginateLab.StartAsync(async (session, ct) =>
        {
            await session.MyEventsAsync(cancellationToken: ct);
            if (scenario == OriginateScenario.AnsweredSocketExits)
            {
                await session.ExitAsync(ct);
                exited.TrySetResult();
            }
            else
            {
                await session.HangupAsync(cancellationToken: ct);
            }
        });
        lab.Simulator.SetContact("1001", SimulatedContact.Answering());
        lab.Simulator.SetContact("1002", scenario == OriginateScenario.Busy ? SimulatedContact.Busy() : SimulatedContact.NeverAnswering);
        lab.Simulator.SetContact("1003", SimulatedContact.NotRegistered);
        var uuid = Guid.NewGuid().ToString();
        var command = OriginateTrace.Command(scenario, uuid, lab.SocketPort);

        var job = lab.Client.BackgroundApiAsync(command);
        if (scenario == OriginateScenario.NoAnswer)
        {
            // originate_timeout=3: the phone rings, then the simulator's clock passes the timeout.
            await lab.Events.WaitAsync(e => e.UniqueId == uuid && e.EventName == "CHANNEL_PROGRESS", Patience, "ringing");
            lab.Time.Advance(TimeSpan.FromSeconds(3));
        }

        if (scenario == OriginateScenario.KilledWhileRinging)
        {
            await lab.Events.WaitAsync(e => e.UniqueId == uuid && e.EventName == "CHANNEL_PROGRESS", Patience, "ringing");
            (await lab.Client.ApiAsync($"uuid_kill {uuid}").WaitAsync(Patience)).Body.Should().Be("+OK\n");
        }

        var result = await job.WaitAsync(Patience);
        if (scenario == OriginateScenario.AnsweredSocketExits)
        {
            await exited.Task.WaitAsync(Patience);
            await (await lab.Simulator.AnsweredCallAsync(uuid)).HangUpAsync();
        }

        if (reference.Any(b => b.Name == "CHANNEL_DESTROY"))
        {
            await lab.Events.WaitAsync(e => e.UniqueId == uuid && e.EventName == "CHANNEL_DESTROY", Patience, "the channel's end");
        }

        // The job's reply completes the client's wait and reaches the event log on a path of its own: read the log once
        // the log has it (without a channel, nothing else comes after it to wait for).
        await lab.Events.WaitAsync(e => e.EventName == "BACKGROUND_JOB" && e["Job-UUID"] == result.JobUuid, Patience, "the job's event");

        var events = lab.Events.Snapshot().Where(e => e.UniqueId == uuid || (e.EventName == "BACKGROUND_JOB" && e["Job-UUID"] == result.JobUuid));
        var view = OriginateTrace.Render(scenario, command, uuid, events, lab.Connects.FirstOrDefault(c => c.UniqueId == uuid));

        OriginateTrace.Disagreements(reference, OriginateTrace.Parse(view)).Should().BeEmpty(
            $"the simulator must do what FreeSWITCH did ({OriginateTrace.ReferencePath(scenario)})\nSIMULATOR:\n{view}");
    }

    [Fact]
    public async Task An_answered_contact_reaches_the_socket_with_the_originates_variables_keys_its_answer_and_hangs_up()
    {
        var collected = new TaskCompletionSource<(ChannelData Channel, CollectResult Answer)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var lab = await OriginateLab.StartAsync(async (session, ct) =>
        {
            await session.MyEventsAsync(cancellationToken: ct);
            using var call = new FreeSwitchCall(session);
            var answer = await call.PlayAndCollectAsync(new CollectRequest
            {
                Prompt = "ivr/ivr-please_enter_account_number.wav", MinDigits = 1, MaxDigits = 1, Tries = 1, Timeout = TimeSpan.FromSeconds(5),
                Terminators = "#", VariableName = "survey_q1",
            }, ct);
            collected.TrySetResult((session.Channel, answer));
            await call.PlayAsync("ivr/ivr-thank_you.wav", ct);
        });
        lab.Simulator.SetContact("5551001", SimulatedContact.Answering(TimeSpan.FromSeconds(2), new CallerScript
        {
            Inputs = [CallerInput.Keys("4"), CallerInput.HangUp().AtPlayback()],
        }));
        var uuid = Guid.NewGuid().ToString();

        var job = lab.Client.BackgroundApiAsync(
            $"originate {{origination_uuid={uuid},origination_caller_id_number=15550001111,origination_caller_id_name='Acme Billing',"
            + $"originate_timeout=30,ivr_dialer_campaign=7,ivr_dialer_contact=c-42,ivr_dialer_attempt=1}}user/5551001 "
            + $"'&socket(127.0.0.1:{lab.SocketPort} async full)'");
        await lab.Events.WaitAsync(e => e.UniqueId == uuid && e.EventName == "CHANNEL_PROGRESS", Patience, "ringing");
        job.IsCompleted.Should().BeFalse("originate replies once the call is answered, and the phone still rings");
        lab.Time.Advance(TimeSpan.FromSeconds(2));

        (await job.WaitAsync(Patience)).Body.Should().Be($"+OK {uuid}\n");
        var (channel, answer) = await collected.Task.WaitAsync(Patience);
        channel.UniqueId.Should().Be(uuid);
        channel.GetHeader("Call-Direction").Should().Be("outbound");
        channel.Ani.Should().Be("5551001", "the answered leg's caller id is flipped: the contact is the caller");
        channel.Dnis.Should().Be("5551001");
        channel.GetHeader("Caller-Callee-ID-Number").Should().Be("15550001111");
        channel.Variables.Should().Contain(new Dictionary<string, string>
        {
            ["ivr_dialer_campaign"] = "7", ["ivr_dialer_contact"] = "c-42", ["ivr_dialer_attempt"] = "1", ["direction"] = "outbound",
            ["origination_caller_id_name"] = "Acme Billing",
        });
        channel.SocketMode.Should().Be("async");
        answer.Should().Be(new CollectResult(CollectOutcome.Success, "4", null));

        var end = await lab.Events.WaitAsync(e => e.UniqueId == uuid && e.EventName == "CHANNEL_HANGUP_COMPLETE", Patience, "the contact's hangup");
        end["Hangup-Cause"].Should().Be("NORMAL_CLEARING");
        var record = await (await lab.Simulator.AnsweredCallAsync(uuid)).Completion.WaitAsync(Patience);
        record.HangupBy.Should().Be("caller");
        record.Applications.Select(a => a.Name).Should().Contain("play_and_get_digits");
    }

    [Fact]
    public async Task An_answered_leg_stays_up_when_the_engine_lets_its_socket_go_until_the_contact_hangs_up()
    {
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var lab = await OriginateLab.StartAsync(async (session, ct) =>
        {
            await session.ExitAsync(ct);
            exited.TrySetResult();
        });
        lab.Simulator.SetContact("1001", SimulatedContact.Answering());
        var uuid = Guid.NewGuid().ToString();

        await lab.Client.BackgroundApiAsync($"originate {{origination_uuid={uuid}}}user/1001 '&socket(127.0.0.1:{lab.SocketPort} async full)'")
            .WaitAsync(Patience);
        var call = await lab.Simulator.AnsweredCallAsync(uuid).WaitAsync(Patience);
        await exited.Task.WaitAsync(Patience);
        await call.Completion.WaitAsync(Patience);

        (await lab.Client.ApiAsync($"uuid_exists {uuid}").WaitAsync(Patience)).Body.Should().Be("true",
            "without resume FreeSWITCH keeps the channel in the socket application (OriginateAnsweredSocketExits.txt)");
        lab.Events.Snapshot().Should().NotContain(e => e.UniqueId == uuid && e.EventName == "CHANNEL_HANGUP");

        await call.HangUpAsync();
        var end = await lab.Events.WaitAsync(e => e.UniqueId == uuid && e.EventName == "CHANNEL_DESTROY", Patience, "the channel's end");
        end["Hangup-Cause"].Should().Be("NORMAL_CLEARING");
        (await lab.Client.ApiAsync($"uuid_exists {uuid}").WaitAsync(Patience)).Body.Should().Be("false");
    }

    [Theory]
    [InlineData("busy", "-ERR USER_BUSY\n", "USER_BUSY")]
    [InlineData("rejects", "-ERR CALL_REJECTED\n", "CALL_REJECTED")]
    [InlineData("late", "-ERR NO_ANSWER\n", "NO_ANSWER")]
    public async Task A_call_that_is_not_answered_ends_the_api_originate_with_its_cause(string contact, string reply, string cause)
    {
        await using var lab = await OriginateLab.StartAsync((_, _) => Task.CompletedTask);
        lab.Simulator.SetContact("busy", SimulatedContact.Busy(TimeSpan.FromSeconds(1)));
        lab.Simulator.SetContact("rejects", SimulatedContact.Failing("CALL_REJECTED", TimeSpan.FromSeconds(1)));
        lab.Simulator.SetContact("late", SimulatedContact.Answering(TimeSpan.FromSeconds(30)));
        var uuid = Guid.NewGuid().ToString();

        var api = lab.Client.ApiAsync($"originate {{origination_uuid={uuid},originate_timeout=20}}user/{contact} '&socket(127.0.0.1:{lab.SocketPort} async full)'");
        await lab.Events.WaitAsync(e => e.UniqueId == uuid && e.EventName == "CHANNEL_PROGRESS", Patience, "ringing");
        lab.Time.Advance(TimeSpan.FromSeconds(20));

        (await api.WaitAsync(Patience)).Body.Should().Be(reply);
        var hangup = await lab.Events.WaitAsync(e => e.UniqueId == uuid && e.EventName == "CHANNEL_HANGUP_COMPLETE", Patience, "the hangup");
        hangup["Hangup-Cause"].Should().Be(cause);
        hangup.GetVariable("hangup_cause").Should().Be(cause);
        lab.Connects.Should().BeEmpty("no call was answered, so nothing connected to the socket");
        lab.Simulator.DialedNumbers.Should().Equal(new Dictionary<string, int> { [contact] = 1 });
        lab.Simulator.LiveCalls.Should().BeEmpty();
    }

    [Fact]
    public async Task Originate_without_enough_arguments_answers_with_its_usage()
    {
        await using var lab = await OriginateLab.StartAsync((_, _) => Task.CompletedTask);

        (await lab.Client.ApiAsync("originate user/1001").WaitAsync(Patience)).Body.Should().Be(OriginateTrace.UsageReply,
            "FreeSWITCH 1.10.12 answers so (RealFreeSwitch/OriginateTraceTests)");
        lab.Simulator.LiveCalls.Should().BeEmpty();
    }

    [Fact]
    public async Task An_answered_call_whose_socket_address_refuses_hangs_up()
    {
        await using var lab = await OriginateLab.StartAsync((_, _) => Task.CompletedTask);
        lab.Simulator.SetContact("1001", SimulatedContact.Answering());
        var closedPort = RealFreeSwitchEnvironment.FreePort();
        var uuid = Guid.NewGuid().ToString();

        var job = await lab.Client.BackgroundApiAsync($"originate {{origination_uuid={uuid}}}user/1001 '&socket(127.0.0.1:{closedPort} async full)'")
            .WaitAsync(Patience);

        job.Body.Should().Be($"+OK {uuid}\n", "originate ended when the call was answered, before the socket application ran");
        var end = await lab.Events.WaitAsync(e => e.UniqueId == uuid && e.EventName == "CHANNEL_HANGUP_COMPLETE", Patience, "the hangup");
        end["Hangup-Cause"].Should().Be("NORMAL_CLEARING");
        lab.Connects.Should().BeEmpty();
    }

    /// <summary>A simulator with an inbound server, an EslInboundClient that records the originate's events, and an
    /// outbound listener standing in for the engine (<c>&amp;socket</c>), on a fake clock.</summary>
    private sealed class OriginateLab : IAsyncDisposable
    {
        private readonly List<ChannelData> _connects = [];
        private readonly IDisposable _subscription;
        private readonly InboundServer _server;
        private readonly EslOutboundListener _listener;

        private OriginateLab(FreeSwitchSimulator simulator, InboundServer server, EslInboundClient client, EventLog events,
            IDisposable subscription, FakeTimeProvider time, EslOutboundListener listener, List<ChannelData> connects)
        {
            Simulator = simulator;
            _server = server;
            Client = client;
            Events = events;
            _subscription = subscription;
            Time = time;
            _listener = listener;
            _connects = connects;
        }

        public FreeSwitchSimulator Simulator { get; }

        public EslInboundClient Client { get; }

        public EventLog Events { get; }

        public FakeTimeProvider Time { get; }

        public int SocketPort => _listener.LocalEndPoint.Port;

        public IReadOnlyList<ChannelData> Connects
        {
            get
            {
                lock (_connects) return [.. _connects];
            }
        }

        public static async Task<OriginateLab> StartAsync(Func<EslOutboundSession, CancellationToken, Task> engine)
        {
            var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var simulator = new FreeSwitchSimulator(new SimulatorOptions { Time = time });
            var server = await simulator.StartInboundServerAsync("pw");
            var client = new EslInboundClient(new EslInboundOptions { Port = server.EndPoint.Port, Password = "pw" });
            var events = new EventLog();
            var subscription = client.Events.Subscribe(events);
            await client.StartAsync().WaitAsync(Patience);
            await client.SubscribeAsync(OriginateTrace.Events).WaitAsync(Patience);
            var connects = new List<ChannelData>();
            var listener = new EslOutboundListener(new IPEndPoint(IPAddress.Loopback, 0), async (session, ct) =>
            {
                var channel = await session.ConnectAsync(ct);
                lock (connects) connects.Add(channel);
                await engine(session, ct);
            });
            listener.Start();
            return new OriginateLab(simulator, server, client, events, subscription, time, listener, connects);
        }

        public async ValueTask DisposeAsync()
        {
            _subscription.Dispose();
            await _listener.DisposeAsync();
            await Client.DisposeAsync();
            await _server.DisposeAsync();
            await Simulator.DisposeAsync();
        }
    }
}
