using IvrEngine.Scripts.Expressions;
using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Runtime;

/// <summary>How a flow run ended.</summary>
public static class FlowOutcome
{
    /// <summary>Handed to a queue, extension or agent.</summary>
    public const string Transferred = "transferred";
    /// <summary>The caller hung up.</summary>
    public const string HungUp = "hung-up";
    /// <summary>The flow hung up (a hangup step).</summary>
    public const string Hangup = "hangup";
    /// <summary>The top-level flow reached a return step: the call goes back to the dialplan.</summary>
    public const string Returned = "returned";
    /// <summary>The switch refused the transfer.</summary>
    public const string TransferFailed = "transfer-failed";
    /// <summary>The flow failed (a runaway loop, an expression that threw); see the error.</summary>
    public const string Failed = "failed";
}

/// <summary>What a run did, for the engine's log, the interaction history and <c>simulate</c>.</summary>
public sealed record FlowRunResult
{
    /// <summary>One of <see cref="FlowOutcome"/>.</summary>
    public required string Outcome { get; init; }

    /// <summary>Where the call went, when it was transferred (or the transfer was tried).</summary>
    public FlowTransfer? Transfer { get; init; }

    /// <summary>The variables attached to the call (exactly what was sent).</summary>
    public IReadOnlyDictionary<string, string> Attached { get; init; } = new Dictionary<string, string>();

    /// <summary>The flow's variables, collected values masked: for logs and the interaction history.</summary>
    public IReadOnlyDictionary<string, string> MaskedVariables { get; init; } = new Dictionary<string, string>();

    /// <summary>Steps visited in order, <c>flow/step</c>.</summary>
    public IReadOnlyList<string> Steps { get; init; } = [];

    /// <summary>The last step reached, <c>flow/step</c>.</summary>
    public string LastStep { get; init; } = string.Empty;

    /// <summary>The client of the last lookup.</summary>
    public FlowClientView Client { get; init; } = FlowClientView.None;

    /// <summary>The last routing decision of a route step, or null.</summary>
    public FlowRoute? Route { get; init; }

    /// <summary>The language at the end.</summary>
    public string Language { get; init; } = "en";

    /// <summary>Why the flow failed, for <see cref="FlowOutcome.Failed"/>.</summary>
    public string? Error { get; init; }
}

/// <summary>Runs a flow on a call: the interpreter of the flow language. One runner serves every call (it keeps
/// no per-call state); expressions, regexes and time zones are compiled once per <see cref="FlowDefinition"/>.</summary>
public sealed class FlowRunner
{
    /// <summary>Steps in a row without waiting for the caller before the run is stopped as a runaway loop.</summary>
    public const int MaxStepsWithoutInput = 1_000;

    /// <summary>Steps in one run before it is stopped as a runaway.</summary>
    public const int MaxStepsPerRun = 10_000;

    private readonly IFlowDirectory _directory;
    private readonly TimeProvider _time;
    private readonly IFlowRouter? _router;

    /// <summary>A runner using this directory for lookups and this clock for hours and <c>Now</c>; without a router a
    /// <c>route</c> step fails the run.</summary>
    public FlowRunner(IFlowDirectory directory, TimeProvider time)
        : this(directory, time, router: null)
    {
    }

    /// <summary>A runner whose <c>route</c> steps ask <paramref name="router"/> (none: a route step fails the run).</summary>
    public FlowRunner(IFlowDirectory directory, TimeProvider time, IFlowRouter? router)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(time);
        _directory = directory;
        _time = time;
        _router = router;
    }

    /// <summary>Runs <paramref name="flow"/> (sub-flows come from <paramref name="set"/>) until the call leaves the
    /// flow. Never throws for call or flow problems: they are in the result. Throws
    /// <see cref="OperationCanceledException"/> only when <paramref name="cancellationToken"/> is cancelled.</summary>
    public Task<FlowRunResult> RunAsync(FlowSet set, FlowDefinition flow, IFlowCall call, CancellationToken cancellationToken) =>
        RunAsync(set, flow, call, observer: null, cancellationToken);

    /// <summary>Runs <paramref name="flow"/> like <see cref="RunAsync(FlowSet, FlowDefinition, IFlowCall, CancellationToken)"/>,
    /// telling <paramref name="observer"/> about every step, collected value (masked), lookup and transfer.</summary>
    public Task<FlowRunResult> RunAsync(FlowSet set, FlowDefinition flow, IFlowCall call, IFlowObserver? observer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(call);
        return new FlowRun(set, flow, call, _directory, _time, observer, cancellationToken) { Router = _router }.RunAsync();
    }
}
