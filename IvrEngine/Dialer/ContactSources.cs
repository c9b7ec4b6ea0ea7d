using System.Text.RegularExpressions;
using CsvHelper;
using IvrEngine.Ivr;
using IvrEngine.Profiles;
using IvrEngine.Scripts.Expressions;

namespace IvrEngine.Dialer;

/// <summary>A row of a contact file that was not taken, and why.</summary>
/// <param name="Line">The line in the file (the header is line 1).</param>
/// <param name="Reason">Why, in plain words.</param>
public sealed record ContactRejection(int Line, string Reason);

/// <summary>Where a campaign's contacts come from: the clients a condition selects (the flows' expression language over
/// <c>Client</c>: <c>Client.Overdue &gt; 0 &amp;&amp; Client.Language == "en"</c>), or a CSV file
/// (<c>phone,name,timezone</c>; a phone known to the store is that client's contact).</summary>
public static partial class ContactSources
{
    /// <summary>The contacts of every client <paramref name="query"/> selects, each at the client's first phone, in the
    /// client's time zone (the campaign's default when the client has none). Throws <see cref="FormatException"/> with
    /// the parser's words for a query that does not compile, and with the client's id for one that fails on a client
    /// (a value it divides by is 0, say).</summary>
    public static async Task<IReadOnlyList<CampaignContact>> FromQueryAsync(IClientStore store, string query, OutboundCampaign campaign, DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(campaign);
        var condition = FlowExpression.Compile(query, condition: true);
        var contacts = new List<CampaignContact>();
        await foreach (var card in store.AllAsync(cancellationToken))
        {
            if (card.Phones.Count == 0) continue;
            var view = StoreFlowDirectory.View(card, "E", string.Empty, "phone");
            var scope = new FlowScope(card.Phones[0], campaign.CardDnis, new FlowVariables(), view, now.UtcDateTime, card.Language ?? "en");
            bool selected;
            try
            {
                selected = condition.IsTrue(scope);
            }
            catch (Exception ex) when (ex is NullReferenceException or ArithmeticException or InvalidCastException or IndexOutOfRangeException
                or ArgumentException or FormatException or InvalidOperationException)
            {
                throw new FormatException($"The query fails on client {card.Id} ({card.Name}): {ex.Message}", ex);
            }

            if (!selected) continue;
            contacts.Add(new CampaignContact
            {
                Id = Guid.CreateVersion7(),
                CampaignId = campaign.Id,
                ClientId = card.Id,
                Phone = card.Phones[0],
                Name = card.Name,
                TimeZone = KnownZone(card.Location?.TimeZone) ?? campaign.Hours.DefaultTimeZone,
            });
        }

        return contacts;
    }

    /// <summary>The contacts of a CSV file with a header naming <c>phone</c> (required), <c>name</c> and
    /// <c>timezone</c>. A phone is read as <see cref="PhoneNormalizer"/> reads it (to E.164), or kept as it is when it
    /// is an extension (2 to 6 digits); a phone the store knows brings its client (and the client's name and zone
    /// where the row has none). A bad row is reported and the rest taken; a number twice in the file is taken once. A
    /// file that is not CSV at all (no header with <c>phone</c>, a quote never closed) throws
    /// <see cref="FormatException"/> saying where.</summary>
    public static async Task<(IReadOnlyList<CampaignContact> Contacts, IReadOnlyList<ContactRejection> Rejected)> FromCsvAsync(
        Stream csv, OutboundCampaign campaign, PhoneNormalizer phones, IClientStore? store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(csv);
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(phones);
        // Broken quoting is refused with its line, not read on to the end of the file as one phone.
        var options = CsvReaderOptions.Default with
        {
            Separator = ',', TrackLineNumbers = true, SkipEmptyLines = true, MalformedData = CsvMalformedDataHandling.Throw,
        };
        await using var reader = CsvReader.Create(csv, options, true);
        try
        {
            await reader.ReadHeaderAsync(cancellationToken);
        }
        catch (CsvFormatException ex)
        {
            throw new FormatException($"The contact file's header cannot be read: {ex.Message}", ex);
        }

        var header = reader.Headers.Select(h => h.Trim().TrimStart('\uFEFF').ToLowerInvariant()).ToList();
        var phoneAt = header.IndexOf("phone");
        if (phoneAt < 0) throw new FormatException("The contact file's header has no 'phone' column (phone,name,timezone).");
        var nameAt = header.IndexOf("name");
        var zoneAt = header.IndexOf("timezone");

        var contacts = new List<CampaignContact>();
        var rejected = new List<ContactRejection>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (await ReadAsync(reader, cancellationToken))
        {
            var line = (int)Math.Min(int.MaxValue, reader.LineNumber);
            string? Field(int at) => at >= 0 && at < reader.FieldCount ? reader.GetString(at)?.Trim() : null;
            var raw = Field(phoneAt);
            if (string.IsNullOrEmpty(raw))
            {
                rejected.Add(new ContactRejection(line, "phone is missing"));
                continue;
            }

            if (!TryReadNumber(raw, phones, out var number, out var error))
            {
                rejected.Add(new ContactRejection(line, $"phone '{raw}' is not a phone number ({error})"));
                continue;
            }

            var zone = Field(zoneAt);
            if (!string.IsNullOrEmpty(zone) && KnownZone(zone) is null)
            {
                rejected.Add(new ContactRejection(line, $"time zone '{zone}' unknown"));
                continue;
            }

            if (!seen.Add(number))
            {
                rejected.Add(new ContactRejection(line, $"phone {number} is in the file twice"));
                continue;
            }

            var client = store is null || number[0] != '+' ? null : await store.FindByPhoneAsync(number, cancellationToken);
            contacts.Add(new CampaignContact
            {
                Id = Guid.CreateVersion7(),
                CampaignId = campaign.Id,
                ClientId = client?.Id,
                Phone = number,
                Name = Field(nameAt) is { Length: > 0 } name ? name : client?.Name,
                TimeZone = KnownZone(zone) ?? KnownZone(client?.Location?.TimeZone) ?? campaign.Hours.DefaultTimeZone,
            });
        }

        return (contacts, rejected);
    }

    private static async Task<bool> ReadAsync(CsvReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken);
        }
        catch (CsvFormatException ex)
        {
            throw new FormatException($"The contact file cannot be read at line {ex.LineNumber}: {ex.Message}", ex);
        }
    }

    /// <summary>A number as the dialer keeps it: an extension (2 to 6 digits) as it is, any other phone in E.164 as
    /// <paramref name="phones"/> reads it; false with the reason when it is neither.</summary>
    public static bool TryReadNumber(string raw, PhoneNormalizer phones, out string number, out string? error)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(phones);
        var trimmed = raw.Trim();
        error = null;
        if (Extension().IsMatch(trimmed))
        {
            number = trimmed;
            return true;
        }

        return phones.TryNormalize(trimmed, out number, out error);
    }

    private static string? KnownZone(string? zone) =>
        !string.IsNullOrWhiteSpace(zone) && TimeZoneInfo.TryFindSystemTimeZoneById(zone.Trim(), out _) ? zone.Trim() : null;

    [GeneratedRegex(@"^[0-9]{2,6}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Extension();
}
