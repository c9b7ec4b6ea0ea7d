using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using IvrEngine.Profiles;

namespace IvrEngine.Web;

/// <summary>An agent's edit of a call's client card.</summary>
public sealed class ContextPatch
{
    /// <summary>The card version the agent read.</summary>
    public int? Version { get; set; }

    /// <summary>A phone number to add, any usual writing.</summary>
    public string? AddPhone { get; set; }

    /// <summary>A note to add.</summary>
    public NoteInput? Note { get; set; }

    /// <summary>A new category.</summary>
    public string? Category { get; set; }

    /// <summary>A new preferred language.</summary>
    public string? Language { get; set; }
}

/// <summary>A note in an edit.</summary>
public sealed class NoteInput
{
    /// <summary>The text, any content up to <see cref="ContextPatchRules.MaxNoteBytes"/>.</summary>
    public string? Text { get; set; }

    /// <summary>The agent.</summary>
    public string? Author { get; set; }
}

/// <summary>Reads and checks an edit; every refusal is a plain sentence.</summary>
public static partial class ContextPatchRules
{
    /// <summary>Largest note, in UTF-8 bytes.</summary>
    public const int MaxNoteBytes = 64 * 1024;

    /// <summary>Largest request body.</summary>
    public const int MaxBodyBytes = 256 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { AllowTrailingCommas = false, MaxDepth = 8 };

    /// <summary>Parses the body; null and a message when it is not an edit.</summary>
    public static (ContextPatch? Patch, string? Error) Parse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty) return (null, "the body is empty: send a JSON object such as {\"version\": 3, \"note\": {\"text\": \"...\", \"author\": \"agent-101\"}}");
        try
        {
            var patch = JsonSerializer.Deserialize<ContextPatch>(body, Json);
            return patch is null ? (null, "the body must be a JSON object") : (patch, null);
        }
        catch (JsonException ex)
        {
            return (null, $"the body is not a valid edit: {ex.Message}");
        }
    }

    /// <summary>Checks an edit; returns the refusals (empty: fine) and the normalized phone.</summary>
    public static List<string> Check(ContextPatch patch, PhoneNormalizer phones, out string? e164)
    {
        ArgumentNullException.ThrowIfNull(patch);
        ArgumentNullException.ThrowIfNull(phones);
        var errors = new List<string>();
        e164 = null;
        if (patch.Version is not { } version || version < 1) errors.Add("version is required: the card version you read (a positive number)");
        if (patch.AddPhone is null && patch.Note is null && patch.Category is null && patch.Language is null)
        {
            errors.Add("nothing to change: give addPhone, note, category or language");
        }

        if (patch.AddPhone is { } phone)
        {
            if (phone.Length > 64 || HasControl(phone)) errors.Add("addPhone is not a phone number");
            else if (!phones.TryNormalize(phone, out var normalized, out var error)) errors.Add($"addPhone is not a phone number: {error}");
            else e164 = normalized;
        }

        if (patch.Note is { } note)
        {
            if (string.IsNullOrWhiteSpace(note.Text)) errors.Add("note.text is empty");
            else if (Encoding.UTF8.GetByteCount(note.Text) > MaxNoteBytes) errors.Add($"note.text is longer than {MaxNoteBytes / 1024} KB");
            if (string.IsNullOrWhiteSpace(note.Author)) errors.Add("note.author is required (the agent's id)");
            else if (!Word().IsMatch(note.Author)) errors.Add("note.author must be an agent id: letters, digits, '.', '_', '-', '@', at most 64");
        }

        if (patch.Category is { } category && !Word().IsMatch(category)) errors.Add("category must be a word: letters, digits, '.', '_', '-', '@', at most 64");
        if (patch.Language is { } language && !LanguageTag().IsMatch(language)) errors.Add("language must be a language code such as en, ru, ka or pt-BR");
        return errors;
    }

    private static bool HasControl(string text)
    {
        foreach (var c in text)
        {
            if (char.IsControl(c)) return true;
        }

        return false;
    }

    [GeneratedRegex(@"^[\p{L}\p{N}._@-]{1,64}\z")]
    private static partial Regex Word();

    /// <summary>A language code such as en, ru, ka or pt-BR (what a card's language may be).</summary>
    internal static bool IsLanguage(string language) => LanguageTag().IsMatch(language);

    [GeneratedRegex(@"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?\z")]
    private static partial Regex LanguageTag();
}
