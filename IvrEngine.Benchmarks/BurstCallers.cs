using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using IvrEngine.Profiles;
using IvrEngine.Simulator;

namespace IvrEngine.Benchmarks;

/// <summary><c>burst-callers</c> (hidden; started by <c>burst</c> as its child process): the simulated FreeSWITCH of an
/// advertising spike on the bank sample (5000). After an unmeasured warm-up it prints <see cref="BurstProtocol.Start"/>,
/// starts N calls at their arrival times within S seconds, waits for every call to end, prints
/// <see cref="BurstProtocol.End"/> and, last, one JSON <see cref="BurstReport"/> line.</summary>
internal static class BurstCallers
{
    private static readonly string[] Options =
        ["--target", "--calls", "--seconds", "--arrivals", "--mix", "--playback-ms", "--warmup", "--seed"];

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    public static int Run(ReadOnlySpan<string> args)
    {
        var line = CommandLine.Parse(args, Options, positionals: 0);
        // Several engines (ADDRESS:PORT,ADDRESS:PORT): the calls go to them in turn, as a dialplan's list of engines.
        var targets = new List<IPEndPoint>();
        foreach (var one in (line.Get("--target") ?? string.Empty).Split(','))
        {
            if (!IPEndPoint.TryParse(one, out var target)) throw new UsageException("burst-callers needs --target ADDRESS:PORT[,ADDRESS:PORT...].");
            targets.Add(target);
        }

        var plan = BurstPlan.From(line);

        if (FileDescriptorLimit.Ensure(plan.Calls + 1024L, "the simulator's end of each live call") is { } problem)
        {
            Console.Error.WriteLine($"error (caller process): {problem}");
            return 2;
        }

        var report = RunAsync(targets, plan).GetAwaiter().GetResult();
        Console.Out.WriteLine(JsonSerializer.Serialize(report, LoadProtocol.Json));
        Console.Out.Flush();
        return 0;
    }

