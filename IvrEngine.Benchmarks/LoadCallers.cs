using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using IvrEngine.Simulator;

namespace IvrEngine.Benchmarks;

/// <summary><c>load-callers</c> (hidden; started by <c>load</c> as its child process): the simulated FreeSWITCH side of a
/// load phase, so that its sockets, memory and CPU are not in the engine's process. Prints protocol lines and, last,
/// one JSON <see cref="CallersReport"/> line on stdout.</summary>
internal static class LoadCallers
{
    private static readonly string[] Options =
        ["--target", "--calls", "--concurrency", "--keys", "--hold-seconds", "--phase", "--warmup", "--expect-transfer", "--expect-account"];

    public static int Run(ReadOnlySpan<string> args)
    {
        var line = CommandLine.Parse(args, Options, positionals: 0);
        if (!IPEndPoint.TryParse(line.Get("--target") ?? string.Empty, out var target)) throw new UsageException("load-callers needs --target ADDRESS:PORT.");
        var calls = line.GetInt("--calls", 1, 1, 10_000_000);
        var concurrency = line.GetInt("--concurrency", 1, 1, 100_000);
        var keys = line.Get("--keys") ?? "1234#";
        var hold = TimeSpan.FromSeconds(line.GetInt("--hold-seconds", 10, 1, 3600));
        var warmup = line.GetInt("--warmup", 0, 0, 100_000);
        var transfer = line.Get("--expect-transfer") ?? throw new UsageException("load-callers needs --expect-transfer.");
        var account = line.Get("--expect-account") is { } a && a != "-" ? a : null;
        var phase = line.Get("--phase");
        if (phase is not ("throughput" or "hold")) throw new UsageException("load-callers needs --phase throughput or --phase hold.");

        // This process holds one socket per live call.
        if (FileDescriptorLimit.Ensure(concurrency + 1024L, "the simulator's end of each live call") is { } problem)
        {
            Console.Error.WriteLine($"error (caller process): {problem}");
            return 2;
        }

        var expect = new Expectation(transfer, account);
        var report = phase == "throughput"
            ? ThroughputAsync(target, calls, concurrency, keys, warmup, expect).GetAwaiter().GetResult()
            : HoldAsync(target, concurrency, keys, hold, expect).GetAwaiter().GetResult();
        Console.Out.WriteLine(JsonSerializer.Serialize(report, LoadProtocol.Json));
        Console.Out.Flush();
        return 0;
    }

    private static CallerScript Script(string keys, TimeSpan? playback) => new()
    {
        Inputs = [CallerInput.Keys(keys)],
        PlaybackDuration = playback,
    };

    private static async Task<CallersReport> ThroughputAsync(IPEndPoint target, int calls, int concurrency, string keys, int warmup, Expectation expect)
    {
        await using var sim = new FreeSwitchSimulator();
        var warm = warmup > 0 ? await RunCallsAsync(sim, target, warmup, Math.Min(100, concurrency), keys, expect) : null;
        FullGc.Run();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var r = await RunCallsAsync(sim, target, calls, concurrency, keys, expect);
        return new CallersReport
        {
            Phase = "throughput",
            Calls = calls,
            Concurrency = concurrency,
            WarmupCompleted = warm?.Completed ?? 0,
            WarmupErrors = warm?.Errors ?? 0,
            Completed = r.Completed,
            Errors = r.Errors,
            FirstErrors = r.FirstErrors(),
            Seconds = r.Seconds,
            CallsPerSecond = r.Completed / r.Seconds,
            PeakLive = r.PeakLive,
            Turnaround = TurnaroundSummary.Of(r.Turnarounds.SelectMany(t => t)),
            CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds,
        };
    }

    private static async Task<CallTally> RunCallsAsync(FreeSwitchSimulator sim, IPEndPoint target, int calls, int concurrency, string keys, Expectation expect)
    {
        var tally = new CallTally();
        var callTimeout = TimeSpan.FromMinutes(3);
        var slots = new SemaphoreSlim(concurrency);
        var connecting = new SemaphoreSlim(64); // keeps the listener's accept backlog from overflowing into SYN retries
        var tasks = new List<Task>(calls);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            await slots.WaitAsync();
            await connecting.WaitAsync();
            tasks.Add(RunCallAsync());
        }

        await Task.WhenAll(tasks);
        tally.Seconds = clock.Elapsed.TotalSeconds;
        return tally;

