using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using IvrEngine.Simulator;

namespace IvrEngine.Benchmarks;

/// <summary><c>screenpop</c>: the agent desktop's screen pop with many agents signed in. The engine runs as a child
/// process (<see cref="ScreenPopEngine"/>); this process is the simulated FreeSWITCH (calls through the engine's
/// outbound socket, mod_callcenter's <c>callcenter::info</c> events over the engine's inbound connection) and the
/// agents' pages (<see cref="DeskStreams"/>, and the card each page asks for). It reads the engine's memory per
/// signed-in agent, then makes N real calls (the bank flow to a queue, known callers) and offers each to an agent:
/// the time from the offer to that agent's stream showing the call ringing, and to the call's card answered.</summary>
internal static class ScreenPopCommand
{
    public const string JsonFlag = "--json";
    public const double GoalP99Ms = 250;

    private const string Password = "screenpop-bench";
    private const int WarmupAgentExtension = 1000;
    private const int FirstAgentExtension = 1001;

    private static readonly string[] Options = ["--agents", "--calls", "--rate", "--warmup"];
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CallPatience = TimeSpan.FromSeconds(30);

    public static int Run(ReadOnlySpan<string> args)
    {
        var flag = args.IndexOf(JsonFlag);
        var json = flag >= 0;
        var line = CommandLine.Parse(json ? [.. args[..flag], .. args[(flag + 1)..]] : args.ToArray(), Options, positionals: 0);
        var plan = new ScreenPopPlan(
            line.GetInt("--agents", 200, 1, 5_000),
            line.GetInt("--calls", 1_000, 1, 1_000_000),
            line.GetDouble("--rate", 20, 0.1, 1_000),
            line.GetInt("--warmup", 50, 0, 100_000));
        if (FileDescriptorLimit.Ensure(plan.Agents * 2L + 1024, "the agents' streams and the calls") is { } problem)
        {
            Console.Error.WriteLine($"error: {problem}");
            return 2;
        }

        return RunAsync(plan, json).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(ScreenPopPlan plan, bool json)
    {
        // With --json, standard output carries the report alone; what happens goes to standard error.
        var say = json ? Console.Error : Console.Out;
        var folder = Directory.CreateTempSubdirectory("ivrengine-screenpop-");
        try
        {
            var agents = Enumerable.Range(FirstAgentExtension, plan.Agents).Select(BenchAgent.Number).ToList();
            var warm = BenchAgent.Number(WarmupAgentExtension);
            var clock = Stopwatch.StartNew();
            var tokens = await ScreenPopEngine.AddUsersAsync(folder.FullName, [warm, .. agents]);
            say.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"users: {plan.Agents:N0} agents ({agents[0].Agent} .. {agents[^1].Agent}) and a warm-up agent ({warm.Agent}), one read API token each, added to the new store before the engine opened it ({clock.Elapsed.TotalSeconds:0.0} s)"));

            await using var sim = new FreeSwitchSimulator(new SimulatorOptions { HangUpAfterTransfer = false });
            await using var inbound = await sim.StartInboundServerAsync(Password);
            await using var engine = await ScreenPopEngine.StartAsync(folder.FullName, inbound, Password);
            say.WriteLine($"engine (pid {engine.ProcessId}): a child process, IvrEngine.dll as built here, the shipped flows, demo data, log levels as shipped; web {engine.Web}, outbound socket {engine.Outbound}, inbound connection to this process's simulated FreeSWITCH {inbound.EndPoint}");
            say.WriteLine($"this process (pid {Environment.ProcessId}): the simulated FreeSWITCH (calls, callcenter::info events) and the agents' pages (streams, cards); {Environment.ProcessorCount} cores shared by the two");

            using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseCookies = false })
            {
                Timeout = Timeout.InfiniteTimeSpan,
            };
            await using var streams = new DeskStreams(http);
            var env = new Env(sim, inbound, engine, streams, http, tokens);

            // Warm-up: one more agent's page and a few calls through the whole path, so that what follows runs compiled
            // code and the memory read next is the engine's steady state, not its first requests.
            await streams.OpenAsync(engine.Web, tokens[warm.UserName]).WaitAsync(Patience);
            var warmRun = await RunCallsAsync(env, plan.Warmup, plan.Rate, _ => warm);
            say.WriteLine($"warm-up: {warmRun.Completed:N0} of {plan.Warmup:N0} calls offered to {warm.Agent} and popped (not measured)");

            var before = await engine.SettledRssKbAsync(TimeSpan.FromSeconds(2));
            clock.Restart();
            var opened = agents.Select(a => streams.OpenAsync(engine.Web, tokens[a.UserName])).ToList();
            await Task.WhenAll(opened).WaitAsync(TimeSpan.FromSeconds(60));
            var openSeconds = clock.Elapsed.TotalSeconds;
            var after = await engine.SettledRssKbAsync(TimeSpan.FromSeconds(3));
            say.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"streams: {plan.Agents:N0} opened, each with its first desk event, in {openSeconds:0.00} s; engine RSS {before / 1024.0:0.0} MB before, {after / 1024.0:0.0} MB after (settled, median of 7 readings)"));

            say.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"calls: {plan.Calls:N0} at {plan.Rate:0.##}/s, bank flow (5000) from the demo's known callers (VIP, overdue, existing in turn) to their queue; each offered to agent i % {plan.Agents:N0}, then withdrawn (bridge-agent-fail, member-queue-end) and hung up"));
            var cpuFrom = engine.Cpu();
            var eventsFrom = streams.Events;
            clock.Restart();
            var run = await RunCallsAsync(env, plan.Calls, plan.Rate, i => agents[i % agents.Count]);
            var seconds = clock.Elapsed.TotalSeconds;
            var cpu = engine.Cpu() - cpuFrom;
            var events = streams.Events - eventsFrom;
            var end = await engine.SettledRssKbAsync(TimeSpan.FromSeconds(2));

            var report = new ScreenPopReport
            {
                Agents = plan.Agents,
                Calls = plan.Calls,
                Rate = plan.Rate,
                Warmup = plan.Warmup,
                Popped = run.Completed,
                Failed = run.Tally.Errors,
                Errors = run.Tally.FirstErrors(),
                CardsWithClient = run.CardsWithClient,
                Push = Percentiles.Of(run.Push),
                PushAndCard = Percentiles.Of(run.PushAndCard),
                Seconds = seconds,
                StreamEvents = events,
                StreamsFailed = streams.Failed,
                StreamsOpenSeconds = openSeconds,
                RssBeforeKb = before,
                RssAfterKb = after,
                RssAfterCallsKb = end,
                KbPerAgent = (after - before) / (double)plan.Agents,
                EngineCpuMsPerCall = cpu.TotalMilliseconds / Math.Max(1, run.Completed),
                EngineWarnings = engine.Problems,
                EngineFirstWarnings = engine.FirstProblems,
                GoalP99Ms = GoalP99Ms,
            };
            // A pop without the caller's client pops nothing an agent can use: every card must name the known caller.
            report = report with
            {
                GoalMet = report.Failed == 0 && report.Push.Samples > 0 && report.Push.P99 < GoalP99Ms && report.CardsWithClient == report.Popped,
            };
            if (json) Console.Out.WriteLine(JsonSerializer.Serialize(report, LoadProtocol.Json));
            else Print(report);
            return report.GoalMet ? 0 : 1;
        }
        finally
        {
            try
            {
                folder.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Left in the temp folder.
            }
        }
    }

    private static void Print(ScreenPopReport r)
    {
        var ic = CultureInfo.InvariantCulture;
        Console.WriteLine();
        Console.WriteLine(string.Create(ic, $"calls popped: {r.Popped:N0} of {r.Calls:N0} in {r.Seconds:0.0} s; failed: {r.Failed:N0}; cards with the caller's client: {r.CardsWithClient:N0}"));
        foreach (var e in r.Errors) Console.WriteLine($"  error x{e.Count}: {e.Reason}");
        Console.WriteLine(string.Create(ic, $"desk events read on the agents' streams during the calls: {r.StreamEvents:N0}; streams broken: {r.StreamsFailed}"));
        Console.WriteLine($"offer -> ringing on the agent's stream (callcenter::info agent-offering sent -> desk event read): {r.Push.Describe()}");
        Console.WriteLine($"offer -> card (the push, then GET /api/calls/{{uuid}}/card answered 200, as the page does): {r.PushAndCard.Describe()}");
        Console.WriteLine(string.Create(ic,
            $"engine memory: RSS {r.RssBeforeKb / 1024.0:0.0} MB before the {r.Agents:N0} streams, {r.RssAfterKb / 1024.0:0.0} MB after -> {r.KbPerAgent:0.0} KB per signed-in agent; {r.RssAfterCallsKb / 1024.0:0.0} MB after the calls"));
        Console.WriteLine(string.Create(ic, $"engine CPU: {r.EngineCpuMsPerCall:0.00} ms per call (IVR, offer, withdraw, hangup, card, the streams' events)"));
        Console.WriteLine($"engine warnings and errors logged: {r.EngineWarnings}");
        foreach (var w in r.EngineFirstWarnings) Console.WriteLine($"  {w}");
        Console.WriteLine();
        Console.WriteLine(string.Create(ic,
            $"goal: p99 < {r.GoalP99Ms:0} ms with {r.Agents:N0} agents, every card with the caller's client: {(r.GoalMet ? "met" : "missed")} (p99 {r.Push.P99:0.0} ms, {r.Failed:N0} failed, {r.CardsWithClient:N0} of {r.Popped:N0} cards with the client)"));
    }

    /// <summary>Runs <paramref name="count"/> calls started <paramref name="rate"/> per second: each through the bank
    /// flow to its queue, then queued, offered to <paramref name="agentFor"/>(i), timed until the agent's stream shows
    /// it ringing and its card answers, then withdrawn and hung up.</summary>
    private static async Task<CallsRun> RunCallsAsync(Env env, int count, double rate, Func<int, BenchAgent> agentFor)
    {
        var run = new CallsRun();
        var clock = Stopwatch.StartNew();
        var calls = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            calls.Add(OneCallAsync(env, i, agentFor(i), run));
        }

        await Task.WhenAll(calls);
        return run;
    }

    private static async Task OneCallAsync(Env env, int index, BenchAgent agent, CallsRun run)
    {
        var caller = CallerKind.Known.Caller(index);
        var script = new CallerScript { Ani = caller.Ani, Dnis = BurstPlan.BankNumber, Inputs = caller.Inputs };
        SimulatedCall call;
        try
        {
            call = await env.Sim.StartCallAsync(env.Engine.Outbound, script);
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            run.Tally.Fail("connect failed: " + ex.Message);
            return;
        }

        run.Tally.Connected();
        try
        {
            CallRecord record;
            try
            {
                record = await call.Completion.WaitAsync(CallPatience);
            }
            catch (TimeoutException)
            {
                run.Tally.Fail($"{caller.Name}: the IVR not over after {CallPatience.TotalSeconds:0} s");
                await call.DropSocketAsync();
                return;
            }

            var destination = record.TransferredTo?.Split(' ')[0];
            if (destination is null || !destination.StartsWith("queue_", StringComparison.Ordinal))
            {
                run.Tally.Fail($"{caller.Name}: not transferred to a queue ({record.TransferredTo ?? "-"}, hangup by {record.HangupBy ?? "-"})");
                return;
            }

            await OfferAsync(env, call.Uuid, destination["queue_".Length..] + "@default", script.Ani, agent, run);
        }
        finally
        {
            await call.HangUpAsync();
            run.Tally.Closed();
        }
    }

    /// <summary>mod_callcenter's part: the caller enters the queue, the agent is offered the call (timed from here), and
    /// at the end the offer is withdrawn and the caller leaves the queue.</summary>
    private static async Task OfferAsync(Env env, string callUuid, string queue, string ani, BenchAgent agent, CallsRun run)
    {
        var member = Guid.NewGuid().ToString();
        await env.Inbound.EmitCustomEventAsync("callcenter::info",
            [new("CC-Queue", queue), new("CC-Action", "member-queue-start"), new("CC-Member-UUID", member), new("CC-Member-Session-UUID", callUuid),
                new("CC-Member-CID-Name", ani), new("CC-Member-CID-Number", ani)]);
        var ringing = env.Streams.ExpectRinging(callUuid);
        var offered = Stopwatch.GetTimestamp();
        await env.Inbound.EmitCustomEventAsync("callcenter::info",
            [new("CC-Queue", queue), new("CC-Action", "agent-offering"), new("CC-Agent", agent.Agent), new("CC-Agent-System", "single_box"),
                new("CC-Agent-UUID", Guid.NewGuid().ToString()), new("CC-Member-UUID", member), new("CC-Member-Session-UUID", callUuid),
                new("CC-Member-CID-Name", ani), new("CC-Member-CID-Number", ani), new("CC-Member-DNIS", BurstPlan.BankNumber)]);
        try
        {
            long seen;
            try
            {
                seen = await ringing.WaitAsync(Patience);
            }
            catch (TimeoutException)
            {
                env.Streams.Forget(callUuid);
                run.Tally.Fail($"no desk event with the call ringing on {agent.Agent}'s stream within {Patience.TotalSeconds:0} s");
                return;
            }

            var push = Stopwatch.GetElapsedTime(offered, seen).TotalMilliseconds;
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(env.Engine.Web, $"api/calls/{callUuid}/card"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", env.Tokens[agent.UserName]);
            using var patience = new CancellationTokenSource(Patience);
            string body;
            int status;
            try
            {
                using var response = await env.Http.SendAsync(request, patience.Token);
                body = await response.Content.ReadAsStringAsync(patience.Token);
                status = (int)response.StatusCode;
            }
            catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException)
            {
                run.Tally.Fail("card request failed: " + ex.GetType().Name);
                return;
            }

            var card = Stopwatch.GetElapsedTime(offered).TotalMilliseconds;
            if (status != 200)
            {
                run.Tally.Fail($"card answered {status}");
                return;
            }

            using (var json = JsonDocument.Parse(body))
            {
                if (json.RootElement.TryGetProperty("client", out var client) && client.ValueKind == JsonValueKind.Object) run.WithClient();
            }

            run.Push.Enqueue(push);
            run.PushAndCard.Enqueue(card);
            run.Tally.Complete();
        }
        finally
        {
            await env.Inbound.EmitCustomEventAsync("callcenter::info",
                [new("CC-Queue", queue), new("CC-Action", "bridge-agent-fail"), new("CC-Hangup-Cause", "NO_ANSWER"), new("CC-Agent", agent.Agent),
                    new("CC-Agent-System", "single_box"), new("CC-Member-UUID", member), new("CC-Member-Session-UUID", callUuid)]);
            await env.Inbound.EmitCustomEventAsync("callcenter::info",
                [new("CC-Queue", queue), new("CC-Action", "member-queue-end"), new("CC-Cause", "Cancel"), new("CC-Cancel-Reason", "NONE"),
                    new("CC-Member-UUID", member), new("CC-Member-Session-UUID", callUuid)]);
        }
    }

    private sealed record Env(FreeSwitchSimulator Sim, InboundServer Inbound, ScreenPopEngine Engine, DeskStreams Streams, HttpClient Http,
        IReadOnlyDictionary<string, string> Tokens);

    private sealed class CallsRun
    {
        private int _withClient;

        public CallTally Tally { get; } = new();

        public ConcurrentQueue<double> Push { get; } = new();

        public ConcurrentQueue<double> PushAndCard { get; } = new();

        public int Completed => Tally.Completed;

        public int CardsWithClient => Volatile.Read(ref _withClient);

        public void WithClient() => Interlocked.Increment(ref _withClient);
    }
}

