using IvrEngine.Scripts.Runtime;

namespace IvrEngine.Scripts;

/// <summary>Who puts a context variable on a call.</summary>
[Flags]
public enum ContextSource
{
    /// <summary>The engine, on its own (the context id, the campaign, the lists for mod_callcenter).</summary>
    Engine = 1,

    /// <summary>The flow interpreter, at a transfer (what the run learned), or a flow's own variable.</summary>
    Flow = 2,

    /// <summary>The FreeSWITCH dialplan, not the engine.</summary>
    Dialplan = 4,

    /// <summary>An agent's edit while the call lives (<c>uuid_setvar</c> from the desk).</summary>
    AgentEdit = 8,
}

/// <summary>One variable of the context contract.</summary>
/// <param name="Name">The channel variable (<c>ivr_flow</c>).</param>
/// <param name="CapBytes">The most UTF-8 bytes its value may have on the channel (<see cref="ChannelValue"/> cuts a
/// longer one); null when the value is a flow variable's (the collect step's <c>max</c>, the <c>set</c> expression's
/// <c>max</c>), the dialplan's, or a list the engine builds.</param>
/// <param name="Source">Who sets it.</param>
/// <param name="ListedByDialplan">True when the queue extension's own <c>cc_export_vars</c> list names it, so
/// mod_callcenter copies it to the agent's leg without <c>ivr_export_extra</c>.</param>
/// <param name="Token">True when the value is only ASCII letters, digits and <c>- _ . / * #</c> (a code, an id, a
/// number): the UUI form counts it at one byte a byte.</param>
public sealed record ContextVariable(string Name, int? CapBytes, ContextSource Source, bool ListedByDialplan, bool Token);

/// <summary>The context contract: every <c>ivr_*</c> channel variable that carries what the IVR learned about a caller to
/// whoever takes the call next, with its cap, who sets it and whether the dialplan's <c>cc_export_vars</c> names it.
/// It is the one place these names are written: the engine's <c>ContextVariables</c>, the interpreter's attach list,
/// the load-time budget check, the web desk's edits and the documentation's table (a test compares) all read it.</summary>
/// <remarks>It lives in the flow language's assembly, the lowest one, because the interpreter attaches most of these
/// values and the engine (which references the language, never the other way) sets the rest.</remarks>
public static class ContextContract
{
    /// <summary>The prefix of every context variable; a flow variable <c>pickup</c> rides as <c>ivr_pickup</c>.</summary>
    public const string Prefix = "ivr_";

    /// <summary>The id of this call's IVR context (a GUID).</summary>
    public const string ContextId = Prefix + "context_id";

    /// <summary>Which IVR flow served the call.</summary>
    public const string Flow = Prefix + "flow";

    /// <summary>The last step the caller reached before the transfer (<c>flow/step</c>).</summary>
    public const string LastStep = Prefix + "last_step";

    /// <summary>The language the caller used in the IVR.</summary>
    public const string Language = Prefix + "language";

    /// <summary>The marketing campaign of the dialed number.</summary>
    public const string Campaign = Prefix + "campaign";

    /// <summary>The customer-type code, one letter.</summary>
    public const string CtiCode = Prefix + "cti_code";

    /// <summary>Why the caller got that code, one line.</summary>
    public const string CtiReason = Prefix + "cti_reason";

    /// <summary>How the caller was identified.</summary>
    public const string MatchedBy = Prefix + "matched_by";

    /// <summary>The client's id in the store.</summary>
    public const string ClientId = Prefix + "client_id";

    /// <summary>The client's name on file.</summary>
    public const string ClientName = Prefix + "client_name";

    /// <summary>The client's category.</summary>
    public const string Category = Prefix + "category";

    /// <summary><c>true</c> when the client's account is overdue.</summary>
    public const string Overdue = Prefix + "overdue";

    /// <summary>The client's account manager.</summary>
    public const string Manager = Prefix + "manager";

    /// <summary>The caller's number when it is not on the client's card.</summary>
    public const string NewCallerNumber = Prefix + "new_caller_number";

    /// <summary>The transfer's priority (also <c>cc_base_score</c>).</summary>
    public const string TransferPriority = Prefix + "transfer_priority";

    /// <summary>The routing rule that chose.</summary>
    public const string RouteRule = Prefix + "route_rule";

    /// <summary>Why the call went where it went.</summary>
    public const string RouteReason = Prefix + "route_reason";

    /// <summary>The account number the caller keyed (the flow variable <c>account</c>).</summary>
    public const string Account = Prefix + "account";

    /// <summary>The number dialed; set by the dialplan.</summary>
    public const string Dnis = Prefix + "dnis";

    /// <summary>Why the call reached the agent by a fallback; set by the dialplan.</summary>
    public const string FallbackReason = Prefix + "fallback_reason";

    /// <summary>The names beyond the dialplan's <c>cc_export_vars</c> list, comma-separated.</summary>
    public const string ExportExtra = Prefix + "export_extra";

    /// <summary>The queue an agent transfer falls back to.</summary>
    public const string FallbackQueue = Prefix + "fallback_queue";

    /// <summary>The UUI form.</summary>
    public const string Uui = Prefix + "uui";

    /// <summary>An agent's edit: the phone number just added to the card.</summary>
    public const string PhoneAdded = Prefix + "phone_added";

    /// <summary>An agent's edit: the newest note's text.</summary>
    public const string NoteLast = Prefix + "note_last";

    /// <summary>An agent's edit: who wrote the newest note.</summary>
    public const string NoteAuthor = Prefix + "note_author";

    /// <summary>An agent's edit: the card's version after it.</summary>
    public const string ClientVersion = Prefix + "client_version";

