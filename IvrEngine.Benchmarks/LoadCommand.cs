using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using IvrEngine.Hosting;
using IvrEngine.Ivr;
using IvrEngine.Simulator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IvrEngine.Benchmarks;

/// <summary><c>load</c>: simulated calls through the real engine (host, listener, basic flow) over loopback TCP.
/// Phase 1 (throughput): N calls, at most C live, prompts that take no time. Phase 2 (hold): C calls whose prompts
/// last long enough that all C are live at once; memory is measured then, and turnarounds are taken under that load.</summary>
internal static class LoadCommand
{
    private static readonly string[] Options = ["--calls", "--concurrency", "--keys", "--hold-seconds"];

    public static int Run(ReadOnlySpan<string> args)
    {
        var line = CommandLine.Parse(args, Options, positionals: 0);
        if (line.Get("--calls") is null || line.Get("--concurrency") is null) throw new UsageException("load needs --calls and --concurrency.");
        var calls = line.GetInt("--calls", 0, 1, 10_000_000);
        var concurrency = line.GetInt("--concurrency", 0, 1, 100_000);
        var keys = line.Get("--keys") ?? "1234#";
        if (keys.Length == 0 || keys.Any(c => !"0123456789*#ABCD".Contains(c, StringComparison.Ordinal)))
        {
            throw new UsageException($"--keys wants DTMF digits (0-9 * # A-D), got '{keys}'.");
        }

        var hold = line.GetInt("--hold-seconds", Math.Max(10, (concurrency + 99) / 100), 1, 3600);

        var needed = (2L * concurrency) + 1024;
        if (FileDescriptorLimit.Ensure(needed) is { } problem)
        {
            Console.Error.WriteLine($"error: {problem}");
            return 2;
        }

        return RunAsync(calls, concurrency, keys, TimeSpan.FromSeconds(hold)).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int calls, int concurrency, string keys, TimeSpan hold)
    {
        using var host = EngineHost.Build(
        [
            "--Engine:ListenAddress=127.0.0.1",
            "--Engine:ListenPort=0",
            $"--Engine:MaxLiveCalls={concurrency + 100}",
            "--Engine:DrainSeconds=5",
            "--Engine:Inbound:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:IvrEngine=Warning",
            "--Logging:LogLevel:IvrEngine.EventSocket=Warning",
        ]);
        await host.StartAsync();
        var engine = host.Services.GetRequiredService<OutboundCallService>();
        var flow = host.Services.GetRequiredService<IOptions<BasicFlowOptions>>().Value;
        var endpoint = engine.LocalEndPoint;
        var expect = new Expectation(flow, keys);
        await using var sim = new FreeSwitchSimulator();

        Console.WriteLine($"engine: IvrEngine host (basic flow: answer, greeting, play-and-collect account, export variables, transfer to {flow.TransferDestination}) on {endpoint}");
        Console.WriteLine($"simulator: FreeSwitchSimulator in the SAME process (engine and simulator share the 2 cores, the thread pool and the GC heap); caller keys '{keys}'");
        Console.WriteLine($"runtime: .NET {Environment.Version}, {Environment.ProcessorCount} cores, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, open-file limit {FileDescriptorLimit.Current:N0}");
        Console.WriteLine();

        // Warm-up: JIT the whole path (through tiered compilation's later tiers) before anything is timed.
        var warm = await RunPhaseAsync(sim, engine, endpoint, Math.Min(2000, Math.Max(calls, 500)), Math.Min(100, concurrency), () => Script(keys, null), expect, null);
        Console.WriteLine($"warm-up: {warm.Completed} calls, {warm.Errors} errors");

        var throughput = await RunPhaseAsync(sim, engine, endpoint, calls, concurrency, () => Script(keys, null), expect, null);
        Print($"phase 1 (throughput): {calls:N0} calls, at most {concurrency:N0} live, prompts take no time", throughput);

        MemorySample? before = null, during = null;
        var held = await RunPhaseAsync(sim, engine, endpoint, concurrency, concurrency, () => Script(keys, hold), expect, async () =>
        {
            // Called once all C calls are live and parked in their greeting.
            during = MemorySample.Take();
            await Task.CompletedTask;
        }, () => before = MemorySample.Take(), hold / 2);
        Print($"phase 2 (hold): {concurrency:N0} calls started evenly over {hold.TotalSeconds / 2:0} s, each prompt lasts {hold.TotalSeconds:0} s, so all are live at once before the first greeting ends", held);

        var errors = warm.Errors + throughput.Errors + held.Errors;
        Console.WriteLine($"engine: served {engine.ServedCalls:N0} calls, refused {engine.RefusedCalls:N0}, live now {engine.LiveCalls}");
        if (before is not null && during is not null && held.HoldLive > 0)
        {
            var perCallHeap = (during.Heap - before.Heap) / (double)held.HoldLive;
            var perCallWs = (during.WorkingSet - before.WorkingSet) / (double)held.HoldLive;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"memory with {held.HoldLive:N0} calls live (after a full GC) vs. before: managed heap {before.Heap / 1048576.0:N1} -> {during.Heap / 1048576.0:N1} MB " +
                $"= {perCallHeap / 1024:N1} KB per live call; working set {before.WorkingSet / 1048576.0:N1} -> {during.WorkingSet / 1048576.0:N1} MB = {perCallWs / 1024:N1} KB per live call"));
            Console.WriteLine("  (both figures include the simulator's own per-call memory (its socket, channel variables, command log): an upper bound for the engine;");
            Console.WriteLine("   the working set is only indicative: the GC keeps memory from earlier phases, so it can even go down)");
            PrintGoals(throughput, held, errors, perCallHeap);
        }
        else
        {
            Console.WriteLine($"memory: not measured: the {concurrency:N0} calls were never all live at once (peak {held.PeakLive:N0}); try a longer --hold-seconds");
            PrintGoals(throughput, held, errors, double.NaN);
        }

        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15))) await host.StopAsync(stop.Token);
        return errors == 0 ? 0 : 1;
    }

    private static CallerScript Script(string keys, TimeSpan? playback) => new()
    {
        Inputs = [CallerInput.Keys(keys)],
        PlaybackDuration = playback,
    };

    private static void PrintGoals(PhaseResult throughput, PhaseResult held, int errors, double heapPerCall)
    {
        Console.WriteLine();
        var tenK = held.HoldLive >= 10_000;
        Console.WriteLine($"goal: 10,000 calls live at once with 0 errors: {(held.Target < 10_000 ? "n/a (this run's concurrency is below 10,000) " : string.Empty)}" +
            $"{Stats.PassFail(tenK && errors == 0)} (peak {held.PeakLive:N0} live, {errors} errors in all phases)");
        var p99 = held.Percentile(99);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"goal: p99 turnaround < 5 ms at 2,000 live calls: {(held.HoldLive < 2_000 ? "n/a (fewer than 2,000 calls were live) " : string.Empty)}" +
            $"{Stats.PassFail(held.HoldLive >= 2_000 && p99 < 5)} (p99 {p99:0.00} ms over the hold phase, {held.HoldLive:N0} live)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"goal: < 32 KB engine memory per live call: {Stats.PassFail(heapPerCall < 32 * 1024)} ({heapPerCall / 1024:N1} KB managed heap per live call, engine + simulator)"));
        _ = throughput;
    }

    private static void Print(string title, PhaseResult r)
    {
        Console.WriteLine(title);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  calls/s: {r.Completed / r.Seconds:N0}   completed: {r.Completed:N0}   errors: {r.Errors:N0}   elapsed: {r.Seconds:0.00} s   peak live (engine): {r.PeakLive:N0}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  turnaround (event sent by the simulator -> next command from the engine), {r.Turnarounds.Length:N0} samples: p50 {r.Percentile(50):0.000} ms   p99 {r.Percentile(99):0.000} ms   max {r.Percentile(100):0.000} ms"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  process CPU: {r.CpuSeconds:0.00} s ({r.CpuSeconds / r.Seconds * 100:0}% of one core; {r.CpuSeconds * 1000 / Math.Max(1, r.Target):0.00} ms per call)   allocated: {r.Allocated / (double)Math.Max(1, r.Target) / 1024:N0} KB per call   gen0 GCs: {r.Gen0}   (engine + simulator)"));
        foreach (var (reason, count) in r.ErrorReasons.OrderByDescending(e => e.Value).Take(5))
        {
            Console.WriteLine($"  error x{count}: {reason}");
        }

        Console.WriteLine();
    }

    private static async Task<PhaseResult> RunPhaseAsync(
        FreeSwitchSimulator sim, OutboundCallService engine, IPEndPoint endpoint, int calls, int concurrency, Func<CallerScript> script,
        Expectation expect, Func<Task>? whenAllLive, Action? beforeStart = null, TimeSpan ramp = default)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        beforeStart?.Invoke();

        var result = new PhaseResult(calls);
        // A call's two prompts (greeting, account prompt) each last the script's playback duration.
        var callTimeout = TimeSpan.FromMinutes(3) + (2 * (script().PlaybackDuration ?? TimeSpan.Zero)) + ramp;
        var slots = new SemaphoreSlim(concurrency);
        var connecting = new SemaphoreSlim(64); // keeps the listener's accept backlog from overflowing into SYN retries
        var turnarounds = new ConcurrentQueue<TimeSpan[]>();
        var tasks = new List<Task>(calls);
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                result.ObserveLive(engine.LiveCalls);
                try
                {
                    await Task.Delay(2, sampling.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var allocBefore = GC.GetTotalAllocatedBytes();
        var gcBefore = GC.CollectionCount(0);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            var due = ramp * ((double)i / calls);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            await slots.WaitAsync();
            await connecting.WaitAsync();
            tasks.Add(RunCallAsync());
        }

        if (whenAllLive is not null)
        {
            // Every call is connected (or failed); wait for the engine to hold them all, then let it settle.
            var deadline = Stopwatch.StartNew();
            while (engine.LiveCalls < calls - result.Errors && deadline.Elapsed < callTimeout && tasks.Any(t => !t.IsCompleted))
            {
                await Task.Delay(20);
            }

            await Task.Delay(500);
            var live = engine.LiveCalls;
            result.ObserveLive(live);
            if (tasks.All(t => !t.IsCompleted))
            {
                result.HoldLive = live;
                await whenAllLive();
            }
        }

        await Task.WhenAll(tasks);
        result.Seconds = clock.Elapsed.TotalSeconds;
        result.CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        result.Allocated = GC.GetTotalAllocatedBytes() - allocBefore;
        result.Gen0 = GC.CollectionCount(0) - gcBefore;
        await sampling.CancelAsync();
        await sampler;
        result.Turnarounds = [.. turnarounds.SelectMany(t => t).Select(t => t.TotalMilliseconds).Order()];
        return result;

        async Task RunCallAsync()
        {
            var connected = false;
            try
            {
                var call = await sim.StartCallAsync(endpoint, script());
                connecting.Release();
                connected = true;
                var record = await call.Completion.WaitAsync(callTimeout);
                turnarounds.Enqueue([.. call.Turnarounds]);
                if (expect.Check(record) is { } problem) result.Fail(problem);
                else result.Complete();
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                result.Fail(ex.GetType().Name + ": " + ex.Message);
            }
            finally
            {
                if (!connected) connecting.Release();
                slots.Release();
            }
        }
    }

    /// <summary>What a call of the basic flow should look like at its end.</summary>
    private sealed class Expectation(BasicFlowOptions flow, string keys)
    {
        private readonly string? _account = AccountOf(flow, keys);

        public string? Check(CallRecord record)
        {
            if (!record.Connected) return "the engine never sent connect";
            if (record.ProtocolErrors.Count > 0) return "protocol error: " + record.ProtocolErrors[0];
            var destination = record.TransferredTo?.Split(' ')[0];
            if (destination != flow.TransferDestination)
            {
                return $"not transferred to {flow.TransferDestination} (transferred to {record.TransferredTo ?? "-"}, hangup by {record.HangupBy ?? "-"}, cause {record.HangupCause ?? "-"})";
            }

            if (_account is not null && record.ExportedVariables.GetValueOrDefault("ivr_account") != _account)
            {
                return $"exported ivr_account is '{record.ExportedVariables.GetValueOrDefault("ivr_account") ?? "(none)"}', expected '{_account}'";
            }

            return null;
        }

        /// <summary>The account the flow should collect from these keys, or null when they are not a valid entry
        /// (then only the transfer is checked).</summary>
        private static string? AccountOf(BasicFlowOptions flow, string keys)
        {
            var digits = keys.TrimEnd('#');
            return Regex.IsMatch(digits, "^[0-9]+$", RegexOptions.None, TimeSpan.FromSeconds(1))
                && digits.Length >= flow.AccountMinDigits && digits.Length <= flow.AccountMaxDigits ? digits : null;
        }
    }

    private sealed class PhaseResult(int target)
    {
        private int _completed;
        private int _errors;
        private int _peak;

        public int Target { get; } = target;

        public int Completed => Volatile.Read(ref _completed);

        public int Errors => Volatile.Read(ref _errors);

        public int PeakLive => Volatile.Read(ref _peak);

        /// <summary>Hold phase: calls live when memory was measured (0 when they never all were).</summary>
        public int HoldLive { get; set; }

        public double Seconds { get; set; }

        public double CpuSeconds { get; set; }

        public long Allocated { get; set; }

        public int Gen0 { get; set; }

        public double[] Turnarounds { get; set; } = [];

        public ConcurrentDictionary<string, int> ErrorReasons { get; } = new();

        public double Percentile(double p) => Stats.Percentile(Turnarounds, p);

        public void Complete() => Interlocked.Increment(ref _completed);

        public void Fail(string reason)
        {
            Interlocked.Increment(ref _errors);
            ErrorReasons.AddOrUpdate(reason, 1, (_, n) => n + 1);
        }

        public void ObserveLive(int live)
        {
            int seen;
            while (live > (seen = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, live, seen) != seen)
            {
            }
        }
    }

    private sealed record MemorySample(long Heap, long WorkingSet)
    {
        public static MemorySample Take()
        {
            var heap = GC.GetTotalMemory(forceFullCollection: true);
            using var process = Process.GetCurrentProcess();
            return new MemorySample(heap, process.WorkingSet64);
        }
    }
}
