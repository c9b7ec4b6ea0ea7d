using System.Diagnostics;
using System.Globalization;
using IvrEngine.Tests.RealFreeSwitch;

namespace IvrEngine.Benchmarks;

/// <summary><c>burst --freeswitch</c>: the burst against a real FreeSWITCH. Starts FreeSWITCH (freeswitch-conf/ as
/// shipped, on free ports) and the engine as a child process (the shipped flows, demo data), through the test kit
/// (IvrEngine.Tests/RealFreeSwitch, linked into this program). Places N loopback calls at N/S calls per second into
/// the bank number from callers routed by their number alone, follows each caller's channel through FreeSWITCH's
/// events to mod_callcenter's member-queue-start, and hangs each call up once it is queued. Prints what FreeSWITCH
/// and the engine refused or failed, connect -> queue latency and its split, and CPU per call of each process.</summary>
internal static class FreeSwitchBurstCommand
{
    public const string Flag = "--freeswitch";

    /// <summary>The reference run: the same calls dialed straight to the general queue, without the engine.</summary>
    public const string NoEngineFlag = "--no-engine";

    private static readonly string[] Options = ["--calls", "--seconds", "--warmup", "--fs-loglevel"];

    /// <summary>What the control connection records: what the figures need, no more (each event FreeSWITCH sends
    /// costs it CPU, which would count against it per call).</summary>
    private static readonly string[] Events = ["CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_EXECUTE", "CHANNEL_HANGUP", "CUSTOM", "callcenter::info"];

    /// <summary>Of those, only the ones the figures read (mod_event_socket sends an event that matches any filter):
    /// a CHANNEL_EXECUTE for each of the engine's commands, with every channel variable, would cost FreeSWITCH more
    /// than some of what is measured.</summary>
    private static readonly (string Header, string Value)[] Filters =
    [
        ("Event-Name", "CHANNEL_CREATE"), ("Event-Name", "CHANNEL_ANSWER"), ("Event-Name", "CHANNEL_HANGUP"), ("Event-Name", "BACKGROUND_JOB"),
        ("Application", "socket"), ("Application", "transfer"), ("CC-Action", "member-queue-start"),
    ];

    /// <summary>What FreeSWITCH's log must not say.</summary>
    private static readonly string[] Alarms = ["Throttle Error", "Lost events", "Max queue size", "Over Session Limit"];

