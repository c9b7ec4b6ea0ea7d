using System.Collections.Concurrent;

namespace IvrEngine.Benchmarks;

/// <summary>Counts of one phase of simulated calls (load or burst), shared by its calls.</summary>
internal sealed class CallTally
{
    private readonly ConcurrentDictionary<string, int> _reasons = new();
    private int _completed;
    private int _errors;
    private int _live;
    private int _peak;

    public int Completed => Volatile.Read(ref _completed);

    public int Errors => Volatile.Read(ref _errors);

    public int Live => Volatile.Read(ref _live);

    public int PeakLive => Volatile.Read(ref _peak);

    public double Seconds { get; set; }

    public ConcurrentQueue<double[]> Turnarounds { get; } = new();

    public void Complete() => Interlocked.Increment(ref _completed);

    public void Fail(string reason)
    {
        Interlocked.Increment(ref _errors);
        _reasons.AddOrUpdate(reason, 1, (_, n) => n + 1);
    }

    public void Connected()
    {
        var live = Interlocked.Increment(ref _live);
        int seen;
        while (live > (seen = Volatile.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, live, seen) != seen)
        {
        }
    }

    public void Closed() => Interlocked.Decrement(ref _live);

    public IReadOnlyList<ErrorCount> FirstErrors() =>
        [.. _reasons.OrderByDescending(e => e.Value).Take(5).Select(e => new ErrorCount(e.Key, e.Value))];
}
