namespace IvrEngine.Profiles;

/// <summary>Everything the engine knows about a client: what the IVR and the agents see. Stored as one document.</summary>
public sealed class ClientCard
{
    /// <summary>Identity (the store's key).</summary>
    public Guid Id { get; set; }

    /// <summary>Full name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Company, for business clients.</summary>
    public string? Company { get; set; }

    /// <summary>Phone numbers in E.164 (<c>+15551234567</c>); normalize with <see cref="PhoneNormalizer"/> before storing.</summary>
    public List<string> Phones { get; set; } = [];

    /// <summary>Account numbers, as keyed on a phone (digits).</summary>
    public List<string> AccountNumbers { get; set; } = [];

    /// <summary>Payment cards: only a fingerprint for lookup and the last four digits for display; never the number.</summary>
    public List<CardReference> Cards { get; set; } = [];

    /// <summary>regular, vip, problem, ... (see <see cref="ClientCategories"/>).</summary>
    public string Category { get; set; } = ClientCategories.Regular;

    /// <summary>Free notes, who wrote them and when.</summary>
    public List<ClientNote> Notes { get; set; } = [];

    /// <summary>Preferred language (e.g. <c>en</c>, <c>ru</c>, <c>ka</c>).</summary>
    public string? Language { get; set; }

    /// <summary>Where the client is.</summary>
    public ClientLocation? Location { get; set; }

    /// <summary>The personal manager (agent) the client is assigned to.</summary>
    public string? ManagerId { get; set; }

    /// <summary>Current balance (positive: the client owes).</summary>
    public decimal Balance { get; set; }

    /// <summary>The part of the balance that is overdue.</summary>
    public decimal OverdueAmount { get; set; }

    /// <summary>Has a signed contract (a client without one and without orders is a prospect).</summary>
    public bool HasContract { get; set; }

    /// <summary>Orders not yet closed.</summary>
    public List<OpenOrder> OpenOrders { get; set; } = [];

    /// <summary>Id of the photo in the store's file storage, if any.</summary>
    public string? PhotoId { get; set; }

    /// <summary>When the card was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The last call with the client.</summary>
    public DateTimeOffset? LastContactAt { get; set; }

    /// <summary>Optimistic concurrency: bumped by every accepted write; a write carrying an older version is refused.</summary>
    public int Version { get; set; }
}

/// <summary>The categories the engine knows; a deployment may add its own.</summary>
public static class ClientCategories
{
    /// <summary>An ordinary client.</summary>
    public const string Regular = "regular";

    /// <summary>A VIP.</summary>
    public const string Vip = "vip";

    /// <summary>A problem client (disputes, complaints).</summary>
    public const string Problem = "problem";

    /// <summary>A known contact without contract or orders.</summary>
    public const string Prospect = "prospect";
}

/// <summary>A payment card as stored: a keyed fingerprint of the number and its last four digits.</summary>
public sealed class CardReference
{
    /// <summary>HMAC-SHA256 of the digits, hex.</summary>
    public string Fingerprint { get; set; } = string.Empty;

    /// <summary>Last four digits.</summary>
    public string Last4 { get; set; } = string.Empty;
}

/// <summary>A note on a card.</summary>
public sealed class ClientNote
{
    /// <summary>The text, any content.</summary>
    public string Text { get; set; } = string.Empty;

    /// <summary>Who wrote it (agent id or "ivr").</summary>
    public string Author { get; set; } = string.Empty;

    /// <summary>When.</summary>
    public DateTimeOffset At { get; set; }
}

/// <summary>City, country and time zone.</summary>
public sealed class ClientLocation
{
    /// <summary>City.</summary>
    public string? City { get; set; }

    /// <summary>ISO 3166 alpha-2 country code.</summary>
    public string? Country { get; set; }

    /// <summary>IANA time zone (e.g. <c>Asia/Tbilisi</c>).</summary>
    public string? TimeZone { get; set; }
}

/// <summary>An order not yet closed.</summary>
public sealed class OpenOrder
{
    /// <summary>Order number.</summary>
    public string Number { get; set; } = string.Empty;

    /// <summary>Where it is (new, in progress, shipped, ...).</summary>
    public string Stage { get; set; } = string.Empty;

    /// <summary>The employee responsible.</summary>
    public string? Responsible { get; set; }

    /// <summary>Amount still owed on it.</summary>
    public decimal Debt { get; set; }
}