    public static int Run(ReadOnlySpan<string> args)
    {
        var rest = args.ToArray().Where(a => a != NoEngineFlag).ToArray();
        var noEngine = rest.Length < args.Length;
        var line = CommandLine.Parse(rest, Options, positionals: 0);
        var calls = line.GetInt("--calls", 500, 1, 100_000);
        var seconds = line.GetDouble("--seconds", 10, 0.1, 3600);
        var warmup = line.GetInt("--warmup", 50, 0, 10_000);
        var logLevel = line.Get("--fs-loglevel");
        if (logLevel is not (null or "debug" or "info" or "notice" or "warning" or "err"))
        {
            throw new UsageException($"--fs-loglevel wants debug, info, notice, warning or err, got '{logLevel}'.");
        }

        if (!File.Exists(RealFreeSwitchEnvironment.FreeSwitchBinary))
        {
            Console.Error.WriteLine($"error: FreeSWITCH not found at {RealFreeSwitchEnvironment.FreeSwitchBinary}; set {RealFreeSwitchEnvironment.PrefixVariable} " +
                "to its install prefix (see README.md, the real-FreeSWITCH tests).");
            return 2;
        }

        return RunAsync(calls, seconds, warmup, logLevel, noEngine).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int calls, double seconds, int warmup, string? logLevel, bool noEngine)
    {
        var rate = calls / seconds;
        var ic = CultureInfo.InvariantCulture;
        await using var lab = await RealLab.StartAsync(new LabOptions { Engine = EngineMode.Process, FreeSwitchEvents = Events }, "burst-freeswitch");
        var fs = lab.FreeSwitch;
        var engine = lab.Engine!;
        foreach (var (header, value) in Filters) await fs.Client.FilterAsync(header, value);
        if (logLevel is not null) await fs.ApiAsync($"fsctl loglevel {logLevel}");
        var agents = await LoopbackBurst.LogOutAgentsAsync(fs);
        var version = (await fs.ApiAsync("version")).Trim();
        Console.WriteLine($"FreeSWITCH (pid {fs.ProcessId}): {version}; freeswitch-conf/ as shipped (max-sessions 1000, 500 sessions/s, " +
            (logLevel is null ? "core log level debug" : $"core log level set to {logLevel} for this run (shipped: debug)") + "), on free ports; " +
            $"agents {string.Join(", ", agents)} logged out (no phones: nobody to ring)");
        Console.WriteLine($"engine (pid {engine.ProcessId}): a child process, IvrEngine.dll as built here (Release with -c Release), the shipped flows, demo data, log level as shipped (Information)");
        Console.WriteLine(string.Create(ic, $"this process (pid {Environment.ProcessId}): places the calls (bgapi originate over the event socket) and records FreeSWITCH's events; {Environment.ProcessorCount} cores shared by the three"));
        var path = noEngine
            ? "loopback/queue_general -a parked, -b runs the dialplan -> queue_general -> mod_callcenter; NO ENGINE: the reference for what FreeSWITCH spends on the call and the queue alone"
            : "loopback/5000 -a parked, -b runs the dialplan -> socket -> engine -> queue_X -> mod_callcenter";
        Console.WriteLine(string.Create(ic, $"burst: {calls:N0} calls in {seconds:0.###} s ({rate:0.#} calls/s, evenly paced; 2 sessions each: {path})"));
        Console.WriteLine($"callers (in turn): {string.Join(", ", Plan(calls, rate, noEngine).Callers.Select(c => $"{c.Number} -> {c.Queue}"))}" +
            (noEngine ? string.Empty : "; routed by number, no keys"));
        Console.WriteLine("each call is hung up (uuid_kill of the -b leg) once mod_callcenter queued it, so sessions stay far below max-sessions 1000 (see 'peak sessions')");
        Console.WriteLine();

        if (warmup > 0)
        {
            var warm = await LoopbackBurst.RunAsync(fs, Plan(warmup, Math.Min(rate, 10), noEngine));
            Console.WriteLine($"warm-up: {warmup} calls at {Math.Min(rate, 10):0.#} calls/s, {warm.Failed.Count} failed (not measured)");
        }

        // Settle: the warm-up leaves work behind (the runtime's tiered JIT recompiling hot methods, the store's writes);
        // wait until the engine is quiet, then take what the processes burn doing nothing (timers, the event socket)
        // over 2 s, to set the per-call figures against.
        var settle = Stopwatch.StartNew();
        for (var before = Cpu.Read(fs.ProcessId, engine.ProcessId!.Value); settle.Elapsed < TimeSpan.FromSeconds(15);)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            var now = Cpu.Read(fs.ProcessId, engine.ProcessId!.Value);
            var quiet = (now - before).Engine < TimeSpan.FromMilliseconds(25);
            before = now;
            if (quiet) break;
        }

        var idleFrom = Cpu.Read(fs.ProcessId, engine.ProcessId!.Value);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var idle = Cpu.Read(fs.ProcessId, engine.ProcessId!.Value) - idleFrom;
        Console.WriteLine(string.Create(ic,
            $"settled {settle.Elapsed.TotalSeconds:0.0} s after the warm-up; idle CPU over 2 s: FreeSWITCH {idle.FreeSwitch.TotalMilliseconds / idle.Seconds:0.0} ms/s, engine {idle.Engine.TotalMilliseconds / idle.Seconds:0.0} ms/s"));

        var logBefore = Alarms.ToDictionary(a => a, a => fs.LogLines(a).Count);
        var engineLogBefore = EngineLog.Read(engine.LogFile).Count;
        var cpuFrom = Cpu.Read(fs.ProcessId, engine.ProcessId!.Value);
        var result = await LoopbackBurst.RunAsync(fs, Plan(calls, rate, noEngine));
        var used = Cpu.Read(fs.ProcessId, engine.ProcessId!.Value) - cpuFrom;
        var status = await fs.ApiAsync("status");
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // the last log lines reach the files
        var alarms = Alarms.ToDictionary(a => a, a => fs.LogLines(a).Count - logBefore[a]);
        var engineLog = EngineLog.Read(engine.LogFile).Skip(engineLogBefore).ToArray();

