namespace IvrEngine.Profiles;

/// <summary>An outgoing campaign: whom to call (its contacts), what runs when they answer (a flow), when and how fast
/// to call, and what to do after a busy line, no answer or a failure. The agents' campaign card is the
/// <see cref="Campaign"/> of <see cref="CardDnis"/> (direction outgoing).</summary>
public sealed class OutboundCampaign
{
    /// <summary>The key: letters, digits, '-' and '_' (it is in channel variables and URLs).</summary>
    public string Id { get; set; } = string.Empty;

    /// <summary>What admins and supervisors call it.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The campaign card's number: its <see cref="Campaign"/> is the card agents see, and an answered call runs
    /// the flow this number selects unless <see cref="Flow"/> names one.</summary>
    public string CardDnis { get; set; } = string.Empty;

    /// <summary>The flow an answered call runs (by name); null: the flow of <see cref="CardDnis"/>.</summary>
    public string? Flow { get; set; }

    /// <summary>The caller id presented to the contact.</summary>
    public string CallerIdNumber { get; set; } = string.Empty;

    /// <summary>The caller's name presented, where the network carries one.</summary>
    public string? CallerIdName { get; set; }

    /// <summary>How FreeSWITCH reaches a contact: a dial string with <c>{number}</c> for the contact's number, e.g.
    /// <c>sofia/gateway/pstn/{number}</c> or <c>user/{number}</c>.</summary>
    public string DialString { get; set; } = "user/{number}";

    /// <summary>How long a contact's phone rings before the attempt counts as not answered (originate_timeout).</summary>
    public int RingSeconds { get; set; } = 30;

    /// <summary>When contacts may be called, in each contact's own time zone.</summary>
    public CallingHours Hours { get; set; } = new();

    /// <summary>How fast the campaign dials.</summary>
    public DialPacing Pacing { get; set; } = new();

    /// <summary>After a busy line.</summary>
    public RetryRule Busy { get; set; } = new() { After = TimeSpan.FromMinutes(10), MaxAttempts = 3 };

    /// <summary>After no answer.</summary>
    public RetryRule NoAnswer { get; set; } = new() { After = TimeSpan.FromHours(1), MaxAttempts = 3 };

    /// <summary>After a failed attempt (the network refused it, a bad number, ...).</summary>
    public RetryRule Failed { get; set; } = new() { After = TimeSpan.FromHours(2), MaxAttempts = 2 };

    /// <summary>Whom the campaign calls, as the admin gave it (the query over clients, or the imported file's name),
    /// for the record: the contacts themselves are rows of their own.</summary>
    public string? Source { get; set; }

    /// <summary>Where it stands.</summary>
    public OutboundCampaignState State { get; set; } = OutboundCampaignState.Draft;

    /// <summary>When it was made.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Optimistic concurrency, as for cards.</summary>
    public int Version { get; set; }
}

/// <summary>A campaign's state: only a running campaign dials.</summary>
public enum OutboundCampaignState
{
    /// <summary>Being set up; not dialing.</summary>
    Draft,

    /// <summary>Dialing whenever contacts are due.</summary>
    Running,

    /// <summary>Not dialing new attempts; calls in progress go on. Resume runs it again.</summary>
    Paused,

    /// <summary>Ended by an admin: nothing more is dialed (not resumable).</summary>
    Stopped,

    /// <summary>Every contact is done.</summary>
    Completed,
}

/// <summary>Calling hours: a contact is called only between <see cref="From"/> and <see cref="To"/> on
/// <see cref="Days"/> in the contact's own time zone (<see cref="DefaultTimeZone"/> when the contact has none).</summary>
public sealed class CallingHours
{
    /// <summary>The earliest local time.</summary>
    public TimeOnly From { get; set; } = new(9, 0);

    /// <summary>The latest local time (an attempt starts before it).</summary>
    public TimeOnly To { get; set; } = new(20, 0);

    /// <summary>The days contacts may be called.</summary>
    public List<DayOfWeek> Days { get; set; } = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    /// <summary>An IANA time zone id, for contacts without one.</summary>
    public string DefaultTimeZone { get; set; } = "UTC";
}

