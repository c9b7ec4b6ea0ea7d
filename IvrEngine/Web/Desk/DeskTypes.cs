namespace IvrEngine.Web.Desk;

/// <summary>Where a call stands on an agent's desk.</summary>
public enum DeskCallState
{
    /// <summary>The agent's phone rings with the call.</summary>
    Ringing,

    /// <summary>The agent took the call.</summary>
    OnCall,

    /// <summary>The call ended; the agent finishes the card.</summary>
    WrapUp,
}

/// <summary>A call on one agent's desk.</summary>
/// <param name="CallUuid">The caller's channel (mod_callcenter's CC-Member-Session-UUID).</param>
/// <param name="Agent">The agent, e.g. "1001@default".</param>
/// <param name="Queue">The queue it came from; null for a direct or demo call.</param>
/// <param name="How">"queue", "direct" (the agent_X extension) or "demo".</param>
public sealed record DeskCall(string CallUuid, string Agent, DeskCallState State, string? Queue, DateTimeOffset OfferedAt,
    DateTimeOffset? AnsweredAt, DateTimeOffset? EndedAt, DateTimeOffset? QueuedAt, string How);

/// <summary>An agent as mod_callcenter knows them.</summary>
/// <param name="Status">Available, On Break, Logged Out, Available (On Demand).</param>
/// <param name="State">Waiting, Receiving, In a queue call, Idle, ...</param>
/// <param name="Since">When the status or state last changed, when known.</param>
public sealed record DeskAgent(string Agent, string? Status, string? State, DateTimeOffset? Since);

/// <summary>A caller in a queue whom no agent's phone rings for.</summary>
public sealed record WaitingCall(string CallUuid, string Queue, DateTimeOffset Since);

/// <summary>Something changed on the desk. Who must be told: <see cref="Agent"/> and <see cref="PreviousAgent"/> (when a
/// call moved from one agent to another); supervisors are told every change.</summary>
public sealed record DeskChange(string? CallUuid, string? Agent, string? PreviousAgent);

/// <summary>How much the desk remembers.</summary>
public sealed record DeskLimits
{
    /// <summary>How long a wrap-up stays on the desk when the agent does not finish it.</summary>
    public TimeSpan WrapUpKeep { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a ringing or on-call entry may live without news (an event lost while disconnected).</summary>
    public TimeSpan StaleCall { get; init; } = TimeSpan.FromHours(12);

    /// <summary>Offers remembered per agent for <see cref="DeskService.WasOffered"/>.</summary>
    public int HistoryPerAgent { get; init; } = 500;

    /// <summary>How long an offer is remembered for <see cref="DeskService.WasOffered"/>.</summary>
    public TimeSpan HistoryAge { get; init; } = TimeSpan.FromHours(24);

    /// <summary>At most this many calls on desks and callers waiting; the oldest go first beyond it.</summary>
    public int MaxCalls { get; init; } = 20_000;

    /// <summary>At most this many agents (states and histories).</summary>
    public int MaxAgents { get; init; } = 5_000;
}
