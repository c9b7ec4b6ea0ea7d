using IvrEngine.Scripts;

namespace IvrEngine.Calls;

/// <summary>
/// The context contract: the channel variables that carry what the IVR learned about a caller to whoever takes the
/// call next. The engine sets them (exported) before it transfers a call; the FreeSWITCH dialplan lists every one of
/// them in <c>cc_export_vars</c> before <c>callcenter</c>, because mod_callcenter copies to the agent's leg only the
/// variables named there (plus <c>cc_queue</c>, <c>cc_agent</c>, <c>cc_side</c> and <c>cc_member_session_uuid</c>).
/// A variable that is not set on a call simply does not reach the agent; nothing fails.
/// </summary>
/// <remarks>
/// <para>The names, their caps and who sets each are in one table, <see cref="ContextContract"/>; this class is the
/// engine's documented view of it.</para>
/// <para>The list in <see cref="All"/> is the static part of the contract and must match the queue extension of
/// <c>freeswitch-conf/dialplan/default.xml</c> (a test checks it). Names a flow attaches beyond it (a flow variable
/// <c>pickup</c> becomes <c>ivr_pickup</c>) reach the agent when the engine names them, comma-separated, in
/// <see cref="ExportExtra"/>; the dialplan appends that list to <c>cc_export_vars</c>.</para>
/// <para>The dialplan sets <see cref="Dnis"/> and <see cref="FallbackReason"/> itself (<see cref="SetByDialplan"/>);
/// they are exported to agents too.</para>
/// </remarks>
public static class ContextVariables
{
    /// <summary>The id of this call's IVR context: the record the engine keeps of what happened in the IVR. An agent
    /// desktop can fetch the whole story with it; a supervisor can quote it to find the call in the logs.</summary>
    public const string ContextId = ContextContract.ContextId;

    /// <summary>Which IVR flow served the call (<c>bank</c>, <c>taxi</c>, <c>clinic</c>, <c>default</c>): tells the
    /// agent which line the caller dialed, in words.</summary>
    public const string Flow = ContextContract.Flow;

    /// <summary>The last step the caller reached in the flow before being transferred (<c>vip</c>,
    /// <c>operator-spanish</c>, ...): where in the menu the caller asked for a person.</summary>
    public const string LastStep = ContextContract.LastStep;

    /// <summary>The language the caller used in the IVR (<c>en</c>, <c>es</c>): greet the caller in it.</summary>
    public const string Language = ContextContract.Language;

    /// <summary>The marketing campaign of the dialed number, when the number belongs to one (for example a number
    /// printed on a mailing): what the caller is probably calling about.</summary>
    public const string Campaign = ContextContract.Campaign;

    /// <summary>The customer-type code, one letter: <c>V</c> VIP, <c>R</c> called again recently, <c>T</c> prospect,
    /// <c>E</c> existing client, <c>N</c> no record found (a deployment may add letters).</summary>
    public const string CtiCode = ContextContract.CtiCode;

    /// <summary>Why the caller got that code, in one line for the agent (<c>V: category VIP; also R: called again
    /// within 24 h</c>).</summary>
    public const string CtiReason = ContextContract.CtiReason;

    /// <summary>How the caller was identified: <c>phone</c> (their number was on file), <c>account</c> (they keyed an
    /// account number), <c>card</c> (they keyed a payment card) or <c>none</c>. An agent may want to confirm the
    /// identity of a caller found by number only.</summary>
    public const string MatchedBy = ContextContract.MatchedBy;

    /// <summary>The client's id in the client store: open the client's record with it.</summary>
    public const string ClientId = ContextContract.ClientId;

    /// <summary>The client's name as on file: greet the caller by name.</summary>
    public const string ClientName = ContextContract.ClientName;

    /// <summary>The client's category as on file (<c>regular</c>, <c>vip</c>, <c>problem</c>, <c>prospect</c>).</summary>
    public const string Category = ContextContract.Category;

    /// <summary><c>true</c> when the client's account has an overdue amount, else <c>false</c>: the call may be about
    /// a payment.</summary>
    public const string Overdue = ContextContract.Overdue;

    /// <summary>The id of the client's account manager, when the client has one: who to involve or transfer to.</summary>
    public const string Manager = ContextContract.Manager;

    /// <summary>The caller's number when it is not among the client's numbers on file (the client was found by account
    /// or card): offer to add it to the client's record.</summary>
    public const string NewCallerNumber = ContextContract.NewCallerNumber;

    /// <summary>The priority the flow gave this transfer (higher is served sooner); the same number is handed to
    /// mod_callcenter as <c>cc_base_score</c>.</summary>
    public const string TransferPriority = ContextContract.TransferPriority;

    /// <summary>The name of the routing rule that chose where this call went: lets an admin see which rule fired.</summary>
    public const string RouteRule = ContextContract.RouteRule;