/// <summary>How fast a campaign dials: at most <see cref="CallsPerSecond"/> new attempts each second and at most
/// <see cref="MaxConcurrent"/> calls at once; with <see cref="AgentQueue"/>, also no more calls at once than that
/// queue has agents available.</summary>
public sealed class DialPacing
{
    /// <summary>New attempts per second.</summary>
    public double CallsPerSecond { get; set; } = 1;

    /// <summary>Calls of the campaign at once (ringing or answered).</summary>
    public int MaxConcurrent { get; set; } = 10;

    /// <summary>A mod_callcenter queue (e.g. <c>collections@default</c>): one call per available agent.</summary>
    public string? AgentQueue { get; set; }
}

/// <summary>What follows an attempt of one outcome: another after <see cref="After"/>, while the contact has had fewer
/// than <see cref="MaxAttempts"/> attempts of any outcome.</summary>
public sealed class RetryRule
{
    /// <summary>The wait before the next attempt.</summary>
    public TimeSpan After { get; set; }

    /// <summary>Attempts in all after which the contact is not called again (1: no retry).</summary>
    public int MaxAttempts { get; set; } = 1;
}

/// <summary>One person a campaign calls, and what happened.</summary>
public sealed class CampaignContact
{
    /// <summary>The contact's id.</summary>
    public Guid Id { get; set; }

    /// <summary>The campaign.</summary>
    public string CampaignId { get; set; } = string.Empty;

    /// <summary>The client, when the contact is one (a query over clients, or a file row that names one).</summary>
    public Guid? ClientId { get; set; }

    /// <summary>The number dialed: E.164, or an extension.</summary>
    public string Phone { get; set; } = string.Empty;

    /// <summary>The name, for the supervisor's list.</summary>
    public string? Name { get; set; }

    /// <summary>The contact's IANA time zone (the campaign's default when the contact has none of its own).</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>Where the contact stands.</summary>
    public ContactStatus Status { get; set; } = ContactStatus.Pending;

    /// <summary>Attempts made (each one claimed, whatever its outcome).</summary>
    public int Attempts { get; set; }

    /// <summary>Not before then (null: as soon as the hours allow).</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>The outcome of the last attempt (<see cref="AttemptOutcomes"/>).</summary>
    public string? LastOutcome { get; set; }

    /// <summary>FreeSWITCH's hangup cause of the last attempt.</summary>
    public string? LastHangupCause { get; set; }

    /// <summary>When the last attempt was claimed.</summary>
    public DateTimeOffset? LastAttemptAt { get; set; }

    /// <summary>The call of the attempt in progress or the last one (its channel uuid, set before the originate).</summary>
    public string? CallUuid { get; set; }

    /// <summary>The engine that claimed the attempt in progress.</summary>
    public string? ClaimedBy { get; set; }

    /// <summary>What the answered call ended as: <see cref="ContactResults"/>.</summary>
    public string? Result { get; set; }

    /// <summary>The survey's answers (question -> DTMF), as the flow stored them.</summary>
    public Dictionary<string, string> Answers { get; set; } = [];

    /// <summary>The agent who took the call, when it reached one.</summary>
    public string? Agent { get; set; }

    /// <summary>Optimistic concurrency.</summary>
    public int Version { get; set; }
}

/// <summary>Where a contact stands.</summary>
public enum ContactStatus
{
    /// <summary>To be called (now, or at <see cref="CampaignContact.NextAttemptAt"/>).</summary>
    Pending,

    /// <summary>An attempt is in progress, claimed by one engine.</summary>
    Dialing,

    /// <summary>Answered: nothing more to do.</summary>
    Done,

    /// <summary>Not answered within the campaign's attempts.</summary>
    Exhausted,

    /// <summary>On the do-not-call list: never dialed.</summary>
    DoNotCall,

    /// <summary>The outcome of its last attempt is unknown (the engine that made it stopped before it learnt it): not
    /// called again, so that nobody is called twice.</summary>
    Unknown,
}