    /// <summary>An agent's edit: the newest ticket.</summary>
    public const string TicketLast = Prefix + "ticket_last";

    /// <summary>An agent's wrap-up: the disposition, one of <see cref="Dispositions"/>.</summary>
    public const string Disposition = Prefix + "disposition";

    /// <summary>The values of <see cref="Disposition"/>, in the order the agent's desk offers them and the statistics
    /// count them: the call's matter was resolved, a call-back is due, it was escalated, nothing was to be done,
    /// something else.</summary>
    public static readonly IReadOnlyList<string> Dispositions = ["resolved", "callback", "escalated", "no-action", "other"];

    /// <summary>Not context: the channel variable a collection's digits land in when its caller names none.</summary>
    public const string DefaultCollectVariable = Prefix + "collected";

    /// <summary>The cap of an id (a GUID, 36 characters).</summary>
    public const int IdBytes = 36;

    /// <summary>The cap of a phone number as attached.</summary>
    public const int PhoneBytes = 32;

    /// <summary>The cap of free text an agent writes (a note, a ticket's subject).</summary>
    public const int AgentTextBytes = 1024;

    /// <summary>The cap of the UUI form (ISDN user-to-user information carries at most 128 bytes).</summary>
    public const int UuiBytes = 128;

    private const ContextSource E = ContextSource.Engine;
    private const ContextSource F = ContextSource.Flow;
    private const ContextSource D = ContextSource.Dialplan;
    private const ContextSource A = ContextSource.AgentEdit;

    /// <summary>The contract, one row per variable; the rows the dialplan lists come first, in the order of its
    /// <c>cc_export_vars</c>.</summary>
    public static IReadOnlyList<ContextVariable> Variables { get; } =
    [
        new(ContextId, IdBytes, E, ListedByDialplan: true, Token: true),
        new(Flow, AttachedValues.NameBytes, F, true, true),
        new(LastStep, (2 * AttachedValues.NameBytes) + 1, F, true, true),
        new(Language, AttachedValues.LanguageBytes, F | A, true, false),
        new(Campaign, AttachedValues.NameTextBytes, E, true, false),
        new(CtiCode, AttachedValues.CtiCodeBytes, F, true, true),
        new(CtiReason, AttachedValues.ReasonBytes, F, true, false),
        new(MatchedBy, AttachedValues.MatchedByBytes, F, true, true),
        new(ClientId, IdBytes, F | A, true, true),
        new(ClientName, AttachedValues.NameTextBytes, F | A, true, false),
        new(Category, AttachedValues.CategoryBytes, F | A, true, false),
        new(Overdue, AttachedValues.OverdueBytes, F, true, true),
        new(Manager, AttachedValues.NameTextBytes, F, true, false),
        new(NewCallerNumber, PhoneBytes, E, true, false),
        new(TransferPriority, AttachedValues.NumberBytes, F, true, true),
        new(RouteRule, AttachedValues.NameTextBytes, F, true, false),
        new(RouteReason, AttachedValues.ReasonBytes, F, true, false),
        new(Account, null, F, true, false),
        new(Dnis, null, D, true, false),
        new(FallbackReason, null, D, true, false),
        new(FallbackQueue, AttachedValues.NameTextBytes, F, false, false),
        new(ExportExtra, null, E, false, false),
        new(Uui, UuiBytes, E, false, false),
        new(PhoneAdded, PhoneBytes, A, false, false),
        new(NoteLast, AgentTextBytes, A, false, false),
        new(NoteAuthor, AttachedValues.NameTextBytes, A, false, false),
        new(ClientVersion, AttachedValues.NumberBytes, A, false, true),
        new(TicketLast, AgentTextBytes, A, false, false),
        new(Disposition, AttachedValues.NameTextBytes, A, false, false),
    ];

    private static readonly Dictionary<string, ContextVariable> s_byName = Variables.ToDictionary(v => v.Name, StringComparer.Ordinal);

    /// <summary>The row of a contract variable; null for a name outside the contract (a flow's own variable).</summary>
    public static ContextVariable? Find(string name) => s_byName.GetValueOrDefault(name);

    /// <summary>The cap of a contract variable; null when it has none (see <see cref="ContextVariable.CapBytes"/>) or
    /// the name is not in the contract.</summary>
    public static int? CapOf(string name) => Find(name)?.CapBytes;

    /// <summary>The cap of a contract variable that has one; throws for any other name (a bug in the caller).</summary>
    public static int Cap(string name) => CapOf(name) ?? throw new ArgumentException($"{name} has no cap in the context contract.", nameof(name));

    /// <summary>The names the dialplan's <c>cc_export_vars</c> list names, in its order.</summary>
    public static IReadOnlyList<string> ListedByDialplan { get; } = [.. Variables.Where(v => v.ListedByDialplan).Select(v => v.Name)];

    /// <summary>What the interpreter attaches of an identified client (and of an unknown one, the first three), in the
    /// order it attaches them.</summary>
    public static IReadOnlyList<string> ClientValues { get; } = [CtiCode, CtiReason, MatchedBy, ClientId, ClientName, Category, Overdue, Manager];

    /// <summary>What a route step can attach besides the priority.</summary>
    public static IReadOnlyList<string> RouteValues { get; } = [RouteRule, RouteReason, FallbackQueue];

    /// <summary>The names the interpreter attaches itself; a flow variable that would ride under one is not sent.</summary>
    public static IReadOnlySet<string> SetByRun { get; } =
        new HashSet<string>([Flow, LastStep, Language, .. ClientValues, TransferPriority, .. RouteValues], StringComparer.Ordinal);
}
