using System.Globalization;
using IvrEngine.Profiles;
using IvrEngine.Scripts;

namespace IvrEngine.Web;

/// <summary>The card of a call as the agent's page shows it (see docs/agent-desktop.md).</summary>
public sealed record CardBody(CardCall Call, CardCampaign? Campaign, CardIvr Ivr, CardCti Cti, CardClient? Client, bool NewCaller, CardWrapUp? WrapUp);

/// <summary>The call part of a card.</summary>
public sealed record CardCall(string Uuid, DateTimeOffset StartedAt, string Direction, string Ani, string Dnis, string? State, string? Queue,
    int? WaitSeconds, CardAgent? Agent, bool Live);

/// <summary>The agent the call is with: extension and name.</summary>
public sealed record CardAgent(string? Agent, string? Extension, string? Name);

/// <summary>The campaign card of the dialed number.</summary>
public sealed record CardCampaign(string Dnis, string Name, string? Service, string? Language, string? Hints, string Direction);

/// <summary>What the IVR did.</summary>
public sealed record CardIvr(string? Flow, IReadOnlyList<string> Path, IReadOnlyDictionary<string, string> Keyed, string? RouteRule,
    string? RouteReason, string? LastStep, string? Outcome);

/// <summary>The customer-type code and why.</summary>
public sealed record CardCti(string? Code, string? Reason);

/// <summary>The wrap-up saved on the call.</summary>
public sealed record CardWrapUp(string Disposition, string? Note, DateTimeOffset? At);

/// <summary>A client as agents see it: payment cards and accounts masked, the newest notes (texts cut to
/// <c>Web:CardNoteChars</c>) and how many more.</summary>
public sealed record CardClient(Guid Id, int Version, string Name, string? Company, string Category, string PhotoUrl, bool HasPhoto,
    IReadOnlyList<string> Phones, IReadOnlyList<string> Accounts, IReadOnlyList<string> Cards, CardLocation? Location, string? Language,
    string? Manager, decimal Balance, decimal Overdue, IReadOnlyList<CardNote> Notes, IReadOnlyList<CardOrder> Orders,
    IReadOnlyList<CardTicket> Tickets, IReadOnlyList<CardContact> LastContacts)
{
    /// <summary>How many older notes <see cref="Notes"/> leaves out (it has the newest <c>Web:CardNotes</c>).</summary>
    public int MoreNotes { get; init; }
}

/// <summary>Where the client is and the time there now.</summary>
public sealed record CardLocation(string? City, string? Country, string? TimeZone, string? LocalTime);

/// <summary>A note: who, when, what.</summary>
public sealed record CardNote(string Text, string Author, DateTimeOffset At);

/// <summary>An open order.</summary>
public sealed record CardOrder(string Number, string Stage, string? Responsible, decimal Debt);

/// <summary>A ticket.</summary>
public sealed record CardTicket(Guid Id, string Subject, string Status, string? Owner, DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt, int Version);

/// <summary>An earlier call.</summary>
public sealed record CardContact(DateTimeOffset At, string? Campaign, string Outcome, string? Agent, string? Queue, string? Disposition);

/// <summary>A search hit: enough to recognise the client, not the whole card.</summary>
public sealed record ClientHit(Guid Id, string Name, string? Company, string? City, string? PhoneHint, int Version);

/// <summary>An audit entry as shown.</summary>
public sealed record AuditView(DateTimeOffset At, string By, string What, string? Old, string? New, string? CallUuid, int Version);

/// <summary>Builds the views.</summary>
internal static class CardViews
{
    /// <summary>The ticket statuses.</summary>
    public static readonly IReadOnlyList<string> TicketStatuses = ["open", "in-progress", "waiting", "resolved", "closed"];

    /// <summary>The dispositions of a wrap-up.</summary>
    public static IReadOnlyList<string> Dispositions => ContextContract.Dispositions;

    public static CardClient Client(ClientCard card, IReadOnlyList<Ticket> tickets, IReadOnlyList<CardContact> contacts, DateTimeOffset now,
        int notes, int noteChars)
    {
        var newest = NoteWindow.Newest(card.Notes, notes, noteChars, out var more);
        return new(
            card.Id, card.Version, card.Name, card.Company, card.Category, $"/api/clients/{card.Id:D}/photo?v={card.Version}", card.PhotoId is not null,
            [.. card.Phones], [.. card.AccountNumbers.Select(MaskAccount)], [.. card.Cards.Select(c => "**** " + c.Last4)],
            card.Location is { } l ? new CardLocation(l.City, l.Country, l.TimeZone, LocalTime(l.TimeZone, now)) : null,
            card.Language, card.ManagerId, card.Balance, card.OverdueAmount,
            [.. newest.Select(n => new CardNote(n.Text, n.Author, n.At))],
            [.. card.OpenOrders.Select(o => new CardOrder(o.Number, o.Stage, o.Responsible, o.Debt))],
            [.. tickets.Where(t => t.Status is not ("closed" or "resolved")).OrderByDescending(t => t.CreatedAt).Select(Ticket)],
            contacts)
        {
            MoreNotes = more,
        };
    }

    public static CardTicket Ticket(Ticket t) => new(t.Id, t.Subject, t.Status, t.Owner, t.CreatedAt, t.UpdatedAt, t.Version);

    public static ClientHit Hit(ClientCard card) => new(card.Id, card.Name, card.Company, card.Location?.City,
        card.Phones.FirstOrDefault() is { Length: > 4 } p ? "…" + p[^4..] : null, card.Version);

    /// <summary>An account as shown: its last four digits.</summary>
    public static string MaskAccount(string account) => account.Length <= 4 ? new string('*', account.Length) : "****" + account[^4..];

    /// <summary>The time in the client's zone now (<c>2026-12-04 23:41 (+04:00)</c>); null for an unknown zone.</summary>
    public static string? LocalTime(string? timeZone, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(timeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone)) return null;
        var local = TimeZoneInfo.ConvertTime(now, zone);
        return local.ToString("yyyy-MM-dd HH:mm '('zzz')'", CultureInfo.InvariantCulture);
    }
}
