using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using IvrEngine.Hosting;
using IvrEngine.Ivr;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace IvrEngine.Benchmarks;

/// <summary><c>load</c>: simulated calls through the real engine (host, listener, basic flow) over loopback TCP. This
/// process hosts only the ENGINE; the simulated FreeSWITCH runs in a child process (<c>load-callers</c>, see
/// <see cref="LoadCallers"/>), so each process holds one socket per live call, and this process's heap, working set and
/// CPU are the engine's alone. Phase 1 (throughput): N calls, at most C live, prompts that take no time. Phase 2 (hold):
/// C calls whose prompts last long enough that all C are live at once; the engine's memory is measured then, and the
/// turnarounds of the greetings' ends are taken with all C live.</summary>
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

        var hold = line.GetInt("--hold-seconds", Math.Max(10, (concurrency + 249) / 250), 1, 3600);

        // This process holds the engine's end of each live call; the child checks its own limit for the other end.
        if (FileDescriptorLimit.Ensure(concurrency + 1024L, "the engine's end of each live call") is { } problem)
        {
            Console.Error.WriteLine($"error (engine process): {problem}");
            return 2;
        }

        return RunAsync(calls, concurrency, keys, hold).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int calls, int concurrency, string keys, int holdSeconds)
    {
        // The engine's client store lives in a temporary folder for the run, empty: every caller is new; the engine serves
        // the shipped default flow alone (the bank sample would answer 5000, the number the simulated callers dial).
        return await BenchEngine.WithTemporaryStoreAsync("ivrengine-load-", storePath => RunWithStoreAsync(calls, concurrency, keys, holdSeconds, storePath));
    }

    private static async Task<int> RunWithStoreAsync(int calls, int concurrency, string keys, int holdSeconds, string storePath)
    {
        using var host = BenchEngine.Build(storePath, seedDemoData: false, flowsPath: BenchEngine.DefaultFlowOnly(storePath), maxLiveCalls: concurrency + 100);
        await host.StartAsync();
        var engine = host.Services.GetRequiredService<OutboundCallService>();
        var flow = DefaultFlow.Instance;
        var endpoint = engine.LocalEndPoint;
        var common = new List<string>
        {
            "--target", endpoint.ToString(), "--keys", keys,
            "--expect-transfer", flow.TransferDestination, "--expect-account", AccountOf(flow, keys) ?? "-",
        };

        Console.WriteLine($"engine process (pid {Environment.ProcessId}): IvrEngine host (default flow: lookup, answer, greeting, play-and-collect account, lookup, export variables, transfer to {flow.TransferDestination}) on {endpoint}, MaxLiveCalls {concurrency + 100:N0}");
        Console.WriteLine($"caller process: a child 'load-callers' process per phase runs the FreeSwitchSimulator (caller keys '{keys}'); the two processes share the {Environment.ProcessorCount} cores");
        Console.WriteLine($"runtime: .NET {Environment.Version}, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, open-file limit {FileDescriptorLimit.Current:N0} in the engine process");
        Console.WriteLine("[engine] = measured in the engine process alone; [callers] = measured by the simulated FreeSWITCH in the child process");
        Console.WriteLine();

        // Phase 1, after a warm-up that JITs the whole path on both sides (through tiered compilation's later tiers).
        var warmup = Math.Min(2000, Math.Max(calls, 500));
        var (throughput, engine1, _) = await CallerProcess.RunAsync<CallersReport>(engine, "load-callers",
            [.. common, "--phase", "throughput", "--calls", Text(calls), "--concurrency", Text(concurrency), "--warmup", Text(warmup)], null);
        Console.WriteLine($"warm-up: {throughput.WarmupCompleted:N0} calls, {throughput.WarmupErrors} errors");
        Console.WriteLine($"phase 1 (throughput): {calls:N0} calls, at most {concurrency:N0} live, prompts take no time");
        PrintCallers(throughput);
        // The engine's usage spans the child's whole run: its warm-up calls too.
        Console.WriteLine(engine1.Describe(throughput.Calls + throughput.WarmupCompleted + throughput.WarmupErrors, "warm-up included"));
        Console.WriteLine();

        // Phase 2: the engine's memory is measured when the child says every call is live.
        FullGc.Run();
        var before = MemorySample.Take();
        MemorySample? during = null;
        var liveAtMeasure = 0;
        var (held, engine2, signal) = await CallerProcess.RunAsync<CallersReport>(engine, "load-callers",
            [.. common, "--phase", "hold", "--calls", Text(concurrency), "--concurrency", Text(concurrency), "--hold-seconds", Text(holdSeconds)],
            async reached =>
            {
                // The engine counts a call live from its accept; wait (briefly) until it sees all the child's calls.
                var wait = Stopwatch.StartNew();
                while (engine.LiveCalls < reached && wait.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(10);
                liveAtMeasure = engine.LiveCalls;
                during = MemorySample.Take();
            });
        Console.WriteLine($"phase 2 (hold): {concurrency:N0} calls started evenly over {holdSeconds / 2.0:0.#} s, each prompt lasts {holdSeconds} s, so all are live at once " +
            "from the last start until the first account prompt ends; the callers hang up once every call has reached its account prompt");
        Console.WriteLine(signal is null
            ? "  [callers] the child never reported its calls live"
            : $"  [callers] {signal}: {held.ReachedGreeting:N0} of {concurrency:N0} calls in their greeting at once   [engine] LiveCalls at the measurement: {liveAtMeasure:N0}");
        if (during is not null && liveAtMeasure > 0)
        {
            PrintMemory(before, during, liveAtMeasure);
        }

        PrintCallers(held);
        Console.WriteLine(engine2.Describe(held.Calls, null));
        await engine.WhenLiveCallsAtMostAsync(0).WaitAsync(TimeSpan.FromSeconds(15)).ContinueWith(_ => { }, TaskScheduler.Default);
        Console.WriteLine($"[engine] served {engine.ServedCalls:N0} calls in all, refused {engine.RefusedCalls:N0}, live now {engine.LiveCalls}");

        var errors = throughput.WarmupErrors + throughput.Errors + held.Errors;
        var perCall = during is not null && liveAtMeasure > 0 ? (during.Heap - before.Heap) / (double)liveAtMeasure : double.NaN;
        PrintGoals(concurrency, held, liveAtMeasure, errors, perCall);

        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15))) await host.StopAsync(stop.Token);
        return errors == 0 ? 0 : 1;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void PrintCallers(CallersReport r)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  [callers] completed: {r.Completed:N0}   errors: {r.Errors:N0}   elapsed: {r.Seconds:0.00} s   calls/s: {r.CallsPerSecond:N0}   peak live (simulator side): {r.PeakLive:N0}   caller CPU: {r.CpuSeconds:0.00} s"));
        foreach (var e in r.FirstErrors) Console.WriteLine($"  [callers] error x{e.Count}: {e.Reason}");
        const string What = "turnaround (simulated FreeSWITCH: event sent -> next engine command received, over loopback)";
        if (r.RampTurnaround is not null && r.FullLoadTurnaround is not null)
        {
            Console.WriteLine($"  [callers] {What}:");
            PrintTurnaround("while the calls start (live rising to the concurrency)", r.RampTurnaround);
            PrintTurnaround(
                $"with all calls live (greeting complete -> account prompt; fewest live {r.MinLiveAtSecondPrompt:N0}{(r.MeasuredBeforeFullLoad ? string.Empty : "; the memory measurement overlapped it")})",
                r.FullLoadTurnaround);
            if (r.HangupTurnaround is not null) PrintTurnaround("at the end, when all callers hang up at once (a burst, not steady load)", r.HangupTurnaround);
        }
        else if (r.Turnaround is not null)
        {
            Console.WriteLine($"  [callers] {What}:");
            PrintTurnaround("whole phase", r.Turnaround);
        }
    }

    private static void PrintTurnaround(string title, TurnaroundSummary t) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"              {title}, {t.Samples:N0} samples: p50 {t.P50:0.000} ms   p99 {t.P99:0.000} ms   max {t.Max:0.000} ms"));

    private static void PrintMemory(MemorySample before, MemorySample during, int live)
    {
        string PerCall(long b, long d) => string.Create(CultureInfo.InvariantCulture, $"{Math.Round((d - b) / (double)live / 1024, 1):+0.0;-0.0;+0.0} KB");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  [engine]  managed heap after a full GC, idle -> {live:N0} live: {before.Heap / 1048576.0:N1} -> {during.Heap / 1048576.0:N1} MB = {(during.Heap - before.Heap) / (double)live / 1024:N2} KB per live call"));
        var pinned = string.Create(CultureInfo.InvariantCulture, $"pinned objects {before.Pinned:N0} -> {during.Pinned:N0}");
        Console.WriteLine(
            $"  [engine]  per live call by generation: gen0 {PerCall(before.Gen[0], during.Gen[0])}, gen1 {PerCall(before.Gen[1], during.Gen[1])}, gen2 {PerCall(before.Gen[2], during.Gen[2])}, " +
            $"LOH {PerCall(before.Gen[3], during.Gen[3])}, POH {PerCall(before.Gen[4], during.Gen[4])}; fragmentation {PerCall(before.Fragmented, during.Fragmented)}; {pinned}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  [engine]  working set (VmRSS): {before.Rss / 1048576.0:N1} -> {during.Rss / 1048576.0:N1} MB = {(during.Rss - before.Rss) / (double)live / 1024:N1} KB per live call " +
            $"(indicative: the GC keeps memory from phase 1; kernel socket buffers are not in it)"));
    }

    private static void PrintGoals(int concurrency, CallersReport held, int liveAtMeasure, int errors, double heapPerCall)
    {
        Console.WriteLine();
        var allLive = held.ReachedGreeting == concurrency && liveAtMeasure == concurrency;
        var tenK = concurrency >= 10_000
            ? Stats.PassFail(allLive && errors == 0)
            : "n/a (needs --concurrency 10000)";
        Console.WriteLine($"goal: 10,000 calls live at once with 0 errors: {tenK} ([engine] {liveAtMeasure:N0} live at once; [callers] {held.ReachedGreeting:N0} in their greeting at once, {errors} errors in all phases)");

        var full = held.FullLoadTurnaround;
        var clean = full is { Samples: > 0 } && held.MinLiveAtSecondPrompt == concurrency && liveAtMeasure == concurrency;
        var p99 = full?.P99 ?? double.NaN;
        var verdict = concurrency != 2_000
            ? "n/a (measured with --concurrency 2000)"
            : clean ? Stats.PassFail(p99 < 5) : "FAIL (the 2,000 calls were not all live while it was measured)";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"goal: p99 turnaround < 5 ms at 2,000 live calls: {verdict} ([callers] p99 {p99:0.00} ms over {full?.Samples ?? 0:N0} turnarounds with {held.MinLiveAtSecondPrompt:N0} or more live)"));

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"goal: < 32 KB engine memory per live call: {(double.IsNaN(heapPerCall) ? "FAIL (not measured)" : Stats.PassFail(heapPerCall < 32 * 1024))} ([engine] {heapPerCall / 1024:N2} KB managed heap per live call, engine process alone)"));
    }

    /// <summary>The account the flow should collect from these keys, or null when they are not a valid entry
    /// (then only the transfer is checked).</summary>
    private static string? AccountOf(DefaultFlow flow, string keys)
    {
        var digits = keys.TrimEnd('#');
        return Regex.IsMatch(digits, "^[0-9]+$", RegexOptions.None, TimeSpan.FromSeconds(1))
            && digits.Length >= flow.AccountMinDigits && digits.Length <= flow.AccountMaxDigits ? digits : null;
    }

    /// <summary>What the shipped default flow (flows/default.yaml) collects and where it transfers.</summary>
    private sealed record DefaultFlow(string TransferDestination, int AccountMinDigits, int AccountMaxDigits)
    {
        public static DefaultFlow Instance { get; } = new("queue_general", 4, 16);
    }

    /// <summary>The engine process's memory after a full, compacting GC: heap, heap by generation (gen0, gen1, gen2, LOH,
    /// POH), fragmentation, pinned objects, and the resident set.</summary>
    private sealed record MemorySample(long Heap, long[] Gen, long Fragmented, long Pinned, long Rss)
    {
        public static MemorySample Take()
        {
            System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
            var heap = GC.GetTotalMemory(forceFullCollection: true);
            var info = GC.GetGCMemoryInfo(GCKind.Any);
            var gen = new long[5];
            for (var i = 0; i < gen.Length && i < info.GenerationInfo.Length; i++) gen[i] = info.GenerationInfo[i].SizeAfterBytes;
            return new MemorySample(heap, gen, info.FragmentedBytes, info.PinnedObjectsCount, ResidentBytes());
        }

        /// <summary>VmRSS from /proc/self/status (Linux), else Environment.WorkingSet.</summary>
        private static long ResidentBytes()
        {
            try
            {
                foreach (var line in File.ReadLines("/proc/self/status"))
                {
                    if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                    var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            return Environment.WorkingSet;
        }
    }
}