/// <summary>One call with a client, for history and for the repeat-contact code.</summary>
public sealed class InteractionRecord
{
    /// <summary>Identity.</summary>
    public Guid Id { get; set; }

    /// <summary>The client, when identified.</summary>
    public Guid? ClientId { get; set; }

    /// <summary>The call's Unique-ID.</summary>
    public string CallUuid { get; set; } = string.Empty;

    /// <summary>When the call reached the engine.</summary>
    public DateTimeOffset At { get; set; }

    /// <summary>inbound or outbound.</summary>
    public string Direction { get; set; } = "inbound";

    /// <summary>The caller's number, E.164 when it could be normalized.</summary>
    public string CallerNumber { get; set; } = string.Empty;

    /// <summary>The dialed number (DNIS).</summary>
    public string DialedNumber { get; set; } = string.Empty;

    /// <summary>The flow that ran.</summary>
    public string? Flow { get; set; }

    /// <summary>The steps taken, in order.</summary>
    public List<string> Steps { get; set; } = [];

    /// <summary>What was collected, masked (account and card numbers, PINs never stored whole).</summary>
    public Dictionary<string, string> Collected { get; set; } = [];

    /// <summary>transferred, self-service, hung-up, abandoned, ...</summary>
    public string Outcome { get; set; } = string.Empty;

    /// <summary>The queue it went to.</summary>
    public string? Queue { get; set; }

    /// <summary>The agent who took it.</summary>
    public string? Agent { get; set; }

    /// <summary>Time in the IVR.</summary>
    public TimeSpan IvrDuration { get; set; }

    /// <summary>Whole call, when known.</summary>
    public TimeSpan? TotalDuration { get; set; }

    /// <summary>The agent's disposition (wrap-up code), when set.</summary>
    public string? Disposition { get; set; }

    /// <summary>The outgoing campaign whose dialer placed the call (its id); null for a call that came in.</summary>
    public string? Campaign { get; set; }

    /// <summary>FreeSWITCH's hangup cause of a dialed attempt nobody answered (USER_BUSY, NO_ANSWER, ...).</summary>
    public string? HangupCause { get; set; }

    /// <summary>The agent's wrap-up note.</summary>
    public string? WrapUpNote { get; set; }

    /// <summary>When the wrap-up was saved.</summary>
    public DateTimeOffset? WrapUpAt { get; set; }

    /// <summary>A call's record with a wrap-up on it: <paramref name="record"/> (the call's, when the IVR wrote one), else
    /// a minimal one made for the wrap-up; the same for every store.</summary>
    internal static InteractionRecord WithWrapUp(InteractionRecord? record, string callUuid, WrapUp wrapUp)
    {
        record ??= new InteractionRecord
        {
            Id = Guid.CreateVersion7(),
            CallUuid = callUuid,
            At = wrapUp.At,
            Outcome = "wrap-up",
        };

        record.Disposition = wrapUp.Disposition;
        record.WrapUpNote = wrapUp.Note;
        record.WrapUpAt = wrapUp.At;
        if (wrapUp.Agent.Length > 0) record.Agent = wrapUp.Agent;
        return record;
    }
}

/// <summary>A request created from a call.</summary>
public sealed class Ticket
{
    /// <summary>Identity.</summary>
    public Guid Id { get; set; }

    /// <summary>The client.</summary>
    public Guid ClientId { get; set; }

    /// <summary>The call it came from.</summary>
    public string? CallUuid { get; set; }

    /// <summary>What it is about.</summary>
    public string Subject { get; set; } = string.Empty;

    /// <summary>open, in-progress, closed.</summary>
    public string Status { get; set; } = "open";

    /// <summary>Who owns it.</summary>
    public string? Owner { get; set; }

    /// <summary>When it was created.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When it was last changed.</summary>
    public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>Optimistic concurrency, as on cards.</summary>
    public int Version { get; set; }
}

/// <summary>A dialed number and the service it stands for.</summary>
public sealed class Campaign
{
    /// <summary>The dialed number (the key).</summary>
    public string Dnis { get; set; } = string.Empty;

    /// <summary>Name of the campaign or service.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The service line (bank, taxi, clinic, ...).</summary>
    public string? Service { get; set; }

    /// <summary>Default language of callers on this number.</summary>
    public string? Language { get; set; }

    /// <summary>The campaign card agents see: hints or a short script for this service, written by admins.</summary>
    public string? Hints { get; set; }

    /// <summary>incoming or outgoing.</summary>
    public string Direction { get; set; } = "incoming";
}
