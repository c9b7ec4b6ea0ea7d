using System.Globalization;
using CsvHelper;
using IvrEngine.Profiles;

namespace IvrEngine.Dialer;

/// <summary>A campaign's results per contact as CSV (the command line's <c>campaign results</c>, the statistics page's
/// download): a value a spreadsheet would run as a formula is escaped.</summary>
public static class CampaignResults
{
    /// <summary>The columns.</summary>
    public static readonly IReadOnlyList<string> Columns =
        ["phone", "name", "client_id", "status", "attempts", "last_attempt_at", "last_outcome", "hangup_cause", "result", "agent", "answers"];

    /// <summary>Writes every contact of the campaign, a page at a time.</summary>
    public static async Task WriteCsvAsync(Stream output, IDialerStore store, string campaignId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(store);
        var options = CsvWriterOptions.Default with { Injection = CsvInjection.Escape };
        await using var writer = CsvWriter.Create(output, options, true);
        writer.WriteHeader([.. Columns]);
        const int Page = 1000;
        for (var skip = 0; ; skip += Page)
        {
            var page = await store.ContactsAsync(campaignId, skip, Page, cancellationToken);
            foreach (var c in page) await writer.WriteRecordAsync(Cells(c), cancellationToken);
            if (page.Count < Page) break;
        }

        await writer.FlushAsync(cancellationToken);
    }

    /// <summary>One contact's row.</summary>
    public static string[] Cells(CampaignContact c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return
        [
            c.Phone, c.Name ?? string.Empty, c.ClientId?.ToString() ?? string.Empty, c.Status.ToString().ToLowerInvariant(),
            c.Attempts.ToString(CultureInfo.InvariantCulture),
            c.LastAttemptAt is { } at ? at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : string.Empty,
            c.LastOutcome ?? string.Empty, c.LastHangupCause ?? string.Empty, c.Result ?? string.Empty, c.Agent ?? string.Empty,
            string.Join(';', c.Answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => a.Key + "=" + a.Value)),
        ];
    }
}
