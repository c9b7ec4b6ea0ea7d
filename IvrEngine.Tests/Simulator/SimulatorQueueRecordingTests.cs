using System.IO.Pipelines;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.EventSocket;
using IvrEngine.Simulator;
using IvrEngine.Tests.Support;
using IvrEngine.Tests.Web.Desk;

namespace IvrEngine.Tests.Simulator;

/// <summary>The simulator's mod_callcenter held to what real FreeSWITCH 1.10.12 sent for a caller (the events about the
/// member, in order, with the same header names, causes and reasons) in the recorded transcripts: a queue that lets
/// the caller go (Transcripts/callcenter-overflow.txt), the dialplan then moving the call to general where an agent
/// answers (callcenter-overflow-to-general.txt), and an agent who does not answer before another does
/// (callcenter-agent-no-answer.txt).</summary>
public sealed class SimulatorQueueRecordingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_queue_that_lets_the_caller_go_sends_what_FreeSWITCH_sent_and_the_call_ends()
    {
        var real = await MemberEventsAsync("callcenter-overflow.txt");
        var simulated = await PlayAsync(real, dialplan: _ => [], async (call, events) =>
        {
            await call.SendAsync("callcenter", "vip@default");
            await call.Call.InQueue.WaitAsync(Patience);
            await call.Call.QueueLetsGoAsync("NO_AGENT_TIMEOUT");

            // Nothing follows the queue: the call ends (in the recording, the inline dialplan ended).
            await events.WaitAsync(e => e?["CC-Action"] == "member-queue-end", Patience);
            await call.SendAsync("hangup", "NORMAL_CLEARING");
        });

        Compare(simulated, real);
    }

    [Fact]
    public async Task A_caller_let_go_by_vip_whom_the_dialplan_moves_to_general_where_an_agent_answers_gets_FreeSWITCHs_events()
    {
        var real = await MemberEventsAsync("callcenter-overflow-to-general.txt");
        var simulated = await PlayAsync(real, dialplan: Dialplan, async (call, events) =>
        {
            await call.SendAsync("transfer", "queue_vip XML default");
            await call.Call.InQueue.WaitAsync(Patience);
            await call.Call.QueueLetsGoAsync("NO_AGENT_TIMEOUT");
            await events.WaitAsync(e => e?["CC-Action"] == "member-queue-start" && e["CC-Queue"] == "general@default", Patience);
            await call.Call.OfferToAgentAsync("1004@default", answer: true);
            await call.Call.AgentEndsAsync();
        });

        Compare(simulated, real);
        var exit = await simulatedVars.Task.WaitAsync(Patience);
        exit.Should().Contain(("cc_cause", "cancel")).And.Contain(("cc_cancel_reason", "NO_AGENT_TIMEOUT"), "what ivr_queue_exit reads when vip let the caller go");
    }

    [Fact]
    public async Task An_agent_who_does_not_answer_then_one_who_does_gets_FreeSWITCHs_events()
    {
        var real = await MemberEventsAsync("callcenter-agent-no-answer.txt");
        var cause = real.Single(e => Action(e) == "bridge-agent-fail").Single(h => h.Key == "CC-Hangup-Cause").Value;
        var simulated = await PlayAsync(real, dialplan: _ => [], async (call, events) =>
        {
            await call.SendAsync("callcenter", "vip@default");
            await call.Call.InQueue.WaitAsync(Patience);
            await call.Call.OfferToAgentAsync("1001@default", answer: false, cause);
            await call.Call.OfferToAgentAsync("1002@default", answer: true);
            await call.Call.AgentEndsAsync();
        });

        Compare(simulated, real);
    }

    private readonly TaskCompletionSource<List<(string, string)>> simulatedVars = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The shipped dialplan, as far as these calls go: the queue extension runs the queue then ivr_queue_exit,
    /// which (the caller let go) moves the call to general through ivr_queue_overflow.</summary>
    private IReadOnlyList<DialplanApplication> Dialplan(string destination) => destination switch
    {
        "queue_vip XML default" => [new("callcenter", "vip@default"), new("transfer", "ivr_queue_exit XML default")],
        "ivr_queue_exit XML default" => [new("transfer", "queue_general XML default")],
        "queue_general XML default" => [new("callcenter", "general@default")],
        _ => [],
    };

    /// <summary>A call whose application the test drives on the simulator, watched over an inbound connection subscribed
    /// to callcenter::info; returns the normalised events about the member once as many as <paramref name="real"/> came.</summary>
    private async Task<List<List<KeyValuePair<string, string>>>> PlayAsync(List<List<KeyValuePair<string, string>>> real,
        Func<string, IReadOnlyList<DialplanApplication>> dialplan, Func<Driven, EventWaiter, Task> scenario)
    {
        await using var sim = new FreeSwitchSimulator(new SimulatorOptions
        {
            CallcenterAgents = ["1001@default", "1002@default", "1004@default"], HangUpAfterTransfer = false, Dialplan = dialplan,
        });
        await using var server = await sim.StartInboundServerAsync("pw");
        await using var client = new EslInboundClient(new EslInboundOptions { Port = server.EndPoint.Port, Password = "pw" });
        await client.StartAsync().WaitAsync(Patience);
        var events = new EventWaiter();
        using var subscription = client.Events.Where(e => e.EventSubclass == "callcenter::info" && e["CC-Member-Session-UUID"] is not null)
            .Subscribe(e => events.Add(e.Detach()));
        await client.SubscribeAsync(["CUSTOM", "callcenter::info"]).WaitAsync(Patience);

        using var engine = new FakeEngine();
        var call = await sim.StartCallAsync(engine.EndPoint, new CallerScript { Ani = "15551230001", CallerName = "Outbound Call", Dnis = "15551230001" });
        await using var socket = await engine.AcceptAsync();
        await socket.SendAsync("connect\n\n");
        await socket.ExpectAsync();
        await scenario(new Driven(call, socket), events);

        await events.WaitAsync(_ => events.Count >= real.Count, Patience);
        var record = await call.Completion.WaitAsync(Patience);
        simulatedVars.TrySetResult([.. record.Variables.Where(v => v.Key.StartsWith("cc_c", StringComparison.Ordinal)).Select(v => (v.Key, v.Value))]);
        return [.. events.All.Select(DeskTestKit.Normalise)];
    }

    /// <summary>The same events about the member in the same order, each with the same header names in the same order
    /// and the same queue, agent, cause and reason (ids, times, caller ids and the number dialled are the run's).</summary>
    private static void Compare(List<List<KeyValuePair<string, string>>> simulated, List<List<KeyValuePair<string, string>>> real)
    {
        simulated.Select(Action).Should().Equal(real.Select(Action), "the same events in the same order");
        foreach (var (sim, rec) in simulated.Zip(real))
        {
            var what = $"{Action(rec)} of {Value(rec, "CC-Queue")}";
            sim.Where(h => h.Key.StartsWith("CC-", StringComparison.Ordinal)).Select(h => h.Key).Should()
                .Equal(rec.Where(h => h.Key.StartsWith("CC-", StringComparison.Ordinal)).Select(h => h.Key), $"{what} carries the headers FreeSWITCH sent");
            foreach (var header in new[] { "CC-Queue", "CC-Agent", "CC-Cause", "CC-Cancel-Reason", "CC-Hangup-Cause" })
            {
                Value(sim, header).Should().Be(Value(rec, header), $"{what}'s {header}");
            }

            sim.Any(h => h.Key == "Unique-ID").Should().Be(rec.Any(h => h.Key == "Unique-ID"), $"{what} carries a channel's data or not, as FreeSWITCH's");
        }
    }

    private static string? Action(List<KeyValuePair<string, string>> e) => Value(e, "CC-Action");

    private static string? Value(List<KeyValuePair<string, string>> e, string name) => e.FirstOrDefault(h => h.Key == name).Value;

    /// <summary>The transcript's callcenter::info events about its caller (those naming a member session), parsed by the
    /// engine's own parser, normalised as the agreement references are.</summary>
    private static async Task<List<List<KeyValuePair<string, string>>>> MemberEventsAsync(string file)
    {
        var transcript = CaptureFiles.Load(file);
        var toEngine = new Pipe();
        var fromEngine = new Pipe();
        await using var connection = new EslConnection(new Duplex(toEngine.Reader, fromEngine.Writer));
        var all = connection.Events.Select(e => e.Detach()).ToList().ToTask();
        connection.Start();
        foreach (var record in transcript.Records.Where(r => r.Direction == CaptureFiles.FsToCtl && r.IsEvent)) await toEngine.Writer.WriteAsync(record.Data);
        await toEngine.Writer.CompleteAsync();
        await connection.Completion.WaitAsync(Patience);
        return [.. (await all.WaitAsync(Patience)).Where(e => e.EventSubclass == "callcenter::info" && e["CC-Member-Session-UUID"] is not null)
            .Select(DeskTestKit.Normalise)];
    }

    /// <summary>The simulated call and the fake engine's socket that drives it.</summary>
    private sealed record Driven(SimulatedCall Call, RawEsl Socket)
    {
        public async Task SendAsync(string app, string arg)
        {
            await Socket.SendAsync($"sendmsg\ncall-command: execute\nexecute-app-name: {app}\nexecute-app-arg: {arg}\n\n");
            await Call.WaitForApplicationAsync(app).WaitAsync(Patience);
        }
    }

    private sealed class EventWaiter
    {
        private readonly List<EslEvent> _events = [];
        private readonly List<(Func<EslEvent?, bool> Match, TaskCompletionSource Done)> _waiters = [];

        public int Count
        {
            get
            {
                lock (_events) return _events.Count;
            }
        }

        public IReadOnlyList<EslEvent> All
        {
            get
            {
                lock (_events) return [.. _events];
            }
        }

        public void Add(EslEvent e)
        {
            lock (_events)
            {
                _events.Add(e);
                foreach (var (match, done) in _waiters.ToList())
                {
                    if (match(e) || match(null)) done.TrySetResult();
                }
            }
        }

        public Task WaitAsync(Func<EslEvent?, bool> match, TimeSpan timeout)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_events)
            {
                if (_events.Any(e => match(e)) || match(null)) return Task.CompletedTask;
                _waiters.Add((match, done));
            }

            return done.Task.WaitAsync(timeout);
        }
    }

    private sealed record Duplex(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}