        var report = new Report(result, calls, seconds, used, idle, alarms, engineLog, status);
        report.Print();
        Console.WriteLine();
        Console.WriteLine($"logs: {Path.Combine(RealFreeSwitchEnvironment.ArtifactsFolder, "<time>-burst-freeswitch")} (FreeSWITCH's and the engine's, kept when the run ends)");
        return report.Pass ? 0 : 1;
    }

    private static LoopbackBurstOptions Plan(int calls, double rate, bool noEngine) => new()
    {
        Dialed = noEngine ? "queue_general" : "5000",
        Callers = noEngine
            ? [.. LoopbackBurst.BankCallersKnownByNumber.Select(c => c with { Queue = "general@default" })]
            : LoopbackBurst.BankCallersKnownByNumber,
        Calls = calls,
        PerSecond = rate,
        HangUpWhenQueued = true,
    };

    /// <summary>CPU time (user + system) of FreeSWITCH, the engine and this process.</summary>
    private readonly record struct Cpu(TimeSpan FreeSwitch, TimeSpan Engine, TimeSpan Here, long At)
    {
        public double Seconds => Stopwatch.GetElapsedTime(0, At).TotalSeconds;

        public static Cpu Read(int freeSwitch, int engine)
        {
            using var fs = Process.GetProcessById(freeSwitch);
            using var ivr = Process.GetProcessById(engine);
            using var me = Process.GetCurrentProcess();
            return new Cpu(fs.TotalProcessorTime, ivr.TotalProcessorTime, me.TotalProcessorTime, Stopwatch.GetTimestamp());
        }

        public static Cpu operator -(Cpu a, Cpu b) => new(a.FreeSwitch - b.FreeSwitch, a.Engine - b.Engine, a.Here - b.Here, a.At - b.At);
    }

    /// <summary>The engine's log lines (one per line: the simple console, single line).</summary>
    private static class EngineLog
    {
        public static List<string> Read(string file)
        {
            if (!File.Exists(file)) return [];
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var lines = new List<string>();
            while (reader.ReadLine() is { } line) lines.Add(line);
            return lines;
        }
    }

    private sealed class Report(LoopbackBurstResult result, int calls, double seconds, Cpu used, Cpu idle,
        IReadOnlyDictionary<string, int> alarms, IReadOnlyList<string> engineLog, string status)
    {
        private static readonly CultureInfo Ic = CultureInfo.InvariantCulture;

        private readonly LoopbackBurstCall[] _originateFailed = [.. result.Calls.Where(c => c.OriginateError is not null)];
        private readonly LoopbackBurstCall[] _notQueued = [.. result.Calls.Where(c => c.OriginateError is null && c.Failure is not null)];
        private readonly LoopbackBurstCall[] _notKept = [.. result.Calls.Where(c => c.B is { Sockets: > 1 })];
        private readonly string[] _engineProblems = [.. engineLog.Where(l => l.Contains(" warn: ", StringComparison.Ordinal)
            || l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal))];

        public bool Pass => _originateFailed.Length == 0 && _notQueued.Length == 0 && _notKept.Length == 0 && _engineProblems.Length == 0
            && alarms.Values.All(n => n == 0) && result.Calls.Count == calls;

        public void Print()
        {
            var queued = result.Calls.Where(c => c.ReachedQueue).ToArray();
            Console.WriteLine(string.Create(Ic,
                $"placed: {result.Calls.Count:N0} calls in {result.Placing.TotalSeconds:0.00} s ({(result.Calls.Count - 1) / Math.Max(0.001, result.Placing.TotalSeconds):0.0} calls/s; asked {calls / seconds:0.0})"));

            Console.WriteLine($"FreeSWITCH refused: originate failures {_originateFailed.Length}{Group(_originateFailed.Select(c => c.OriginateError!))}; " +
                string.Join(", ", alarms.Select(a => $"\"{a.Key}\" lines {a.Value}")));
            var causes = result.Calls.Where(c => c.B?.HangupCause is not null).GroupBy(c => c.B!.HangupCause!).Select(g => $"{g.Key} {g.Count():N0}");
            Console.WriteLine($"  hangup causes of the callers' (-b) legs: {string.Join(", ", causes)} (NORMAL_CLEARING: hung up here once queued)");
            Console.WriteLine($"  calls that hung up or were lost before a queue: {_notQueued.Length}{Group(_notQueued.Select(c => c.Failure!))}");

            Console.WriteLine($"engine refused or failed: calls it did not keep (the dialplan went on to the failover) {_notKept.Length}; " +
                $"warn/fail/crit lines in its log {_engineProblems.Length}{Group(_engineProblems.Select(Message))}");
            Console.WriteLine($"reached a queue: {queued.Length:N0} of {calls:N0} ({string.Join(", ", queued.GroupBy(c => c.B!.Queue).Select(g => $"{g.Key} {g.Count():N0}"))})");
            Console.WriteLine();

            Console.WriteLine("latency from FreeSWITCH's events (Event-Date-Timestamp, which FreeSWITCH takes from its 20 ms timer tick: to the");
            Console.WriteLine("nearest 20 ms, and up to 20 ms behind this machine's clock), ms:                            p50      p90      p99      max");
            Row("connect -> queue (-b leg CHANNEL_CREATE -> member-queue-start)", queued, c => c.B!.Created, c => c.B!.Queued);
            Row("socket -> queue (the engine gets the call -> member-queue-start)", queued, c => c.B!.SocketStarted, c => c.B!.Queued);
            Console.WriteLine("where the time goes:");
            Row("  originate sent -> -a leg created (FreeSWITCH's originate)", queued, c => c.PlacedAt, c => c.A.Created);
            Row("  -a created -> -b created (mod_loopback)", queued, c => c.A.Created, c => c.B!.Created);
            Row("  -b created -> socket starts (dialplan)", queued, c => c.B!.Created, c => c.B!.SocketStarted);
            Row("  socket -> answered (engine accepts, connect, flow starts)", queued, c => c.B!.SocketStarted, c => c.B!.Answered);
            Row("  answered -> transfer (engine's flow: lookup, welcome prompt, route)", queued, c => c.B!.Answered, c => c.B!.Transferred);
            Row("  transfer -> member-queue-start (dialplan queue_X, mod_callcenter)", queued, c => c.B!.Transferred, c => c.B!.Queued);
            Console.WriteLine(string.Create(Ic, $"peak sessions (from the events: created and not yet hung up): {PeakSessions():N0}"));
            Console.WriteLine();

            var n = Math.Max(1, result.Calls.Count);
            Console.WriteLine(string.Create(Ic, $"CPU over the burst ({used.Seconds:0.00} s, first originate -> every leg hung up), per call placed:"));
            Cpu("FreeSWITCH", used.FreeSwitch, idle.FreeSwitch);
            Cpu("engine    ", used.Engine, idle.Engine);
            Cpu("this process (originates, event recording; for reference)", used.Here, idle.Here);
            foreach (var l in status.Split('\n').Where(l => l.Contains("session", StringComparison.Ordinal))) Console.WriteLine($"  FreeSWITCH status: {l.Trim()}");
            Console.WriteLine();
            Console.WriteLine($"goal: 0 refused, 0 failed, every caller queued -> {Stats.PassFail(Pass)}");

            void Cpu(string who, TimeSpan cpu, TimeSpan idleCpu)
            {
                var idleShare = idleCpu.TotalSeconds / Math.Max(0.001, idle.Seconds) * used.Seconds;
                Console.WriteLine(string.Create(Ic,
                    $"  {who}: {cpu.TotalSeconds:0.00} s = {cpu.TotalMilliseconds / n:0.00} ms per call ({cpu.TotalSeconds / Math.Max(0.001, used.Seconds) * 100:0}% of one core); " +
                    $"less its idle rate ({idleCpu.TotalMilliseconds / Math.Max(0.001, idle.Seconds):0.0} ms/s): {(cpu.TotalSeconds - idleShare) * 1000 / n:0.00} ms per call"));
            }
        }

        private static void Row(string title, IEnumerable<LoopbackBurstCall> calls, Func<LoopbackBurstCall, long?> from, Func<LoopbackBurstCall, long?> to)
        {
            var samples = calls.Select(c => (From: from(c), To: to(c))).Where(s => s.From is not null && s.To is not null)
                .Select(s => (s.To!.Value - s.From!.Value) / 1000.0).Order().ToArray();
            static string Ms(double ms) => double.IsNaN(ms) ? "-" : ms.ToString("0.0", Ic);
            Console.WriteLine(string.Create(Ic,
                $"  {title,-70} {Ms(Stats.Percentile(samples, 50)),8} {Ms(Stats.Percentile(samples, 90)),8} {Ms(Stats.Percentile(samples, 99)),8} {Ms(samples.Length == 0 ? double.NaN : samples[^1]),8}"));
        }

        private int PeakSessions()
        {
            var steps = result.Calls.SelectMany(c => new[] { c.A, c.B }).Where(t => t?.Created is not null)
                .SelectMany(t => new[] { (At: t!.Created!.Value, Step: 1), (At: t.HungUp ?? long.MaxValue, Step: -1) })
                .OrderBy(s => s.At).ThenBy(s => s.Step);
            int live = 0, peak = 0;
            foreach (var (_, step) in steps) peak = Math.Max(peak, live += step);
            return peak;
        }

        private static string Group(IEnumerable<string> reasons)
        {
            var top = reasons.GroupBy(r => r).OrderByDescending(g => g.Count()).Take(5).Select(g => $"{g.Count()}x {g.Key}").ToArray();
            return top.Length == 0 ? string.Empty : " (" + string.Join("; ", top) + ")";
        }

        /// <summary>A log line without its time stamp, so that equal messages group.</summary>
        private static string Message(string line) => line.Length > 13 ? line[13..].Trim() : line;
    }
}
