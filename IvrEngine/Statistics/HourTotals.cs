using IvrEngine.Scripts;

namespace IvrEngine.Statistics;

/// <summary>What a counted call was (docs/statistics.md): the hour it reached the engine (UTC) and its value of each
/// dimension a report can be cut by. Empty strings stand for "none" (no flow, no queue, no agent, unknown caller).</summary>
/// <param name="Hour">The UTC hour, minutes and seconds zero.</param>
/// <param name="Campaign">The dialed number.</param>
/// <param name="Flow">The flow that ran.</param>
/// <param name="Queue">The last queue the call waited in.</param>
/// <param name="Agent">The agent who took it last.</param>
/// <param name="CustomerType">The customer-type code (N, E, R, V, T).</param>
/// <param name="Category">The client's category.</param>
/// <remarks>A control character in a value (the store's key separator among them) is kept as '?'.</remarks>
public sealed record CallFacts(DateTimeOffset Hour, string Campaign, string Flow, string Queue, string Agent, string CustomerType, string Category)
{
    // Every value as a slice keeps it (Clean): a control character would be part of the store's key.
    public string Campaign { get; init; } = Clean(Campaign);

    public string Flow { get; init; } = Clean(Flow);

    public string Queue { get; init; } = Clean(Queue);

    public string Agent { get; init; } = Clean(Agent);

    public string CustomerType { get; init; } = Clean(CustomerType);

    public string Category { get; init; } = Clean(Category);

    /// <summary>The hour a moment falls in, in UTC.</summary>
    public static DateTimeOffset HourOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>The slices the call adds to: the hour's total and the hour's value of each dimension, then the UTC day's
    /// value of each pair of dimensions (<see cref="SliceDimensions.Pairs"/>: what a report with a filter reads).</summary>
    public IReadOnlyList<SliceKey> Slices()
    {
        var slices = new SliceKey[SliceCount];
        for (var i = 0; i < slices.Length; i++) slices[i] = SliceAt(i);
        return slices;
    }

    /// <summary>How many slices a call adds to (<see cref="Slices"/>).</summary>
    public static int SliceCount { get; } = 1 + SliceDimensions.Cut.Count + SliceDimensions.Pairs.Count;

    /// <summary>The <paramref name="index"/>th of <see cref="Slices"/>, made without a list (the collector adds a call's
    /// slices one by one).</summary>
    public SliceKey SliceAt(int index)
    {
        if (index == 0) return new SliceKey(Hour, SliceDimensions.Total, string.Empty);
        if (index <= SliceDimensions.Cut.Count) return new SliceKey(Hour, SliceDimensions.Cut[index - 1], ValueOf(index - 1));
        var pair = SliceDimensions.Pairs[index - 1 - SliceDimensions.Cut.Count];
        return new SliceKey(new DateTimeOffset(Hour.UtcDateTime.Date, TimeSpan.Zero), pair.Name, ValueOf(pair.First), ValueOf(pair.Second));
    }

    /// <summary>The call's value of <see cref="SliceDimensions.Cut"/>[<paramref name="index"/>].</summary>
    private string ValueOf(int index) => index switch
    {
        0 => Campaign,
        1 => Flow,
        2 => Queue,
        3 => Agent,
        4 => CustomerType,
        _ => Category,
    };

    /// <summary>A value as a slice keeps it: control characters (the store's key separator among them) become '?'.</summary>
    public static string Clean(string? value)
    {
        if (string.IsNullOrEmpty(value)) return string.Empty;
        foreach (var c in value)
        {
            if (char.IsControl(c)) return string.Create(value.Length, value, static (span, text) =>
            {
                for (var i = 0; i < text.Length; i++) span[i] = char.IsControl(text[i]) ? '?' : text[i];
            });
        }

        return value;
    }
}

/// <summary>One slice: the calls of an hour (UTC) with one value of one dimension (or all the hour's calls, the
/// <see cref="SliceDimensions.Total"/>), or of a UTC day with one value of each of a pair of dimensions. A report cut by
/// a dimension reads that dimension's slices alone.</summary>
/// <param name="Hour">The UTC hour; of a pair, its UTC day's midnight.</param>
/// <param name="Dimension">One of <see cref="SliceDimensions"/>.</param>
/// <param name="Value">The dimension's value; empty for none (and for the total). Of a pair, the first dimension's.</param>
/// <param name="Other">Of a pair of dimensions (<see cref="SliceDimensions.Pairs"/>), the second's value; else empty.</param>
public readonly record struct SliceKey(DateTimeOffset Hour, string Dimension, string Value, string Other = "");