/// <summary>Outcomes of an attempt, from FreeSWITCH's own results.</summary>
public static class AttemptOutcomes
{
    /// <summary>The contact answered.</summary>
    public const string Answered = "answered";

    /// <summary>USER_BUSY.</summary>
    public const string Busy = "busy";

    /// <summary>NO_ANSWER, NO_USER_RESPONSE, or the ring time ran out.</summary>
    public const string NoAnswer = "no-answer";

    /// <summary>Any other cause.</summary>
    public const string Failed = "failed";

    /// <summary>Never learnt (see <see cref="ContactStatus.Unknown"/>).</summary>
    public const string Unknown = "unknown";
}

/// <summary>What an answered call ended as.</summary>
public static class ContactResults
{
    /// <summary>The flow ran to its end.</summary>
    public const string Completed = "completed";

    /// <summary>The flow transferred the call (to an agent's queue).</summary>
    public const string Transferred = "transferred";

    /// <summary>The contact asked not to be called again (added to the do-not-call list).</summary>
    public const string OptedOut = "opted-out";

    /// <summary>The contact hung up in the flow.</summary>
    public const string HungUp = "hung-up";
}

/// <summary>A number no campaign dials.</summary>
/// <param name="Phone">The number as dialed (E.164 or an extension).</param>
/// <param name="Reason">Why (the contact opted out, an admin added it).</param>
/// <param name="At">When it was added.</param>
public sealed record DoNotCallEntry(string Phone, string Reason, DateTimeOffset At);

/// <summary>A campaign's figures, over its whole life (they are counted from its contacts as they stand, not per period).</summary>
/// <param name="Contacts">Contacts in all.</param>
/// <param name="Pending">Contacts to be called (now or at a retry's time).</param>
/// <param name="Dialing">Contacts with an attempt in progress.</param>
/// <param name="Attempts">Attempts made, of every contact.</param>
/// <param name="Answered">Contacts who answered an attempt.</param>
/// <param name="Completed">Answered contacts whose call ran the flow to its end.</param>
/// <param name="Transferred">Answered contacts the flow transferred (to an agent's queue).</param>
/// <param name="OptedOut">Answered contacts who asked not to be called again.</param>
/// <param name="Exhausted">Contacts not answered within the campaign's attempts.</param>
/// <param name="DoNotCall">Contacts passed over because their number is on the do-not-call list.</param>
/// <param name="Unknown">Contacts whose last attempt's outcome was never learnt.</param>
/// <param name="Dialed">Contacts with at least one attempt.</param>
/// <param name="Busy">Contacts whose last attempt found the line busy (to be retried, or exhausted).</param>
/// <param name="NoAnswer">Contacts whose last attempt was not answered.</param>
/// <param name="Failed">Contacts whose last attempt failed (a bad number, the network refused it).</param>
public sealed record CampaignTotals(int Contacts, int Pending, int Dialing, int Attempts, int Answered, int Completed, int Transferred, int OptedOut,
    int Exhausted, int DoNotCall, int Unknown, int Dialed, int Busy, int NoAnswer, int Failed)
{
    /// <summary>Answered contacts per contact dialed, in percent (one decimal); null before any contact was dialed.</summary>
    public double? AnswerPercent => Dialed == 0 ? null : Math.Round(100.0 * Answered / Dialed, 1);
}

/// <summary>Where outgoing campaigns, their contacts and the do-not-call list are kept: in the client store (LiteDB or
/// PostgreSQL). Claims are atomic: with several engines on PostgreSQL each due contact goes to exactly one of them.</summary>
public interface IDialerStore
{
    /// <summary>Adds or replaces a campaign (its <see cref="OutboundCampaign.Version"/> must be the one read; 0 for a
    /// new one); returns it with the new version. Throws <see cref="InvalidOperationException"/> on a version clash.</summary>
    Task<OutboundCampaign> SaveCampaignAsync(OutboundCampaign campaign, CancellationToken cancellationToken = default);

