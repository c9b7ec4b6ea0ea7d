using System.Text.Json;

namespace IvrEngine.Benchmarks;

/// <summary>The line protocol between <c>load</c> (the engine process) and its <c>load-callers</c> child (the simulated
/// FreeSWITCH). The child writes plain lines on stdout; its final line is one JSON <see cref="CallersReport"/>.</summary>
internal static class LoadProtocol
{
    /// <summary>Child -> parent, hold phase: every call is live and playing its long greeting. Followed by the count.</summary>
    public const string AllLive = "ALL-LIVE";

    /// <summary>Child -> parent, hold phase: not every call got to its greeting (some failed or timed out).
    /// Followed by the count that did and the count that failed.</summary>
    public const string PartlyLive = "PARTLY-LIVE";

    /// <summary>Parent -> child (stdin): the engine's memory is measured; the child may go on and then hang up.</summary>
    public const string Measured = "MEASURED";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}

/// <summary>Turnaround samples summarized (milliseconds).</summary>
internal sealed record TurnaroundSummary(int Samples, double P50, double P95, double P99, double Max)
{
    public static TurnaroundSummary Of(IEnumerable<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        return new TurnaroundSummary(
            sorted.Length, Stats.Percentile(sorted, 50), Stats.Percentile(sorted, 95), Stats.Percentile(sorted, 99), Stats.Percentile(sorted, 100));
    }
}

internal sealed record ErrorCount(string Reason, int Count);

/// <summary>What the <c>load-callers</c> child measured for one phase, from the simulator's side.</summary>
internal sealed record CallersReport
{
    public required string Phase { get; init; }

    public int Calls { get; init; }

    public int Concurrency { get; init; }

    public int WarmupCompleted { get; init; }

    public int WarmupErrors { get; init; }

    public int Completed { get; init; }

    public int Errors { get; init; }

    /// <summary>The most frequent error reasons (at most five).</summary>
    public IReadOnlyList<ErrorCount> FirstErrors { get; init; } = [];

    public double Seconds { get; init; }

    public double CallsPerSecond { get; init; }

    /// <summary>Most calls the simulator had connected and not yet closed at once.</summary>
    public int PeakLive { get; init; }

    /// <summary>Every turnaround of the phase (measured calls only).</summary>
    public TurnaroundSummary? Turnaround { get; init; }

    /// <summary>Hold phase: turnarounds while calls were still being started (live rising from 0 to C).</summary>
    public TurnaroundSummary? RampTurnaround { get; init; }

    /// <summary>Hold phase: turnarounds taken while all calls were live (greeting complete -> account prompt).</summary>
    public TurnaroundSummary? FullLoadTurnaround { get; init; }

    /// <summary>Hold phase: turnarounds after the account prompt started, i.e. around the callers' simultaneous hangup.</summary>
    public TurnaroundSummary? HangupTurnaround { get; init; }

    /// <summary>Hold phase: calls that got to their greeting (all were live at once when this equals the concurrency).</summary>
    public int ReachedGreeting { get; init; }

    /// <summary>Hold phase: the fewest calls the simulator had live when a call got to its second prompt (the
    /// full-load window is clean when this equals the concurrency).</summary>
    public int MinLiveAtSecondPrompt { get; init; }

    /// <summary>Hold phase: whether the parent's memory measurement (full GCs in the engine process) ended before the
    /// first greeting did, so it did not stall any full-load turnaround.</summary>
    public bool MeasuredBeforeFullLoad { get; init; }

    /// <summary>CPU of the caller process alone.</summary>
    public double CpuSeconds { get; init; }
}