        async Task RunCallAsync()
        {
            var connected = false;
            try
            {
                var call = await sim.StartCallAsync(target, Script(keys, null));
                connecting.Release();
                connected = true;
                tally.Connected();
                try
                {
                    var record = await call.Completion.WaitAsync(callTimeout);
                    tally.Turnarounds.Enqueue([.. call.Turnarounds.Select(t => t.TotalMilliseconds)]);
                    if (expect.Check(record) is { } problem) tally.Fail(problem);
                    else tally.Complete();
                }
                finally
                {
                    tally.Closed();
                }
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or TimeoutException)
            {
                tally.Fail(ex.GetType().Name + ": " + ex.Message);
            }
            finally
            {
                if (!connected) connecting.Release();
                slots.Release();
            }
        }
    }

    /// <summary>C calls started evenly over half the prompt length, each prompt lasting <paramref name="prompt"/>, so all C
    /// are live from the last start until the first account prompt ends. Once all are in their greeting: ALL-LIVE, wait
    /// for MEASURED; the greetings then end (while all C are still live: the full-load turnarounds), and once every call
    /// is in its account prompt, the callers hang up.</summary>
    private static async Task<CallersReport> HoldAsync(IPEndPoint target, int concurrency, string keys, TimeSpan prompt, Expectation expect)
    {
        await using var sim = new FreeSwitchSimulator();
        var ramp = prompt / 2;
        var tally = new CallTally();
        var reached = 0;
        var failed = 0;
        var minLiveAtSecond = int.MaxValue;
        long firstSecondPrompt = 0;
        var everyoneDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var mayHangUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var allInSecond = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondSettled = 0;
        var connecting = new SemaphoreSlim(64);
        var ramps = new ConcurrentQueue<double>();
        var full = new ConcurrentQueue<double>();
        var hangups = new ConcurrentQueue<double>();
        var all = new ConcurrentQueue<double>();
        var stepTimeout = TimeSpan.FromMinutes(2) + (2 * prompt);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var tasks = new List<Task>(concurrency);
        for (var i = 0; i < concurrency; i++)
        {
            var due = ramp * ((double)i / concurrency);
            if (due > clock.Elapsed) await Task.Delay(due - clock.Elapsed);
            await connecting.WaitAsync();
            tasks.Add(RunCallAsync());
        }

        await everyoneDone.Task;
        CheckSecond();
        var allLive = Volatile.Read(ref reached) == concurrency;
        Console.Out.WriteLine(allLive ? $"{LoadProtocol.AllLive} {concurrency}" : $"{LoadProtocol.PartlyLive} {Volatile.Read(ref reached)} {Volatile.Read(ref failed)}");
        Console.Out.Flush();
        var reply = await Task.Run(Console.In.ReadLine);
        var measuredAt = Stopwatch.GetTimestamp();
        if (reply != LoadProtocol.Measured) Console.Error.WriteLine($"load-callers: expected {LoadProtocol.Measured} on stdin, got '{reply}'; hanging up anyway");
        mayHangUp.TrySetResult();
        await Task.WhenAll(tasks);
        tally.Seconds = clock.Elapsed.TotalSeconds;
        var first = Interlocked.Read(ref firstSecondPrompt);
        return new CallersReport
        {
            Phase = "hold",
            Calls = concurrency,
            Concurrency = concurrency,
            Completed = tally.Completed,
            Errors = tally.Errors,
            FirstErrors = tally.FirstErrors(),
            Seconds = tally.Seconds,
            CallsPerSecond = tally.Completed / tally.Seconds,
            PeakLive = tally.PeakLive,
            Turnaround = TurnaroundSummary.Of(all),
            RampTurnaround = TurnaroundSummary.Of(ramps),
            FullLoadTurnaround = TurnaroundSummary.Of(full),
            HangupTurnaround = TurnaroundSummary.Of(hangups),
            ReachedGreeting = Volatile.Read(ref reached),
            MinLiveAtSecondPrompt = minLiveAtSecond == int.MaxValue ? 0 : minLiveAtSecond,
            MeasuredBeforeFullLoad = first == 0 || measuredAt < first,
            CpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds,
        };

        // Every call that got to its greeting has also got to its account prompt (or failed on the way).
        void CheckSecond()
        {
            if (everyoneDone.Task.IsCompleted && Volatile.Read(ref secondSettled) >= Volatile.Read(ref reached)) allInSecond.TrySetResult();
        }

        void Settled(bool ok)
        {
            var done = ok ? Interlocked.Increment(ref reached) + Volatile.Read(ref failed) : Interlocked.Increment(ref failed) + Volatile.Read(ref reached);
            if (done >= concurrency) everyoneDone.TrySetResult();
        }

        async Task RunCallAsync()
        {
            SimulatedCall call;
            try
            {
                call = await sim.StartCallAsync(target, Script(keys, prompt));
            }
            catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException)
            {
                tally.Fail(ex.GetType().Name + ": " + ex.Message);
                Settled(false);
                return;
            }
            finally
            {
                connecting.Release();
            }

            tally.Connected();
            var greeting = 0;
            var second = -1;
            try
            {
                // 1. The greeting starts: this call is live and parked for `prompt`.
                var settled = false;
                try
                {
                    await call.WaitForApplicationAsync("playback").WaitAsync(stepTimeout);
                    greeting = call.Turnarounds.Count;
                    settled = true;
                    Settled(true);
                }
                catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
                {
                    settled = true;
                    Settled(false);
                    tally.Fail("never got to the greeting (" + ex.GetType().Name + ")");
                    call.DropSocketAsync().GetAwaiter().GetResult();
                    return;
                }
                finally
                {
                    if (!settled) Settled(false);
                }

                // 2. The greeting ends and the engine starts the account prompt: those turnarounds are at full load.
                try
                {
                    await call.WaitForApplicationAsync("play_and_get_digits").WaitAsync(stepTimeout);
                    second = call.Turnarounds.Count;
                    Interlocked.CompareExchange(ref firstSecondPrompt, Stopwatch.GetTimestamp(), 0);
                    var live = tally.Live;
                    int seen;
                    while (live < (seen = Volatile.Read(ref minLiveAtSecond)) && Interlocked.CompareExchange(ref minLiveAtSecond, live, seen) != seen)
                    {
                    }
                }
                catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
                {
                    tally.Fail("never got to the account prompt (" + ex.GetType().Name + ")");
                }
                finally
                {
                    Interlocked.Increment(ref secondSettled);
                    CheckSecond();
                }

                // 3. Hang up once the engine's memory is measured and every call has had its full-load turnaround
                // (so that no call ends while others still take theirs).
                await mayHangUp.Task;
                await allInSecond.Task;
                await call.HangUpAsync();
                var record = await call.Completion.WaitAsync(stepTimeout);
                var turnarounds = call.Turnarounds;
                for (var i = 0; i < turnarounds.Count; i++)
                {
                    var ms = turnarounds[i].TotalMilliseconds;
                    all.Enqueue(ms);
                    if (i < greeting) ramps.Enqueue(ms);
                    else if (i < second) full.Enqueue(ms);
                    else hangups.Enqueue(ms);
                }

                if (second < 0) return; // already counted as an error
                if (Expectation.CheckHeld(record) is { } problem) tally.Fail(problem);
                else tally.Complete();
            }
            catch (TimeoutException)
            {
                tally.Fail("the call did not end after the hangup");
            }
            finally
            {
                tally.Closed();
            }
        }
    }

    /// <summary>What a call of the basic flow should look like at its end.</summary>
    private sealed class Expectation(string transferDestination, string? account)
    {
        public string? Check(CallRecord record)
        {
            if (!record.Connected) return "the engine never sent connect";
            if (record.ProtocolErrors.Count > 0) return "protocol error: " + record.ProtocolErrors[0];
            var destination = record.TransferredTo?.Split(' ')[0];
            if (destination != transferDestination)
            {
                return $"not transferred to {transferDestination} (transferred to {record.TransferredTo ?? "-"}, hangup by {record.HangupBy ?? "-"}, cause {record.HangupCause ?? "-"})";
            }

            if (account is not null && record.ExportedVariables.GetValueOrDefault("ivr_account") != account)
            {
                return $"exported ivr_account is '{record.ExportedVariables.GetValueOrDefault("ivr_account") ?? "(none)"}', expected '{account}'";
            }

            return null;
        }

        /// <summary>A held call: connected, clean, and ended by the caller's hangup (nothing else ended it first).</summary>
        public static string? CheckHeld(CallRecord record)
        {
            if (!record.Connected) return "the engine never sent connect";
            if (record.ProtocolErrors.Count > 0) return "protocol error: " + record.ProtocolErrors[0];
            return record.HangupBy == "caller" ? null : $"held call ended by {record.HangupBy ?? "-"} (cause {record.HangupCause ?? "-"}), not by the caller's hangup";
        }
    }
}
