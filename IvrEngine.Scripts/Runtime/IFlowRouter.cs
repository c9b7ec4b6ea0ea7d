using IvrEngine.Scripts.Expressions;

namespace IvrEngine.Scripts.Runtime;

/// <summary>The engine's routing rules as a flow's <c>route</c> step sees them: the call's data in, a decision out.
/// Optional: a runner without one fails a route step clearly.</summary>
public interface IFlowRouter
{
    /// <summary>Where the call goes now, and why.</summary>
    ValueTask<FlowRoute> RouteAsync(FlowRouteRequest request, CancellationToken cancellationToken);
}

/// <summary>What routing sees of a call.</summary>
/// <param name="Caller">The caller's number (ANI).</param>
/// <param name="Dialed">The dialed number (DNIS).</param>
/// <param name="Variables">The flow's variables (collected ones included, so routing may look at an account; secrets never).</param>
/// <param name="Client">The client of the last lookup (<see cref="FlowClientView.None"/> when none).</param>
/// <param name="Language">The caller's language code.</param>
/// <param name="Flow">The flow serving the number (the top flow, not a sub-flow).</param>
/// <param name="Now">The time now (rules convert it to their own zone).</param>
public sealed record FlowRouteRequest(
    string Caller,
    string Dialed,
    IReadOnlyDictionary<string, string> Variables,
    FlowClientView Client,
    string Language,
    string Flow,
    DateTimeOffset Now);

/// <summary>A routing decision: a transfer, or self-service (<see cref="Transfer"/> null: the flow goes on).</summary>
/// <param name="Transfer">Where the call goes; null for self-service.</param>
/// <param name="Rule">The rule chosen.</param>
/// <param name="Reason">Why, in plain words ("vip: CTI code V; priority 600").</param>
/// <param name="FallbackQueue">For an agent transfer: the queue the dialplan tries when the agent does not answer.</param>
public sealed record FlowRoute(FlowTransfer? Transfer, string Rule, string Reason, string? FallbackQueue = null)
{
    /// <summary>True when the call stays in the IVR.</summary>
    public bool IsSelfService => Transfer is null;
}