internal sealed record ScreenPopPlan(int Agents, int Calls, double Rate, int Warmup);

/// <summary>p50/p90/p99/max of a latency, in ms.</summary>
internal sealed record Percentiles(int Samples, double P50, double P90, double P99, double Max)
{
    public static Percentiles Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        return new Percentiles(sorted.Length, Stats.Percentile(sorted, 50), Stats.Percentile(sorted, 90), Stats.Percentile(sorted, 99),
            Stats.Percentile(sorted, 100));
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Samples:N0} samples: p50 {P50:0.0} ms   p90 {P90:0.0} ms   p99 {P99:0.0} ms   max {Max:0.0} ms");
}

/// <summary>What <c>screenpop</c> measured (the <c>--json</c> output).</summary>
internal sealed record ScreenPopReport
{
    public int Agents { get; init; }

    public int Calls { get; init; }

    public double Rate { get; init; }

    public int Warmup { get; init; }

    /// <summary>Calls offered, seen ringing on the agent's stream and whose card answered 200.</summary>
    public int Popped { get; init; }

    public int Failed { get; init; }

    public IReadOnlyList<ErrorCount> Errors { get; init; } = [];

    public int CardsWithClient { get; init; }

    /// <summary>agent-offering sent -> the agent's stream shows the call ringing.</summary>
    public required Percentiles Push { get; init; }

    /// <summary>agent-offering sent -> the push, then the card answered 200.</summary>
    public required Percentiles PushAndCard { get; init; }

    public double Seconds { get; init; }

    public long StreamEvents { get; init; }

    public int StreamsFailed { get; init; }

    public double StreamsOpenSeconds { get; init; }

    public long RssBeforeKb { get; init; }

    public long RssAfterKb { get; init; }

    public long RssAfterCallsKb { get; init; }

    public double KbPerAgent { get; init; }

    public double EngineCpuMsPerCall { get; init; }

    public int EngineWarnings { get; init; }

    public IReadOnlyList<string> EngineFirstWarnings { get; init; } = [];

    public double GoalP99Ms { get; init; }

    public bool GoalMet { get; init; }
}
