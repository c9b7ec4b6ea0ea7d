using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsvHelper;

namespace IvrEngine.Profiles;

/// <summary>Writes every client card to CSV or JSON in the shapes <see cref="ClientImporter"/> reads, so an export
/// imports again. Card numbers are not in the store, so cards are written as their last four digits
/// (<c>****1111</c>), which an import skips: cards are the one thing an export does not carry back.</summary>
public sealed class ClientExporter
{
    private const int FlushEvery = 1_000;
    private readonly IClientStore _store;

    /// <summary>Creates an exporter reading from <paramref name="store"/>.</summary>
    public ClientExporter(IClientStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <summary>How a card is shown in an export: <c>****</c> and the last four digits.</summary>
    public static string MaskedCard(CardReference card)
    {
        ArgumentNullException.ThrowIfNull(card);
        return "****" + card.Last4;
    }

    /// <summary>Exports to a file (created or overwritten); the format comes from its extension unless given.
    /// Returns how many clients were written.</summary>
    public async Task<int> ExportFileAsync(string path, ClientFileFormat? format = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var effective = ClientFileFormats.Resolve(path, format);
        var stream = ClientFileFormats.Open(path, forWriting: true);
        await using (stream)
        {
            return await ExportAsync(stream, effective, cancellationToken);
        }
    }

    /// <summary>Exports to a stream (UTF-8, no BOM); the stream is left open. Returns how many clients were written.</summary>
    public Task<int> ExportAsync(Stream output, ClientFileFormat format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        return format switch
        {
            ClientFileFormat.Csv => ExportCsvAsync(output, cancellationToken),
            ClientFileFormat.Json => ExportJsonAsync(output, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown format."),
        };
    }

    private async Task<int> ExportCsvAsync(Stream output, CancellationToken cancellationToken)
    {
        // No formula escaping: it would put a quote before every "+1..." phone and the file would not import again.
        var options = CsvWriterOptions.Default with { NewLine = "\n" };
        await using var writer = CsvWriter.Create(output, options, true);
        writer.WriteHeader([.. ClientFileFormats.Columns]);
        var count = 0;
        var fields = new string[ClientFileFormats.Columns.Count];
        await foreach (var card in _store.AllAsync(cancellationToken))
        {
            fields[0] = card.Name;
            fields[1] = card.Company ?? string.Empty;
            fields[2] = string.Join(';', card.Phones);
            fields[3] = string.Join(';', card.AccountNumbers);
            fields[4] = string.Join(';', card.Cards.Select(MaskedCard));
            fields[5] = card.Category;
            fields[6] = card.Language ?? string.Empty;
            fields[7] = card.Location?.City ?? string.Empty;
            fields[8] = card.Location?.Country ?? string.Empty;
            fields[9] = card.Location?.TimeZone ?? string.Empty;
            fields[10] = card.ManagerId ?? string.Empty;
            fields[11] = Amount(card.Balance);
            fields[12] = Amount(card.OverdueAmount);
            fields[13] = card.HasContract ? "true" : "false";
            fields[14] = string.Join('\n', card.Notes.Select(n => n.Text.Replace('\n', ' ').Replace("\r", string.Empty, StringComparison.Ordinal)));
            fields[15] = string.Join(';', card.OpenOrders.Select(o =>
                string.Join('|', Clean(o.Number), Clean(o.Stage), Clean(o.Responsible ?? string.Empty), Amount(o.Debt))));
            await writer.WriteRecordAsync(fields, cancellationToken);
            count++;
        }

        await writer.FlushAsync(cancellationToken);
        return count;
    }

    private async Task<int> ExportJsonAsync(Stream output, CancellationToken cancellationToken)
    {
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        await using var json = new Utf8JsonWriter(output, options);
        json.WriteStartArray();
        var count = 0;
        await foreach (var card in _store.AllAsync(cancellationToken))
        {
            json.WriteStartObject();
            json.WriteString("name", card.Name);
            WriteOptional(json, "company", card.Company);
            WriteList(json, "phones", card.Phones);
            WriteList(json, "accounts", card.AccountNumbers);
            WriteList(json, "cards", card.Cards.Select(MaskedCard));
            json.WriteString("category", card.Category);
            WriteOptional(json, "language", card.Language);
            WriteOptional(json, "city", card.Location?.City);
            WriteOptional(json, "country", card.Location?.Country);
            WriteOptional(json, "timezone", card.Location?.TimeZone);
            WriteOptional(json, "manager", card.ManagerId);
            json.WriteNumber("balance", card.Balance);
            json.WriteNumber("overdue", card.OverdueAmount);
            json.WriteBoolean("has_contract", card.HasContract);
            json.WriteStartArray("notes");
            foreach (var note in card.Notes)
            {
                json.WriteStartObject();
                json.WriteString("text", note.Text);
                json.WriteString("author", note.Author);
                json.WriteString("at", note.At);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("orders");
            foreach (var order in card.OpenOrders)
            {
                json.WriteStartObject();
                json.WriteString("number", order.Number);
                json.WriteString("stage", order.Stage);
                WriteOptional(json, "responsible", order.Responsible);
                json.WriteNumber("debt", order.Debt);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            if (++count % FlushEvery == 0) await json.FlushAsync(cancellationToken);
        }

        json.WriteEndArray();
        await json.FlushAsync(cancellationToken);
        return count;
    }

    private static string Amount(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>An order's text field without the characters that separate orders and their fields in CSV.</summary>
    private static string Clean(string text) => text.Replace('|', '/').Replace(';', ',');

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name);
        else json.WriteString(name, value);
    }

    private static void WriteList(Utf8JsonWriter json, string name, IEnumerable<string> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values) json.WriteStringValue(value);
        json.WriteEndArray();
    }
}
