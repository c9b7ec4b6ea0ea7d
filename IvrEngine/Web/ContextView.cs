using IvrEngine.Profiles;

namespace IvrEngine.Web;

/// <summary>What a screen pop shows: the call, who the IVR found, the client's card (card numbers masked) and the
/// variables the engine attached.</summary>
public sealed record ContextView(
    string CallUuid,
    Guid ContextId,
    string Ani,
    string Dnis,
    DateTimeOffset StartedAt,
    string? CtiCode,
    string? CtiReason,
    string? MatchedBy,
    ClientView? Client,
    IReadOnlyDictionary<string, string> Variables);

/// <summary>A client card as agents see it: payment cards as their last four digits only, the newest notes and how
/// many more.</summary>
public sealed record ClientView(
    Guid Id,
    int Version,
    string Name,
    string? Company,
    IReadOnlyList<string> Phones,
    IReadOnlyList<string> Accounts,
    IReadOnlyList<string> Cards,
    string Category,
    string? Language,
    ClientLocation? Location,
    string? Manager,
    decimal Balance,
    decimal Overdue,
    bool HasContract,
    IReadOnlyList<OpenOrder> OpenOrders,
    IReadOnlyList<ClientNote> Notes,
    bool HasPhoto,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastContactAt)
{
    /// <summary>How many older notes <see cref="Notes"/> leaves out (it has the newest <c>Web:CardNotes</c>).</summary>
    public int MoreNotes { get; init; }

    /// <summary>The view of a card: its newest <paramref name="notes"/> notes, texts cut to <paramref name="noteChars"/>.</summary>
    public static ClientView Of(ClientCard card, int notes, int noteChars)
    {
        ArgumentNullException.ThrowIfNull(card);
        var newest = NoteWindow.Newest(card.Notes, notes, noteChars, out var more);
        return new ClientView(card.Id, card.Version, card.Name, card.Company, card.Phones, card.AccountNumbers,
            [.. card.Cards.Select(c => "****" + c.Last4)], card.Category, card.Language, card.Location, card.ManagerId,
            card.Balance, card.OverdueAmount, card.HasContract, card.OpenOrders, newest, card.PhotoId is not null,
            card.CreatedAt, card.LastContactAt)
        {
            MoreNotes = more,
        };
    }
}
