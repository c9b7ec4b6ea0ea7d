namespace IvrEngine.Statistics;

/// <summary>What the engine knows of a call when it leaves the IVR (the call's interaction record, in short).</summary>
/// <param name="CallUuid">The caller's channel (FreeSWITCH's Unique-ID).</param>
/// <param name="StartedAt">When the call reached the engine: the hour the call counts in.</param>
/// <param name="IvrTime">How long it stayed in the IVR.</param>
/// <param name="Campaign">The dialed number (DNIS): the campaign or service.</param>
/// <param name="Flow">The flow that ran; null when none serves the number.</param>
/// <param name="Outcome">How the flow ended (<c>FlowOutcome</c>: transferred, hung-up, hangup, returned, failed,
/// transfer-failed; or no-flow).</param>
/// <param name="TransferKind">queue, extension or agent when the flow transferred the call; else null.</param>
/// <param name="CustomerType">The customer-type code: N, E, R, V or T.</param>
/// <param name="Category">The client's category, when the caller was identified.</param>
/// <param name="Steps">The steps visited, <c>flow/step</c>, in order.</param>
public sealed record IvrLeg(
    string CallUuid,
    DateTimeOffset StartedAt,
    TimeSpan IvrTime,
    string Campaign,
    string? Flow,
    string Outcome,
    string? TransferKind,
    string? CustomerType,
    string? Category,
    IReadOnlyList<string> Steps)
{
    /// <summary>Where the flow transferred the call (the queue, extension or agent it named), when it did.</summary>
    public string? TransferTarget { get; init; }

    /// <summary>The failed input attempts (silence, invalid entry), each with its step, in order.</summary>
    public IReadOnlyList<InputFailure> InputFailures { get; init; } = [];
}

/// <summary>An input attempt that failed at a step of a flow.</summary>
/// <param name="Step">The step, <c>flow/step</c>.</param>
/// <param name="Status"><c>no-input</c> or <c>invalid</c>.</param>
public sealed record InputFailure(string Step, string Status);

/// <summary>What mod_callcenter says of a caller in a queue (its <c>callcenter::info</c> events about members and
/// bridges). Times are mod_callcenter's own epoch seconds; null when the event does not carry them.</summary>
/// <param name="Action">member-queue-start, agent-offering, bridge-agent-start, bridge-agent-fail, bridge-agent-end or
/// member-queue-end (others are ignored).</param>
/// <param name="CallUuid">The caller's channel (<c>CC-Member-Session-UUID</c>).</param>
/// <param name="Queue">The queue (<c>CC-Queue</c>, e.g. general@default).</param>
/// <param name="Agent">The agent (<c>CC-Agent</c>), when the event names one.</param>
/// <param name="At">When the event was fired (<c>Event-Date-Timestamp</c>).</param>
/// <param name="Cause">member-queue-end's <c>CC-Cause</c>: Terminated (an agent took the call) or Cancel;
/// bridge-agent-fail's <c>CC-Hangup-Cause</c> (NO_ANSWER, USER_BUSY, ORIGINATOR_CANCEL...).</param>
/// <param name="CancelReason">member-queue-end's <c>CC-Cancel-Reason</c> when cancelled: BREAK_OUT (the caller hung up,
/// or the application was broken out of), TIMEOUT, NO_AGENT_TIMEOUT, EXIT_WITH_KEY, NONE.</param>
/// <param name="JoinedAt"><c>CC-Member-Joined-Time</c>.</param>
/// <param name="AnsweredAt"><c>CC-Agent-Answered-Time</c>.</param>
/// <param name="EndedAt"><c>CC-Member-Leaving-Time</c> (member-queue-end) or <c>CC-Bridge-Terminated-Time</c>
/// (bridge-agent-end).</param>
public sealed record QueueEvent(
    string Action,
    string CallUuid,
    string Queue,
    string? Agent,
    DateTimeOffset At,
    string? Cause = null,
    string? CancelReason = null,
    DateTimeOffset? JoinedAt = null,
    DateTimeOffset? AnsweredAt = null,
    DateTimeOffset? EndedAt = null);

/// <summary>The words of mod_callcenter's events that statistics read.</summary>
public static class QueueActions
{
    /// <summary>The caller entered a queue.</summary>
    public const string MemberQueueStart = "member-queue-start";

    /// <summary>The queue rings an agent for the caller.</summary>
    public const string AgentOffering = "agent-offering";

    /// <summary>An agent answered: caller and agent are bridged.</summary>
    public const string BridgeAgentStart = "bridge-agent-start";

    /// <summary>The agent rung did not answer (or refused).</summary>
    public const string BridgeAgentFail = "bridge-agent-fail";

    /// <summary>The bridge with the agent ended.</summary>
    public const string BridgeAgentEnd = "bridge-agent-end";

    /// <summary>The caller left the queue (served, hung up, timed out or broken out).</summary>
    public const string MemberQueueEnd = "member-queue-end";

    /// <summary>member-queue-end's cause when an agent took the call.</summary>
    public const string Terminated = "Terminated";

    /// <summary>member-queue-end's cause when no agent took it.</summary>
    public const string Cancel = "Cancel";

    /// <summary>True for a bridge-agent-fail's hangup cause that is the agent's: not ORIGINATOR_CANCEL (the caller hung
    /// up while the agent's phone rang) nor LOSE_RACE (another agent of a ring-all queue answered first).</summary>
    public static bool IsAgentMiss(string? hangupCause) => hangupCause is not ("ORIGINATOR_CANCEL" or "LOSE_RACE");

    /// <summary>True for the cancel reasons of a queue that let the caller go (the dialplan goes on: voicemail, another
    /// queue): TIMEOUT, NO_AGENT_TIMEOUT, EXIT_WITH_KEY. Else (BREAK_OUT, NONE) the caller hung up or was taken out.</summary>
    public static bool IsOverflow(string? cancelReason) => cancelReason is "TIMEOUT" or "NO_AGENT_TIMEOUT" or "EXIT_WITH_KEY";
}
