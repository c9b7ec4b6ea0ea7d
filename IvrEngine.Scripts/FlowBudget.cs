using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts;

/// <summary>The size budgets of what rides on a call, checked when flows load. The flow language knows what a flow
/// can attach and how large each value can be (<see cref="FlowAttachmentPlan"/>); the host knows the transports
/// (channel variables, SIP headers, a UUI form) and their limits, and says what does not fit.</summary>
public interface IFlowBudget
{
    /// <summary>Everything in <paramref name="plan"/> that cannot fit a transport, one problem each; empty when the
    /// flow's worst case fits.</summary>
    IReadOnlyList<FlowBudgetProblem> Check(FlowAttachmentPlan plan);
}

/// <summary>The worst case of what a flow attaches to a call before it hands it on: every value that can be attached,
/// by name, with its largest size. One plan per flow a call can start in, sub-flows included.</summary>
/// <param name="Flow">The flow a call starts in.</param>
/// <param name="Values">Every value that can be attached (names with the <c>ivr_</c> prefix), each once.</param>
public sealed record FlowAttachmentPlan(string Flow, IReadOnlyList<FlowAttachedValue> Values)
{
    /// <summary>The value with this name, or null.</summary>
    public FlowAttachedValue? Value(string name) => Values.FirstOrDefault(v => string.Equals(v.Name, name, StringComparison.Ordinal));
}

/// <summary>A value a flow can attach, and how large it can be.</summary>
/// <param name="Name">The variable as attached (<c>ivr_account</c>).</param>
/// <param name="MaxBytes">Its largest size in UTF-8 bytes: the attached value is never longer.</param>
/// <param name="Token">True when the value is only ASCII letters, digits and <c>- _ . / * #</c> (ids, codes,
/// numbers, keyed digits); false when it may hold anything.</param>
/// <param name="Origin">Where it comes from, for messages: <c>collect step 'ask-account'</c>, <c>client lookup</c>.</param>
/// <param name="Span">Where the flow writes it (the step, or the value of a set), or where the flow starts for the
/// values the interpreter fills.</param>
/// <param name="WrittenByFlow">True for the flow's own variables (set, collect): the admin can change them.</param>
public sealed record FlowAttachedValue(string Name, int MaxBytes, bool Token, string Origin, SourceSpan Span, bool WrittenByFlow);

/// <summary>Something that does not fit a transport.</summary>
/// <param name="What">What overflows, as messages name it: <c>channel variables</c>, <c>the SIP header
/// X-IVR-Note</c>, <c>ivr_note</c>.</param>
/// <param name="Setting">The setting that holds the limit (<c>Flows:Budgets:SipHeaders:TotalBytes</c>).</param>
/// <param name="Bytes">The worst case, in bytes.</param>
/// <param name="Limit">The limit, in bytes.</param>
/// <param name="Largest">The parts of the worst case, largest first (messages name the first few).</param>
/// <param name="Variable">The one variable at fault when there is one (the message points at where the flow writes
/// it); null when the problem is the sum (it points at the largest part the flow writes).</param>
public sealed record FlowBudgetProblem(string What, string Setting, int Bytes, int Limit, IReadOnlyList<FlowBudgetPart> Largest, string? Variable = null);

/// <summary>One part of a worst case.</summary>
/// <param name="Label">How the message names it (<c>ivr_note</c>, <c>X-IVR-Note</c>, <c>c=ivr_context_id</c>).</param>
/// <param name="Bytes">Its worst case, in bytes.</param>
/// <param name="Variable">The attached variable behind it, when there is one (its origin is named).</param>
/// <param name="Origin">Where a value the plan does not hold comes from (<c>the engine</c>), for messages.</param>
public sealed record FlowBudgetPart(string Label, int Bytes, string? Variable = null, string? Origin = null);
