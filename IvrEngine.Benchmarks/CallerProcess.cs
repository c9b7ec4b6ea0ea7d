using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using IvrEngine.Hosting;

namespace IvrEngine.Benchmarks;

/// <summary>The parent's side of a caller child process (the simulated FreeSWITCH of <c>load</c> and <c>burst</c>):
/// starts it, reads its protocol lines and its final JSON report, and measures the engine over the child's run.</summary>
internal static class CallerProcess
{
    /// <summary>Marks a child's line as a question the parent answers on the child's stdin.</summary>
    public const char Question = '?';

    /// <summary>Runs one caller child (<paramref name="command"/>: <c>load-callers</c> or <c>burst-callers</c>) to its end while sampling the engine; <paramref name="onLive"/> runs when
    /// the child says its calls are live (then MEASURED is sent back). Returns the child's report, the engine's usage
    /// over the child's run, and the child's live line (null if none came). Any other line goes to <paramref name="onLine"/>
    /// when given, else to stderr. A line starting with <see cref="Question"/> is a question: <paramref name="onQuestion"/>'s
    /// answer (the line without the mark) goes back on the child's stdin.</summary>
    public static async Task<(TReport Report, EngineUsage Usage, string? Signal)> RunAsync<TReport>(
        OutboundCallService engine, string command, List<string> args, Func<int, Task>? onLive, Action<string>? onLine = null,
        Func<string, Task<string>>? onQuestion = null)
        where TReport : class
    {
        using var child = new Process { StartInfo = ChildStart(command, args) };
        var usage = new EngineUsage();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                usage.ObserveLive(engine.LiveCalls);
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

        usage.Start();
        child.Start();
        TReport? report = null;
        string? signal = null;
        try
        {
            while (await child.StandardOutput.ReadLineAsync() is { } line)
            {
                if (onQuestion is not null && line.StartsWith(Question))
                {
                    await child.StandardInput.WriteLineAsync(await onQuestion(line[1..]));
                    await child.StandardInput.FlushAsync();
                }
                else if (line.StartsWith('{'))
                {
                    report = JsonSerializer.Deserialize<TReport>(line, LoadProtocol.Json);
                }
                else if (line.StartsWith(LoadProtocol.AllLive, StringComparison.Ordinal) || line.StartsWith(LoadProtocol.PartlyLive, StringComparison.Ordinal))
                {
                    signal = line;
                    var reached = int.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture);
                    if (onLive is not null) await onLive(reached);
                    await child.StandardInput.WriteLineAsync(LoadProtocol.Measured);
                    await child.StandardInput.FlushAsync();
                }
                else if (onLine is not null)
                {
                    onLine(line);
                }
                else
                {
                    Console.Error.WriteLine($"{command}: {line}");
                }
            }

            await child.WaitForExitAsync();
        }
        finally
        {
            if (!child.HasExited) child.Kill(entireProcessTree: true);
            usage.Stop();
            await sampling.CancelAsync();
            await sampler;
        }

        if (report is null) throw new InvalidOperationException($"the {command} child exited with code {child.ExitCode} without a report");
        return (report, usage, signal);
    }

    /// <summary>This program again, as <paramref name="command"/>: through its apphost, or through <c>dotnet</c> with the
    /// entry assembly when it was started as <c>dotnet IvrEngine.Benchmarks.dll</c>.</summary>
    private static ProcessStartInfo ChildStart(string command, List<string> args)
    {
        var exe = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell this process's executable");
        var start = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        if (Path.GetFileNameWithoutExtension(exe).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            var entry = Assembly.GetEntryAssembly()?.Location;
            if (string.IsNullOrEmpty(entry)) entry = Path.Combine(AppContext.BaseDirectory, "IvrEngine.Benchmarks.dll");
            start.ArgumentList.Add(entry);
        }

        start.ArgumentList.Add(command);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return start;
    }
}

/// <summary>The engine process's CPU, allocations, GCs and peak live calls over one child run.</summary>
internal sealed class EngineUsage
{
    private readonly Stopwatch _clock = new();
    private TimeSpan _cpu;
    private long _allocated;
    private int _gen0;
    private int _gen1;
    private int _gen2;
    private int _peak;
    private long _jitMethods;
    private TimeSpan _jitTime;

    public double Seconds => _clock.Elapsed.TotalSeconds;

    public double CpuSeconds { get; private set; }

    public long Allocated { get; private set; }

    public int Gen0 { get; private set; }

    public int Gen1 { get; private set; }

    public int Gen2 { get; private set; }

    public int PeakLive => Volatile.Read(ref _peak);

    /// <summary>Methods the JIT compiled (new, or again at a higher tier) in this process while measuring.</summary>
    public long JitMethods { get; private set; }

    /// <summary>Time the JIT spent compiling in this process while measuring (part of <see cref="CpuSeconds"/>).</summary>
    public TimeSpan JitTime { get; private set; }

    public void Start()
    {
        using var me = Process.GetCurrentProcess();
        _cpu = me.TotalProcessorTime;
        _allocated = GC.GetTotalAllocatedBytes();
        (_gen0, _gen1, _gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        (_jitMethods, _jitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime());
        _clock.Restart();
    }

    public void Stop()
    {
        _clock.Stop();
        using var me = Process.GetCurrentProcess();
        CpuSeconds = (me.TotalProcessorTime - _cpu).TotalSeconds;
        Allocated = GC.GetTotalAllocatedBytes() - _allocated;
        (Gen0, Gen1, Gen2) = (GC.CollectionCount(0) - _gen0, GC.CollectionCount(1) - _gen1, GC.CollectionCount(2) - _gen2);
        (JitMethods, JitTime) = (System.Runtime.JitInfo.GetCompiledMethodCount() - _jitMethods, System.Runtime.JitInfo.GetCompilationTime() - _jitTime);
    }

    public void ObserveLive(int live)
    {
        int seen;
        while (live > (seen = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, live, seen) != seen)
        {
        }
    }

    /// <summary>One line: peak live, CPU (share of one core, per call), allocations per call and GCs over <paramref name="calls"/>.</summary>
    public string Describe(int calls, string? note) => string.Create(CultureInfo.InvariantCulture,
        $"  [engine]  peak live (LiveCalls): {PeakLive:N0}   CPU: {CpuSeconds:0.00} s ({CpuSeconds / Seconds * 100:0}% of one core; {CpuSeconds * 1000 / Math.Max(1, calls):0.00} ms per call)   " +
        $"allocated: {Allocated / (double)Math.Max(1, calls) / 1024:N1} KB per call   GCs gen0/1/2: {Gen0}/{Gen1}/{Gen2}   JIT: {JitMethods:N0} methods, {JitTime.TotalMilliseconds:0} ms   (over {calls:N0} calls{(note is null ? string.Empty : "; " + note)})");
}

/// <summary>A full, blocking collection with finalizers run, before a measurement.</summary>
internal static class FullGc
{
    public static void Run()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
