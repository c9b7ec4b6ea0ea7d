using System.Diagnostics;
using System.Globalization;

namespace IvrEngine.Benchmarks;

/// <summary>The engine as a child process of a benchmark (<c>dotnet exec IvrEngine.dll</c> from this program's build
/// output), so that its memory and CPU time are read apart from the benchmark's own: its output drained (the last 40
/// lines kept for failure messages, each line also handed to an observer of its stream), its resident set read from
/// /proc.</summary>
internal sealed class EngineChild : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private int _disposed;

    private EngineChild(Process process, Func<Action<string>>? observer)
    {
        _process = process;
        Drained = Task.WhenAll(DrainAsync(process.StandardOutput, observer?.Invoke()), DrainAsync(process.StandardError, observer?.Invoke()));
    }

    /// <summary>Completes when the engine closed its output (it exited).</summary>
    public Task Drained { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the engine with <paramref name="settings"/>. <paramref name="observer"/> makes one line observer
    /// per output stream (stdout, stderr), called under the lock of the kept lines.</summary>
    public static EngineChild Start(IEnumerable<string> settings, Func<Action<string>>? observer = null, bool redirectInput = false)
    {
        var start = Tests.RealFreeSwitch.EngineInstance.StartInfo(settings, redirectInput);
        return new EngineChild(Process.Start(start) ?? throw new InvalidOperationException("the engine did not start."), observer);
    }

    /// <summary>The engine's resident set (VmRSS of /proc/PID/status), in KB.</summary>
    public long RssKb()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/status"))
        {
            if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
            var number = line["VmRSS:".Length..].Trim().Split(' ')[0];
            return long.Parse(number, NumberStyles.None, CultureInfo.InvariantCulture);
        }

        throw new InvalidOperationException("no VmRSS in /proc/PID/status");
    }

    /// <summary>The median of <paramref name="samples"/> readings of <see cref="RssKb"/>, <paramref name="interval"/>
    /// apart, after <paramref name="settle"/> (the engine's memory after what just happened, not during it).</summary>
    public async Task<long> SettledRssKbAsync(TimeSpan settle, int samples, TimeSpan interval)
    {
        await Task.Delay(settle);
        var readings = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            if (i > 0) await Task.Delay(interval);
            readings.Add(RssKb());
        }

        return (long)Stats.Median(readings);
    }

    /// <summary>The CPU time the engine process used so far.</summary>
    public TimeSpan Cpu()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>The last lines the engine printed.</summary>
    public string Tail()
    {
        lock (_tail) return string.Join('\n', _tail);
    }

    public async ValueTask DisposeAsync()
    {
        // Once: a benchmark may stop the engine before its end (to read its store) and dispose it again there.
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private async Task DrainAsync(StreamReader reader, Action<string>? observer)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_tail)
            {
                _tail.Enqueue(line);
                while (_tail.Count > 40) _tail.Dequeue();
                observer?.Invoke(line);
            }
        }
    }
}