    /// <summary>A campaign by id; null when unknown.</summary>
    Task<OutboundCampaign?> GetCampaignAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Every campaign, newest first.</summary>
    Task<IReadOnlyList<OutboundCampaign>> ListCampaignsAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds contacts to a campaign; a number the campaign has already is skipped. Returns how many were added.</summary>
    Task<int> AddContactsAsync(string campaignId, IReadOnlyCollection<CampaignContact> contacts, CancellationToken cancellationToken = default);

    /// <summary>A campaign's contacts in the order they were added, from <paramref name="skip"/>.</summary>
    Task<IReadOnlyList<CampaignContact>> ContactsAsync(string campaignId, int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>A contact by id.</summary>
    Task<CampaignContact?> GetContactAsync(Guid id, CancellationToken cancellationToken = default);

    /// <summary>The time zones of a campaign's pending contacts (the dialer asks which are within calling hours).</summary>
    Task<IReadOnlyList<string>> PendingTimeZonesAsync(string campaignId, CancellationToken cancellationToken = default);

    /// <summary>Claims up to <paramref name="max"/> contacts of the campaign that are pending, due at
    /// <paramref name="now"/> and in one of <paramref name="openTimeZones"/>, oldest due first, each for
    /// <paramref name="engine"/>: status Dialing, one more attempt, <see cref="CampaignContact.LastAttemptAt"/> now and
    /// a new <see cref="CampaignContact.CallUuid"/>. A due contact whose number is on the do-not-call list is not
    /// claimed: it becomes <see cref="ContactStatus.DoNotCall"/>. Atomic: a contact is claimed once however many
    /// engines claim at once.</summary>
    Task<IReadOnlyList<CampaignContact>> ClaimDueAsync(string campaignId, string engine, DateTimeOffset now, int max, IReadOnlyCollection<string> openTimeZones,
        CancellationToken cancellationToken = default);

    /// <summary>Stores the outcome of the attempt <paramref name="callUuid"/> of a contact claimed by this engine: the
    /// contact becomes <paramref name="status"/> (Pending again with <paramref name="nextAttemptAt"/> for a retry). An
    /// outcome for an attempt that is not the contact's current one is ignored (false).</summary>
    Task<bool> RecordAttemptAsync(Guid contactId, string callUuid, string outcome, string? hangupCause, ContactStatus status, DateTimeOffset? nextAttemptAt,
        CancellationToken cancellationToken = default);

    /// <summary>Stores what an answered call ended as: the result, the survey's answers and the agent.</summary>
    Task RecordResultAsync(Guid contactId, string callUuid, string result, IReadOnlyDictionary<string, string> answers, string? agent,
        CancellationToken cancellationToken = default);

    /// <summary>Stores the agent who took the answered call <paramref name="callUuid"/> of a contact (the dialer learns it
    /// from the queue's events when the call ends): on the contact, when that call is its last attempt, and on the
    /// call's interaction record, when the call has one. False when the contact's last attempt is another call.</summary>
    Task<bool> RecordAgentAsync(Guid contactId, string callUuid, string agent, CancellationToken cancellationToken = default);

    /// <summary>The contacts an engine had claimed whose attempts have no outcome (after a restart).</summary>
    Task<IReadOnlyList<CampaignContact>> DialingAsync(string engine, CancellationToken cancellationToken = default);

    /// <summary>A campaign's figures.</summary>
    Task<CampaignTotals> TotalsAsync(string campaignId, CancellationToken cancellationToken = default);

    /// <summary>Adds a number to the do-not-call list (again: keeps the first entry).</summary>
    Task AddDoNotCallAsync(DoNotCallEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Takes a number off the do-not-call list; false when it was not on it.</summary>
    Task<bool> RemoveDoNotCallAsync(string phone, CancellationToken cancellationToken = default);

    /// <summary>The do-not-call entry of a number; null when it is not on the list.</summary>
    Task<DoNotCallEntry?> FindDoNotCallAsync(string phone, CancellationToken cancellationToken = default);

    /// <summary>A page of the do-not-call list, in the order of the numbers (as stored: E.164 or an extension).</summary>
    Task<IReadOnlyList<DoNotCallEntry>> DoNotCallAsync(int skip, int take, CancellationToken cancellationToken = default);
}
