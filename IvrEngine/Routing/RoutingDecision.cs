namespace IvrEngine.Routing;

/// <summary>What the rules decided and why, in plain words: <c>"vip: CTI code V; queue vip, priority 600"</c>.</summary>
/// <param name="Rule">The rule's name.</param>
/// <param name="Reason">The rule's name, the conditions that held and the action.</param>
/// <param name="Queue">The queue (for manager-first: the fallback queue); null for self-service.</param>
/// <param name="Priority">The queue priority, or null.</param>
/// <param name="Agent">The client's manager for manager-first, else null.</param>
public sealed record RoutingDecision(string Rule, string Reason, string? Queue, int? Priority, string? Agent)
{
    /// <summary>True when the caller stays in the IVR.</summary>
    public bool IsSelfService => Queue is null && Agent is null;
}