/// <summary>The dimensions the slices are kept by.</summary>
public static class SliceDimensions
{
    /// <summary>All the hour's calls.</summary>
    public const string Total = "total";

    /// <summary>By dialed number.</summary>
    public const string Campaign = "campaign";

    /// <summary>By flow.</summary>
    public const string Flow = "flow";

    /// <summary>By the last queue.</summary>
    public const string Queue = "queue";

    /// <summary>By the last agent.</summary>
    public const string Agent = "agent";

    /// <summary>By customer-type code.</summary>
    public const string Cti = "cti";

    /// <summary>By client category.</summary>
    public const string Category = "category";

    /// <summary>The dimensions a call has one value of, in their order (a pair is named first + second in it).</summary>
    public static readonly IReadOnlyList<string> Cut = [Campaign, Flow, Queue, Agent, Cti, Category];

    /// <summary>Every ordered pair of <see cref="Cut"/>'s dimensions (30: campaign+queue and queue+campaign): the calls
    /// of a UTC day with one value of each, kept per day only (hours of every pair would be a document per call and
    /// hour). A report filtered on one dimension and cut by another reads the pair whose first is the filter's, where
    /// the filter's value's days are next to each other.</summary>
    public static readonly IReadOnlyList<SlicePair> Pairs =
        [.. from first in Enumerable.Range(0, Cut.Count) from second in Enumerable.Range(0, Cut.Count) where first != second
            select new SlicePair(Cut[first] + "+" + Cut[second], first, second)];

    /// <summary>The pair of two different dimensions of <see cref="Cut"/>, <paramref name="first"/> first.</summary>
    public static SlicePair PairOf(string first, string second)
    {
        var i = IndexOf(first);
        if (i == IndexOf(second)) throw new ArgumentException($"a pair needs two different dimensions, not {first} twice", nameof(second));
        var name = first + "+" + second;
        return Pairs.First(p => p.Name == name);
    }

    /// <summary>True for the name of a pair.</summary>
    public static bool IsPair(string dimension) => dimension.Contains('+', StringComparison.Ordinal);

    private static int IndexOf(string dimension)
    {
        for (var i = 0; i < Cut.Count; i++)
        {
            if (Cut[i] == dimension) return i;
        }

        throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "not one of " + string.Join(", ", Cut));
    }
}

/// <summary>A pair of dimensions kept together.</summary>
/// <param name="Name">first+second, as <see cref="SliceKey.Dimension"/>.</param>
/// <param name="First">The first's index in <see cref="SliceDimensions.Cut"/>.</param>
/// <param name="Second">The second's.</param>
public sealed record SlicePair(string Name, int First, int Second);

/// <summary>What the calls of one slice add up to: counts, sums and histograms of waits, so that every figure of a
/// report (rates, averages, service level, 90th percentile) can be computed from the sum of any set of slices.</summary>
public sealed class HourTotals
{
    /// <summary>Upper edges, in seconds, of the wait histograms' buckets; the last bucket holds everything longer.
    /// A service level can be asked for any of these thresholds.</summary>
    public static readonly IReadOnlyList<int> WaitEdges = [5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600, 1200];

    /// <summary>Calls counted (every call the engine served or a queue saw).</summary>
    public long Calls { get; set; }

    /// <summary>Calls that ran a flow.</summary>
    public long IvrCalls { get; set; }

    /// <summary>Ended by the flow itself without reaching a queue (self-service).</summary>
    public long Contained { get; set; }

    /// <summary>The caller hung up in the IVR.</summary>
    public long IvrAbandoned { get; set; }

    /// <summary>The flow failed, the transfer was refused or no flow serves the number.</summary>
    public long IvrFailed { get; set; }

    /// <summary>Waited in at least one queue.</summary>
    public long Queued { get; set; }

    /// <summary>Taken by an agent.</summary>
    public long Answered { get; set; }

    /// <summary>Queued, never taken, the caller hung up waiting.</summary>
    public long Abandoned { get; set; }