    private static async Task<BurstReport> RunAsync(List<IPEndPoint> targets, BurstPlan plan)
    {
        await using var sim = new FreeSwitchSimulator();
        var random = new Random(plan.Seed);

        // Warm-up: the mix at a modest pace, so that both sides run JIT-compiled code in the burst (an engine that has
        // been up for a while), not measured. In rounds, until the engine says its JIT has nothing left to compile:
        // the runtime compiles a method first quickly, then again optimized once it has been called often enough
        // (tiered compilation), and one round is not enough for that.
        var warm = new BurstRun();
        var warmupRounds = 0;
        for (var round = 1; plan.Warmup > 0; round++)
        {
            warmupRounds = round;
            var kinds = plan.Mix.Assign(plan.Warmup, random);
            using var slots = new SemaphoreSlim(20);
            var tasks = new List<Task>(plan.Warmup);
            for (var i = 0; i < plan.Warmup; i++)
            {
                await slots.WaitAsync();
                var call = RunCallAsync(sim, targets[i % targets.Count], warm.Next(kinds[i]), plan.Playback, warm);
                tasks.Add(call.ContinueWith(_ => slots.Release(), TaskScheduler.Default));
            }

            await Task.WhenAll(tasks);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{CallerProcess.Question}{BurstProtocol.Warmed} {round}"));
            Console.Out.Flush();
            if (await Task.Run(Console.In.ReadLine) != BurstProtocol.More) break;
        }

        FullGc.Run();
        var arrivals = plan.Arrivals(random);
        var burstKinds = plan.Mix.Assign(plan.Calls, random);
        var run = new BurstRun();
        Console.Out.WriteLine(BurstProtocol.Start);
        Console.Out.Flush();

        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var calls = new List<Task>(plan.Calls);
        var maxLag = TimeSpan.Zero;
        using (var connecting = new SemaphoreSlim(64)) // as load: keeps the listener's accept backlog from overflowing into SYN retries
        {
            for (var i = 0; i < plan.Calls; i++)
            {
                var due = arrivals[i];
                if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
                await connecting.WaitAsync();
                var lag = clock.Elapsed - due;
                if (lag > maxLag) maxLag = lag;
                calls.Add(RunCallAsync(sim, targets[i % targets.Count], run.Next(burstKinds[i]), plan.Playback, run, connecting));
            }

            await Task.WhenAll(calls);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        Console.Out.WriteLine(BurstProtocol.End);
        Console.Out.Flush();
        return new BurstReport
        {
            Calls = plan.Calls,
            WarmupCompleted = warm.Tally.Completed,
            WarmupErrors = warm.Tally.Errors,
            WarmupRounds = warmupRounds,
            Started = run.Started,
            Completed = run.Tally.Completed,
            Refused = run.Refused,
            Failed = run.Tally.Errors - run.Refused,
            FirstErrors = run.Tally.FirstErrors(),
            Destinations = run.Destinations.OrderByDescending(d => d.Value).ToDictionary(d => d.Key, d => d.Value, StringComparer.Ordinal),
            ConnectToTransfer = TurnaroundSummary.Of(run.ToTransfer),
            Turnaround = TurnaroundSummary.Of(run.Turnarounds),
            MaxStartLagMs = maxLag.TotalMilliseconds,
            Seconds = seconds,
            PeakLive = run.Tally.PeakLive,
            CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds,
            CallUuids = [.. run.Uuids],
        };
    }

    /// <summary>One caller: connects (TCP, as FreeSWITCH's socket application), is served by the engine, and is checked
    /// at the end against where its kind should go. The time to the transfer runs from the connect attempt to the
    /// engine's <c>transfer</c> reaching the simulated channel.</summary>
    private static async Task RunCallAsync(
        FreeSwitchSimulator sim, IPEndPoint target, BankCaller caller, TimeSpan playback, BurstRun run, SemaphoreSlim? connecting = null)
    {
        var script = new CallerScript
        {
            Ani = caller.Ani,
            Dnis = BurstPlan.BankNumber,
            Inputs = caller.Inputs,
            PlaybackDuration = playback,
        };
        var started = Stopwatch.GetTimestamp();
        SimulatedCall call;
        try
        {
            call = await sim.StartCallAsync(target, script);
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
        {
            run.Refuse("connect failed: " + ex.GetType().Name + ": " + ex.Message);
            return;
        }
        finally
        {
            connecting?.Release();
        }

        run.Start(script.Uuid);
        try
        {
            var transferred = call.WaitForApplicationAsync("transfer")
                .ContinueWith(_ => Stopwatch.GetTimestamp(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            var record = await call.Completion.WaitAsync(CallTimeout);
            if (record.TransferredTo is not null && await Task.WhenAny(transferred, Task.Delay(TimeSpan.FromSeconds(5))) == transferred) run.ToTransfer.Enqueue(Stopwatch.GetElapsedTime(started, transferred.Result).TotalMilliseconds);
            foreach (var t in call.Turnarounds) run.Turnarounds.Enqueue(t.TotalMilliseconds);
            var destination = record.TransferredTo?.Split(' ')[0];
            if (destination is not null) run.Destinations.AddOrUpdate(destination, 1, (_, n) => n + 1);
            if (!record.Connected || record.ClosedBeforeConnect) run.Refuse("refused: the engine never sent connect");
            else if (record.ProtocolErrors.Count > 0) run.Tally.Fail($"{caller.Name}: protocol error: {record.ProtocolErrors[0]}");
            else if (destination != caller.Destination)
            {
                run.Tally.Fail($"{caller.Name}: transferred to {destination ?? "-"}, expected {caller.Destination} (hangup by {record.HangupBy ?? "-"}, cause {record.HangupCause ?? "-"})");
            }
            else run.Tally.Complete();
        }
        catch (TimeoutException)
        {
            run.Tally.Fail($"{caller.Name}: not over after {CallTimeout.TotalSeconds:0} s");
            await call.DropSocketAsync();
        }
        finally
        {
            run.Tally.Closed();
        }
    }

    /// <summary>The counts and samples of one run of calls (the warm-up or the burst).</summary>
    private sealed class BurstRun
    {
        private readonly int[] _ordinals = new int[3];

        private int _started;
        private int _refused;

        public CallTally Tally { get; } = new();

        public ConcurrentQueue<double> ToTransfer { get; } = new();

        public ConcurrentQueue<double> Turnarounds { get; } = new();

        public ConcurrentDictionary<string, int> Destinations { get; } = new(StringComparer.Ordinal);

        public ConcurrentQueue<string> Uuids { get; } = new();

        public int Started => Volatile.Read(ref _started);

        public int Refused => Volatile.Read(ref _refused);

        /// <summary>The next caller of this kind's rotation (the mix's callers of one kind take turns).</summary>
        public BankCaller Next(CallerKind kind) => kind.Caller(_ordinals[(int)kind]++);

        public void Start(string uuid)
        {
            Interlocked.Increment(ref _started);
            Uuids.Enqueue(uuid);
            Tally.Connected();
        }

        public void Refuse(string reason)
        {
            Interlocked.Increment(ref _refused);
            Tally.Fail(reason);
        }
    }
}

/// <summary>Lines between <c>burst</c> and its <c>burst-callers</c> child, besides the final JSON report.</summary>
internal static class BurstProtocol
{
    /// <summary>Child -> parent: the warm-up is over and the burst's first call is about to start.</summary>
    public const string Start = "BURST-START";

    /// <summary>Child -> parent: every call of the burst has ended.</summary>
    public const string End = "BURST-END";

    /// <summary>Child -> parent, a question (<see cref="CallerProcess.Question"/>): a warm-up round is over; followed by
    /// its number. The parent answers <see cref="More"/> (another round) or <see cref="Go"/>.</summary>
    public const string Warmed = "WARMED";

    /// <summary>Parent -> child (stdin): the engine still compiles; warm up another round.</summary>
    public const string More = "MORE";

    /// <summary>Parent -> child (stdin): the engine is warm; start the burst.</summary>
    public const string Go = "GO";
}

/// <summary>What a <c>burst-callers</c> child measured, from the simulator's side.</summary>
internal sealed record BurstReport
{
    public int Calls { get; init; }

    public int WarmupCompleted { get; init; }

    public int WarmupErrors { get; init; }

    public int WarmupRounds { get; init; }

    /// <summary>Calls whose TCP connect succeeded.</summary>
    public int Started { get; init; }

    /// <summary>Calls transferred to the queue their caller should reach, without protocol errors.</summary>
    public int Completed { get; init; }

    /// <summary>Calls whose connect failed or that the engine never sent connect.</summary>
    public int Refused { get; init; }

    /// <summary>Every other failure: wrong or no destination, protocol error, timeout.</summary>
    public int Failed { get; init; }

    public IReadOnlyList<ErrorCount> FirstErrors { get; init; } = [];

    /// <summary>Transfer destination (dialplan extension) -> calls.</summary>
    public IReadOnlyDictionary<string, int> Destinations { get; init; } = new Dictionary<string, int>();

    /// <summary>Connect attempt -> the engine's transfer reaching the simulated channel, per call (ms).</summary>
    public TurnaroundSummary? ConnectToTransfer { get; init; }

    /// <summary>Every event -> next command turnaround of the burst (ms).</summary>
    public TurnaroundSummary? Turnaround { get; init; }

    /// <summary>How late the latest call started against its arrival time (ms).</summary>
    public double MaxStartLagMs { get; init; }

    /// <summary>From the first arrival to the last call's end.</summary>
    public double Seconds { get; init; }

    public int PeakLive { get; init; }

    public double CpuSeconds { get; init; }

    /// <summary>The Unique-IDs of the burst's connected calls (the parent looks for their interaction records).</summary>
    public IReadOnlyList<string> CallUuids { get; init; } = [];
}

/// <summary>How the burst's callers arrive and who they are.</summary>
internal sealed record BurstPlan(int Calls, TimeSpan Window, bool Poisson, CallerMix Mix, TimeSpan Playback, int Warmup, int Seed)
{
    /// <summary>The bank sample's number.</summary>
    public const string BankNumber = "5000";

    public static BurstPlan From(CommandLine line)
    {
        var arrivals = line.Get("--arrivals") ?? "poisson";
        if (arrivals is not ("poisson" or "even")) throw new UsageException($"--arrivals wants poisson or even, got '{arrivals}'.");
        return new BurstPlan(
            line.GetInt("--calls", 500, 1, 100_000),
            TimeSpan.FromSeconds(line.GetDouble("--seconds", 1, 0, 3600)),
            arrivals == "poisson",
            CallerMix.Parse(line.Get("--mix") ?? CallerMix.Default),
            TimeSpan.FromMilliseconds(line.GetInt("--playback-ms", 0, 0, 600_000)),
            line.GetInt("--warmup", 200, 0, 100_000),
            line.GetInt("--seed", 1, 0, int.MaxValue));
    }

    /// <summary>The options that give this plan to a child.</summary>
    public List<string> ToArguments() =>
    [
        "--calls", Text(Calls), "--seconds", Window.TotalSeconds.ToString("R", CultureInfo.InvariantCulture),
        "--arrivals", Poisson ? "poisson" : "even", "--mix", Mix.ToString(),
        "--playback-ms", Text((int)Playback.TotalMilliseconds), "--warmup", Text(Warmup), "--seed", Text(Seed),
    ];

    /// <summary>Arrival times from the burst's start, in order. Even: call i at i/N of the window. Poisson: a Poisson
    /// process that brings exactly N calls in the window, i.e. N uniformly random instants, sorted (clusters and gaps,
    /// as real arrivals have).</summary>
    public TimeSpan[] Arrivals(Random random)
    {
        var times = new TimeSpan[Calls];
        for (var i = 0; i < Calls; i++) times[i] = Window * (Poisson ? random.NextDouble() : (double)i / Calls);
        Array.Sort(times);
        return times;
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Calls:N0} calls arriving within {Window.TotalSeconds:0.###} s ({(Poisson ? $"Poisson arrivals: a Poisson process conditioned on {Calls:N0} arrivals, i.e. uniformly random instants, seed {Seed}" : "evenly spread")})");

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>The kinds of caller of the burst, in percent.</summary>
internal sealed record CallerMix(int Known, int Card, int Account)
{
    public const string Default = "known=40,card=40,account=20";

    public static CallerMix Parse(string text)
    {
        var parts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = part.Split('=', 2);
            if (pair.Length != 2 || pair[0] is not ("known" or "card" or "account")
                || !int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var percent) || !parts.TryAdd(pair[0], percent))
            {
                throw new UsageException($"--mix wants known=P,card=P,account=P (percentages adding up to 100), got '{text}'.");
            }
        }

        var mix = new CallerMix(parts.GetValueOrDefault("known"), parts.GetValueOrDefault("card"), parts.GetValueOrDefault("account"));
        if (mix.Known + mix.Card + mix.Account != 100) throw new UsageException($"--mix percentages must add up to 100, got '{text}'.");
        return mix;
    }

    /// <summary>Exactly the mix's share of each kind among <paramref name="calls"/> (rounded), in random order.</summary>
    public CallerKind[] Assign(int calls, Random random)
    {
        var known = (int)Math.Round(calls * Known / 100.0);
        var card = Math.Min(calls - known, (int)Math.Round(calls * Card / 100.0));
        var kinds = new CallerKind[calls];
        for (var i = 0; i < calls; i++) kinds[i] = i < known ? CallerKind.Known : i < known + card ? CallerKind.Card : CallerKind.Account;
        random.Shuffle(kinds);
        return kinds;
    }

    public string Describe() =>
        $"known by number {Known}% (VIP, overdue, existing in turn), unknown keying the VIP card with read-back {Card}%, unknown keying an account {Account}% (overdue, existing in turn)";

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"known={Known},card={Card},account={Account}");
}

/// <summary>A kind of caller of the burst.</summary>
internal enum CallerKind
{
    Known,
    Card,
    Account,
}

/// <summary>One scripted caller of the bank sample: number, keys, and the queue they should reach.</summary>
internal sealed record BankCaller(string Name, string Ani, IReadOnlyList<CallerInput> Inputs, string Destination);

internal static class CallerKinds
{
    private const string Vip = "queue_vip";
    private const string Collections = "queue_collections";
    private const string General = "queue_general";

    // The demo data's well-known clients; numbers as FreeSWITCH gives them (no +).
    private static readonly BankCaller[] KnownCallers =
    [
        new("known VIP", Ani(DemoDataSeeder.WellKnown.VipPhone), [], Vip),
        new("known overdue", Ani(DemoDataSeeder.WellKnown.OverduePhone), [], Collections),

        // The main menu: balance (1), then from the after-balance menu an agent (0).
        new("known existing", Ani(DemoDataSeeder.WellKnown.ExistingPhone), [CallerInput.Keys("1"), CallerInput.Keys("0")], General),
    ];

    private static readonly BankCaller[] CardCallers =
    [
        // Identify by card (1), the card, confirm the read-back (1).
        new("unknown with the VIP card", Ani(DemoDataSeeder.UnknownAnis[0]),
            [CallerInput.Keys("1"), CallerInput.Keys(DemoDataSeeder.WellKnown.VipCard + "#"), CallerInput.Keys("1")], Vip),
    ];

    private static readonly BankCaller[] AccountCallers =
    [
        // Identify by account (2), the account, confirm the read-back (1); the existing client then asks for an agent (0).
        new("unknown with the overdue account", Ani(DemoDataSeeder.UnknownAnis[1]),
            [CallerInput.Keys("2"), CallerInput.Keys(DemoDataSeeder.WellKnown.OverdueAccount + "#"), CallerInput.Keys("1")], Collections),
        new("unknown with the existing account", Ani(DemoDataSeeder.UnknownAnis[1]),
            [CallerInput.Keys("2"), CallerInput.Keys(DemoDataSeeder.WellKnown.ExistingAccount + "#"), CallerInput.Keys("1"), CallerInput.Keys("0")], General),
    ];

    /// <summary>The <paramref name="index"/>-th caller of this kind's rotation.</summary>
    public static BankCaller Caller(this CallerKind kind, int index)
    {
        var callers = kind switch
        {
            CallerKind.Known => KnownCallers,
            CallerKind.Card => CardCallers,
            _ => AccountCallers,
        };
        return callers[index % callers.Length];
    }

    private static string Ani(string e164) => e164.TrimStart('+');
}