    /// <summary>Why the call was routed where it went, in one line for the agent (for example "overdue over 1000"); when
    /// no routing rule chose and a menu or collect step gave up on the caller, which step and why (for example
    /// "bank/how-identify: no key pressed 3 times, gave up").</summary>
    public const string RouteReason = ContextContract.RouteReason;

    /// <summary>The account number the caller keyed in the IVR (the flow variable <c>account</c>), unmasked because the
    /// agent needs it to serve the caller. Empty when the caller keyed none. A card number is never attached.</summary>
    public const string Account = ContextContract.Account;

    /// <summary>Set by the dialplan, not the engine: the number the caller dialed (the service number), so an agent
    /// knows which line the caller reached even when no IVR flow ran.</summary>
    public const string Dnis = ContextContract.Dnis;

    /// <summary>Set by the dialplan, not the engine: why the call reached the agent by a fallback instead of the normal
    /// route (<c>ivr-engine-unavailable</c> when no IVR engine took the call, <c>agent 1003 NO_ANSWER</c>,
    /// <c>queue vip NO_AGENT_TIMEOUT</c>). Empty on a normal call. When it says the engine was unavailable, the caller
    /// was not identified: ask who is calling.</summary>
    public const string FallbackReason = ContextContract.FallbackReason;

    /// <summary>Not context but a mechanism: a comma-separated list of further variable names the engine wants on the
    /// agent's leg for this call beyond the static list (for example <c>ivr_pickup</c>, the SIP headers, the UUI). The
    /// queue extension appends it to <c>cc_export_vars</c>, so the engine never overwrites the static list, and names
    /// nothing the static list names already.</summary>
    public const string ExportExtra = ContextContract.ExportExtra;

    /// <summary>Not context but a mechanism: the queue an <c>agent_X</c> transfer falls back to when agent X does not
    /// take the call (no answer, busy, not registered). The engine may set it before an agent transfer; unset, the
    /// dialplan uses <c>general</c>.</summary>
    public const string FallbackQueue = ContextContract.FallbackQueue;

    /// <summary>The UUI form: a compact ASCII <c>key=value&amp;key=value</c> of the essentials (by default the context
    /// id, the flow, the client id, the priority and the CTI code), at most 128 bytes, for systems that take ISDN-style
    /// user-to-user information (<see cref="UuiForm"/>). Set when <c>Flows:Budgets:Uui:Enabled</c>; the engine also
    /// sends it hex-encoded in the SIP <c>User-to-User</c> header when <c>Flows:Budgets:Uui:SipHeader</c>.</summary>
    public const string Uui = ContextContract.Uui;

    /// <summary>Set by an agent's edit while the call lives: the phone number just added to the card.</summary>
    public const string PhoneAdded = ContextContract.PhoneAdded;

    /// <summary>Set by an agent's edit: the newest note's text.</summary>
    public const string NoteLast = ContextContract.NoteLast;

    /// <summary>Set by an agent's edit: who wrote the newest note.</summary>
    public const string NoteAuthor = ContextContract.NoteAuthor;

    /// <summary>Set by an agent's edit: the card's version after it.</summary>
    public const string ClientVersion = ContextContract.ClientVersion;

    /// <summary>Set by an agent: the newest ticket (<c>subject [status]</c>).</summary>
    public const string TicketLast = ContextContract.TicketLast;

    /// <summary>Set by an agent's wrap-up: the disposition.</summary>
    public const string Disposition = ContextContract.Disposition;

    /// <summary>The static context contract, in the order of the dialplan's <c>cc_export_vars</c>: the names it lists
    /// that the engine or the flow sets (<see cref="ContextContract.ListedByDialplan"/> but <see cref="SetByDialplan"/>).</summary>
    public static IReadOnlyList<string> All { get; } =
        [.. ContextContract.Variables.Where(v => v.ListedByDialplan && !v.Source.HasFlag(ContextSource.Dialplan)).Select(v => v.Name)];

    /// <summary>The variables the dialplan sets itself and exports to agents along with <see cref="All"/>.</summary>
    public static IReadOnlyList<string> SetByDialplan { get; } =
        [.. ContextContract.Variables.Where(v => v.Source.HasFlag(ContextSource.Dialplan)).Select(v => v.Name)];

    private static readonly HashSet<string> s_listedByDialplan = new(ContextContract.ListedByDialplan, StringComparer.Ordinal);

    /// <summary>The names of <paramref name="names"/> that the queue extension's own <c>cc_export_vars</c> list does not
    /// name (<see cref="All"/> and <see cref="SetByDialplan"/>): what goes in <see cref="ExportExtra"/>, so that the
    /// list the dialplan builds names each variable once.</summary>
    public static IEnumerable<string> BeyondDialplanList(IEnumerable<string> names) => names.Where(n => !s_listedByDialplan.Contains(n));
}
