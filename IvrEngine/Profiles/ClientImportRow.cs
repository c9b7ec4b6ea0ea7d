using System.Globalization;
using System.Text.Json;

namespace IvrEngine.Profiles;

/// <summary>One client as written in an import file, before any checking: every value still text.</summary>
internal sealed class ClientImportRow
{
    public int Line { get; set; }

    public string Name { get; set; } = string.Empty;

    public string? Company { get; set; }

    public List<string> Phones { get; } = [];

    public List<string> Accounts { get; } = [];

    public List<string> Cards { get; } = [];

    public string? Category { get; set; }

    public string? Language { get; set; }

    public string? City { get; set; }

    public string? Country { get; set; }

    public string? TimeZone { get; set; }

    public string? Manager { get; set; }

    public string? Balance { get; set; }

    public string? Overdue { get; set; }

    public string? HasContract { get; set; }

    public List<ClientNote> Notes { get; } = [];

    public List<ImportOrder> Orders { get; } = [];

    /// <summary>A problem found while reading the row's shape (JSON types), reported before the values are checked.</summary>
    public string? ShapeError { get; set; }

    /// <summary>Splits a <c>;</c>-separated list, dropping blanks.</summary>
    public static void AddList(List<string> target, string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return;
        foreach (var part in text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)) target.Add(part);
    }

    /// <summary>CSV notes: one note per line of the field.</summary>
    public void AddNoteLines(string? text, DateTimeOffset at)
    {
        if (string.IsNullOrWhiteSpace(text)) return;
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            Notes.Add(new ClientNote { Text = line, Author = "import", At = at });
        }
    }

    /// <summary>CSV orders: <c>number|stage|responsible|debt</c>, several separated by <c>;</c>.</summary>
    public void AddOrderList(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return;
        foreach (var part in text.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = part.Split('|', StringSplitOptions.TrimEntries);
            Orders.Add(new ImportOrder(
                fields[0],
                fields.Length > 1 ? fields[1] : null,
                fields.Length > 2 ? fields[2] : null,
                fields.Length > 3 ? fields[3] : null));
        }
    }

    /// <summary>Reads one JSON array item. Lists may be arrays or <c>;</c>-separated strings; numbers and booleans may
    /// be JSON numbers/booleans or strings.</summary>
    public static ClientImportRow FromJson(JsonElement item, int position, DateTimeOffset now)
    {
        var row = new ClientImportRow { Line = position };
        if (item.ValueKind != JsonValueKind.Object)
        {
            row.ShapeError = $"item is a JSON {item.ValueKind.ToString().ToLowerInvariant()}, not an object";
            return row;
        }

        foreach (var property in item.EnumerateObject())
        {
            var key = property.Name.Trim().ToLowerInvariant();
            var value = property.Value;
            switch (key)
            {
                case "name": row.Name = Text(value) ?? string.Empty; break;
                case "company": row.Company = Text(value); break;
                case "phones": AddJsonList(row.Phones, value); break;
                case "accounts": AddJsonList(row.Accounts, value); break;
                case "cards": AddJsonList(row.Cards, value); break;
                case "category": row.Category = Text(value); break;
                case "language": row.Language = Text(value); break;
                case "city": row.City = Text(value); break;
                case "country": row.Country = Text(value); break;
                case "timezone": row.TimeZone = Text(value); break;
                case "manager": row.Manager = Text(value); break;
                case "balance": row.Balance = Text(value); break;
                case "overdue": row.Overdue = Text(value); break;
                case "has_contract": row.HasContract = Text(value); break;
                case "notes": row.AddJsonNotes(value, now); break;
                case "orders": row.AddJsonOrders(value); break;
                default: break; // unknown fields are ignored in JSON (exports of newer versions may carry more)
            }
        }

        return row;
    }

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };

    private static void AddJsonList(List<string> target, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var element in value.EnumerateArray())
            {
                var text = Text(element)?.Trim();
                if (!string.IsNullOrEmpty(text)) target.Add(text);
            }
        }
        else
        {
            AddList(target, Text(value));
        }
    }

    private void AddJsonNotes(JsonElement value, DateTimeOffset now)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                foreach (var element in value.EnumerateArray())
                {
                    if (element.ValueKind == JsonValueKind.Object)
                    {
                        var text = element.TryGetProperty("text", out var t) ? Text(t) : null;
                        if (string.IsNullOrWhiteSpace(text)) continue;
                        var author = element.TryGetProperty("author", out var a) ? Text(a) : null;
                        var at = now;
                        if (element.TryGetProperty("at", out var when) && when.ValueKind == JsonValueKind.String
                            && DateTimeOffset.TryParse(when.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                        {
                            at = parsed;
                        }

                        Notes.Add(new ClientNote { Text = text, Author = string.IsNullOrWhiteSpace(author) ? "import" : author, At = at });
                    }
                    else if (Text(element) is { } plain && !string.IsNullOrWhiteSpace(plain))
                    {
                        Notes.Add(new ClientNote { Text = plain, Author = "import", At = now });
                    }
                }

                break;
            case JsonValueKind.String:
                AddNoteLines(value.GetString(), now);
                break;
            default:
                break;
        }
    }

    private void AddJsonOrders(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            AddOrderList(value.GetString());
            return;
        }

        if (value.ValueKind != JsonValueKind.Array) return;
        foreach (var element in value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                ShapeError ??= "an order is not an object";
                continue;
            }

            Orders.Add(new ImportOrder(
                element.TryGetProperty("number", out var n) ? Text(n) ?? string.Empty : string.Empty,
                element.TryGetProperty("stage", out var s) ? Text(s) : null,
                element.TryGetProperty("responsible", out var r) ? Text(r) : null,
                element.TryGetProperty("debt", out var d) ? Text(d) : null));
        }
    }
}

/// <summary>An order as written in an import file.</summary>
internal sealed record ImportOrder(string Number, string? Stage, string? Responsible, string? Debt);
