namespace IvrEngine.Statistics;

/// <summary>One step of a flow on one UTC day: the funnel's slice.</summary>
/// <param name="Day">The UTC day (midnight) the calls reached the engine.</param>
/// <param name="Flow">The flow the step is written in.</param>
/// <param name="Step">The step's id.</param>
public sealed record StepKey(DateTimeOffset Day, string Flow, string Step)
{
    /// <summary>The UTC day a moment falls in.</summary>
    public static DateTimeOffset DayOf(DateTimeOffset at) => new(at.UtcDateTime.Date, TimeSpan.Zero);
}

/// <summary>What the callers who reached one step of a flow did there (docs/statistics.md, "The funnel of a flow"):
/// each caller counts once per step, however often the call came back to it.</summary>
public sealed class StepTotals
{
    // Made when a caller left from the step: each call's steps are counted with one of these, and most steps are not
    // where a call left.
    private Dictionary<string, long>? _leftTo;

    /// <summary>Callers who reached the step.</summary>
    public long Entered { get; set; }

    /// <summary>Callers who went on to another step.</summary>
    public long WentOn { get; set; }

    /// <summary>Callers who let an attempt at the step's input time out at least once.</summary>
    public long TimedOut { get; set; }

    /// <summary>Callers who keyed an invalid entry at the step at least once.</summary>
    public long Invalid { get; set; }

    /// <summary>Callers who hung up at the step (their last).</summary>
    public long HungUp { get; set; }

    /// <summary>Callers whose call the flow ended at the step (a hangup or return step, a failure).</summary>
    public long Ended { get; set; }

    /// <summary>Callers the step transferred.</summary>
    public long Left { get; set; }

    /// <summary>Where the callers met the step, summed: each caller's count of steps before it (its first visit). Divided
    /// by <see cref="Entered"/>, the step's average place in the callers' way through the flow (the funnel's order
    /// among steps as many entered).</summary>
    public long PlaceSum { get; set; }

    /// <summary>Of the callers the step transferred (<see cref="Left"/>), how many to each destination (the queue,
    /// extension or agent the flow named).</summary>
    public Dictionary<string, long> LeftTo => _leftTo ??= new(StringComparer.Ordinal);

    /// <summary>Adds another slice's totals to these.</summary>
    public void Add(StepTotals other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Entered += other.Entered;
        WentOn += other.WentOn;
        TimedOut += other.TimedOut;
        Invalid += other.Invalid;
        HungUp += other.HungUp;
        Ended += other.Ended;
        Left += other.Left;
        PlaceSum += other.PlaceSum;
        if (other._leftTo is not { } theirs) return;
        foreach (var (to, count) in theirs) LeftTo[to] = LeftTo.GetValueOrDefault(to) + count;
    }

    /// <summary>One call's part of the funnel: the steps of its IVR (<c>flow/step</c>, in order) with what it did at
    /// each.</summary>
    public static IReadOnlyList<KeyValuePair<StepKey, StepTotals>> Of(IvrLeg leg)
    {
        ArgumentNullException.ThrowIfNull(leg);
        if (leg.Steps.Count == 0) return [];
        var day = StepKey.DayOf(leg.StartedAt);
        var last = leg.Steps[^1];
        var result = new List<KeyValuePair<StepKey, StepTotals>>(leg.Steps.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var place = 0; place < leg.Steps.Count; place++)
        {
            var step = leg.Steps[place];
            if (!seen.Add(step)) continue;
            var slash = step.IndexOf('/', StringComparison.Ordinal);
            var key = new StepKey(day, slash < 0 ? leg.Flow ?? string.Empty : step[..slash], slash < 0 ? step : step[(slash + 1)..]);
            var totals = new StepTotals
            {
                Entered = 1,
                PlaceSum = place,
                TimedOut = leg.InputFailures.Any(f => f.Step == step && f.Status == "no-input") ? 1 : 0,
                Invalid = leg.InputFailures.Any(f => f.Step == step && f.Status == "invalid") ? 1 : 0,
            };

            if (step != last)
            {
                totals.WentOn = 1;
            }
            else if (leg.Outcome == "transferred")
            {
                totals.Left = 1;
                totals.LeftTo[leg.TransferTarget ?? leg.TransferKind ?? string.Empty] = 1;
            }
            else if (leg.Outcome == "hung-up")
            {
                totals.HungUp = 1;
            }
            else
            {
                totals.Ended = 1;
            }

            result.Add(new(key, totals));
        }

        return result;
    }
}