    /// <summary>Queued, never taken, the queue let the caller go (timeout, no agent, exit key).</summary>
    public long Overflowed { get; set; }

    /// <summary>Times a queue rang an agent for a caller (agent-offering), counted in the slices of the agent rung.</summary>
    public long Offers { get; set; }

    /// <summary>Of those, the agent did not take the call: no answer, busy, refused (bridge-agent-fail, but not when the
    /// caller hung up first or another agent answered first).</summary>
    public long OffersMissed { get; set; }

    /// <summary>Queues entered after the first.</summary>
    public long Transfers { get; set; }

    /// <summary>Calls classified R (repeat contact).</summary>
    public long Repeats { get; set; }

    /// <summary>Answered calls whose agent saved a wrap-up.</summary>
    public long WrapUps { get; set; }

    /// <summary>The wrap-ups by their disposition, in <see cref="ContextContract.Dispositions"/>' order (the first
    /// wrap-up saved of a call).</summary>
    public long[] Dispositions { get; set; } = new long[ContextContract.Dispositions.Count];

    /// <summary>Requests (tickets) created from the calls.</summary>
    public long Requests { get; set; }

    /// <summary>Seconds from the end of the talk to the wrap-up saved, summed over the wrap-ups.</summary>
    public double WrapUpSeconds { get; set; }

    /// <summary>Seconds in the IVR, summed.</summary>
    public double IvrSeconds { get; set; }

    /// <summary>Seconds waiting in queues, summed over the queued calls.</summary>
    public double WaitSeconds { get; set; }

    /// <summary>Seconds talking with agents, summed over the answered calls.</summary>
    public double TalkSeconds { get; set; }

    /// <summary>Queued calls by their wait (<see cref="WaitEdges"/>, one more bucket for longer).</summary>
    public long[] Waits { get; set; } = new long[WaitEdges.Count + 1];

    /// <summary>Answered calls by their wait until an agent answered.</summary>
    public long[] AnsweredWaits { get; set; } = new long[WaitEdges.Count + 1];

    /// <summary>The bucket of a wait.</summary>
    public static int BucketOf(double seconds)
    {
        for (var i = 0; i < WaitEdges.Count; i++)
        {
            if (seconds <= WaitEdges[i]) return i;
        }

        return WaitEdges.Count;
    }

    /// <summary>Counts a wrap-up's disposition (one not in <see cref="ContextContract.Dispositions"/> counts as
    /// <c>other</c>).</summary>
    public static void CountDisposition(HourTotals totals, string? disposition)
    {
        ArgumentNullException.ThrowIfNull(totals);
        var index = disposition is null ? -1 : IndexOfDisposition(disposition);
        totals.Dispositions[index < 0 ? ContextContract.Dispositions.Count - 1 : index]++;
    }

    private static int IndexOfDisposition(string disposition)
    {
        for (var i = 0; i < ContextContract.Dispositions.Count; i++)
        {
            if (string.Equals(ContextContract.Dispositions[i], disposition, StringComparison.OrdinalIgnoreCase)) return i;
        }

        return -1;
    }

    /// <summary>Adds another slice's totals to these.</summary>
    public void Add(HourTotals other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Calls += other.Calls;
        IvrCalls += other.IvrCalls;
        Contained += other.Contained;
        IvrAbandoned += other.IvrAbandoned;
        IvrFailed += other.IvrFailed;
        Queued += other.Queued;
        Answered += other.Answered;
        Abandoned += other.Abandoned;
        Overflowed += other.Overflowed;
        Transfers += other.Transfers;
        Offers += other.Offers;
        OffersMissed += other.OffersMissed;
        Repeats += other.Repeats;
        WrapUps += other.WrapUps;
        Requests += other.Requests;
        WrapUpSeconds += other.WrapUpSeconds;
        IvrSeconds += other.IvrSeconds;
        WaitSeconds += other.WaitSeconds;
        TalkSeconds += other.TalkSeconds;
        AddBuckets(Waits, other.Waits);
        AddBuckets(AnsweredWaits, other.AnsweredWaits);
        AddBuckets(Dispositions, other.Dispositions);
    }

    private static void AddBuckets(long[] into, long[] from)
    {
        for (var i = 0; i < into.Length && i < from.Length; i++) into[i] += from[i];
    }
}
