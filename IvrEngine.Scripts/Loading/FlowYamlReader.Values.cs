using System.Globalization;
using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Loading;

internal sealed partial class FlowYamlReader
{
    private static readonly string[] SayTypes =
    [
        "number", "digits", "items", "persons", "messages", "currency", "time_measurement", "current_date", "current_time",
        "current_date_time", "short_date_time", "telephone_number", "telephone_extension", "url", "ip_address",
        "email_address", "postal_address", "account_number", "name_spelled", "name_phonetic",
    ];

    private static readonly string[] SayMethods = ["pronounced", "iterated", "counted"];

    private static readonly string[] SayFields = ["say", "type", "method"];

    private static readonly Lazy<string[]> KnownTimeZones = new(() =>
    {
        try
        {
            return [.. TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id)];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidTimeZoneException or System.Security.SecurityException)
        {
            return [];
        }
    });

    /// <summary>The value of a field that must be a single value, or null (reported when a list or mapping).</summary>
    private YScalar? Scalar(YPair pair, string owner)
    {
        if (pair.Value is YScalar scalar)
        {
            return scalar;
        }

        Error(pair.Value, $"{owner}: '{pair.Key.Value}' must be a single value, not {pair.Value.Describe}");
        return null;
    }

    /// <summary>A non-empty single value, trimmed; null when it is not (reported).</summary>
    private string? Text(YPair pair, string owner)
    {
        if (Scalar(pair, owner) is not { } scalar)
        {
            return null;
        }

        var text = scalar.IsNull ? string.Empty : scalar.Value.Trim();
        if (text.Length == 0)
        {
            Error(pair.Key, $"{owner}: '{pair.Key.Value}' is empty");
            return null;
        }

        return text;
    }

    private bool? Bool(YPair pair, string owner)
    {
        if (Text(pair, owner) is not { } text)
        {
            return null;
        }

        if (text.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (text.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        Error(pair.Value, $"{owner}: '{pair.Key.Value}' must be true or false, not '{text}'");
        return null;
    }

    private int? Int(YPair pair, string owner, int min, int max)
    {
        if (Text(pair, owner) is not { } text)
        {
            return null;
        }

        if (text.Length <= 9 && text.All(char.IsAsciiDigit) && int.Parse(text, CultureInfo.InvariantCulture) is var value && value >= min && value <= max)
        {
            return value;
        }

        Error(pair.Value, $"{owner}: '{pair.Key.Value}' must be a whole number from {min} to {max}, not '{text}'");
        return null;
    }

    /// <summary><c>5s</c>, <c>1500ms</c>, <c>2m</c> or a number of seconds; more than 0, at most an hour.</summary>
    private TimeSpan? Duration(YPair pair, string owner)
    {
        if (Text(pair, owner) is not { } text)
        {
            return null;
        }

        var duration = ParseDuration(text);
        if (duration is null)
        {
            Error(pair.Value, $"{owner}: '{pair.Key.Value}' '{text}' is not a duration (write 5s, 1500ms, 2m or a number of seconds)");
            return null;
        }

        if (duration <= TimeSpan.Zero || duration > TimeSpan.FromHours(1))
        {
            Error(pair.Value, $"{owner}: '{pair.Key.Value}' '{text}' must be more than 0 and at most an hour");
            return null;
        }

        return duration;
    }

    internal static TimeSpan? ParseDuration(string text)
    {
        var (number, unit) = text.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (text[..^2], 0.001)
            : text.EndsWith('s') || text.EndsWith('S') ? (text[..^1], 1.0)
            : text.EndsWith('m') || text.EndsWith('M') ? (text[..^1], 60.0)
            : (text, 1.0);
        number = number.Trim();
        if (number.Length is 0 or > 12 || !number.All(c => char.IsAsciiDigit(c) || c == '.') || number.Count(c => c == '.') > 1
            || !char.IsAsciiDigit(number[0]) || !char.IsAsciiDigit(number[^1]))
        {
            return null;
        }

        var seconds = double.Parse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture) * unit;
        return seconds > 86_400 ? TimeSpan.FromDays(1) + TimeSpan.FromTicks(1) : TimeSpan.FromMilliseconds(Math.Round(seconds * 1000));
    }

    /// <summary>One key: 0-9, * or #.</summary>
    private char? Key(YScalar scalar, string owner, string what)
    {
        var text = scalar.IsNull ? string.Empty : scalar.Value;
        if (text.Length == 1 && IsKeyChar(text[0]))
        {
            return text[0];
        }

        Error(scalar, text.Length == 0
            ? $"{owner}: {what} is empty (write \"#\" and \"*\" in quotes: a # starts a comment in YAML)"
            : $"{owner}: {what} '{text}' is not one of 0-9, * or #");
        return null;
    }

    private static bool IsKeyChar(char c) => char.IsAsciiDigit(c) || c is '*' or '#';

    /// <summary>An IANA time zone id the system knows, or null (reported).</summary>
    private string? TimeZone(YPair pair, string owner)
    {
        if (Text(pair, owner) is not { } id)
        {
            return null;
        }

        if (IsKnownTimeZone(id))
        {
            return id;
        }

        var hint = _diagnostics.Count < Suggest.MaxHintedProblems ? Suggest.Hint(id, KnownTimeZones.Value) : string.Empty;
        Error(pair.Value, $"time zone '{id}' is unknown{hint}");
        return null;
    }

    internal static bool IsKnownTimeZone(string id)
    {
        if (id.Length > 64 || id.Contains("..", StringComparison.Ordinal) || id.StartsWith('/')
            || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-' or '+'))
        {
            return false;
        }

        try
        {
            _ = TimeZoneInfo.FindSystemTimeZoneById(id);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Step ids and flow names: letters, digits, <c>_</c> and <c>-</c>.</summary>
    internal static bool IsId(string text) =>
        text.Length is > 0 and <= 100 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>Variable names: an id starting with a letter.</summary>
    internal static bool IsVariable(string text) => IsId(text) && char.IsAsciiLetter(text[0]);

    /// <summary>en, es, pt-BR, zh_CN, ...</summary>
    internal static bool IsLanguage(string text)
    {
        var parts = text.Split('-', '_');
        return parts[0].Length is 2 or 3 && parts[0].All(char.IsAsciiLetter)
            && parts.Skip(1).All(p => p.Length is >= 2 and <= 8 && p.All(char.IsAsciiLetterOrDigit));
    }

    /// <summary>Digits with spaces, dashes, dots or brackets between them, and an optional leading +.</summary>
    internal static bool IsPhoneNumber(string text)
    {
        var body = text.StartsWith('+') ? text[1..] : text;
        return body.Length is > 0 and <= 40 && body.Any(char.IsAsciiDigit)
            && body.All(c => char.IsAsciiDigit(c) || c is ' ' or '-' or '.' or '(' or ')');
    }

    /// <summary>Reports when an expression does not compile, with the position inside the file.</summary>
    /// <param name="scalar">Where it is written.</param>
    /// <param name="offset">Where the expression starts in the scalar's value (1 after a leading <c>=</c>).</param>
    /// <param name="condition">True for a condition (must give true or false).</param>
    /// <param name="what">How the message names it: <c>step 'x' condition</c>.</param>
    private void CheckExpression(YScalar scalar, int offset, bool condition, string what)
    {
        var text = scalar.Value[offset..];
        if (text.Trim().Length == 0)
        {
            Error(scalar, $"{what} is empty");
            return;
        }

        if (_expressions.Check(text, condition) is { } failure)
        {
            Error(_source.AtOffset(scalar, offset + failure.Position), $"{what} does not compile: {failure.Error}");
        }
    }

    /// <summary>One prompt item or a list of them; what could not be used is reported and left out.</summary>
    private List<Prompt> Prompts(YPair pair, string owner)
    {
        var prompts = new List<Prompt>();
        if (pair.Value is YScalar { IsNull: true } or YSequence { Items.Count: 0 })
        {
            Error(pair.Key, $"{owner}: '{pair.Key.Value}' has no prompt");
            return prompts;
        }

        var items = pair.Value is YSequence sequence ? sequence.Items : [pair.Value];
        foreach (var item in items)
        {
            if (Prompt(item, owner) is { } prompt)
            {
                prompts.Add(prompt);
            }
        }

        return prompts;
    }

    private Prompt? Prompt(YNode item, string owner)
    {
        switch (item)
        {
            case YScalar scalar when scalar.IsNull || scalar.Value.Trim().Length == 0:
                Error(item, $"{owner}: a prompt is empty");
                return null;
            case YScalar scalar:
                var text = scalar.Value.Trim();
                if (text.StartsWith("tone_stream://", StringComparison.Ordinal) || text.StartsWith("silence_stream://", StringComparison.Ordinal))
                {
                    return new StreamPrompt(text) { Span = At(item) };
                }

                if (text.Contains("://", StringComparison.Ordinal))
                {
                    Error(item, $"{owner}: prompt '{text}' is neither a sound file nor a tone_stream:// or silence_stream:// stream");
                    return null;
                }

                var file = new FilePrompt(text) { Span = At(item) };
                _flow.FilePrompts.Add(file);
                return file;
            case YMapping map:
                return Say(map, owner);
            default:
                Error(item, $"{owner}: a prompt is a sound file, a stream or {{ say: ..., type: ... }}, not {item.Describe}");
                return null;
        }
    }

    private SayPrompt? Say(YMapping map, string owner)
    {
        var fields = Fields(map, owner, SayFields, At(map));
        var say = Required(fields, "say", $"{owner}: a say prompt needs 'say' (an expression, e.g. Client.Balance)");
        var type = Required(fields, "type", $"{owner}: a say prompt needs 'type' ({string.Join(", ", SayTypes.Take(5))}, ...)");
        var ok = say is not null && type is not null;
        string? typeText = null;
        if (type is not null && Text(type, owner) is { } typeWritten)
        {
            typeText = typeWritten.ToLowerInvariant();
            if (!SayTypes.Contains(typeText))
            {
                Error(type.Value, $"{owner}: say type '{typeWritten}' is unknown to mod_say{Suggest.Hint(typeText, SayTypes)}");
                ok = false;
            }
        }

        var method = "pronounced";
        if (fields.Get("method") is { } methodPair && Text(methodPair, owner) is { } methodWritten)
        {
            method = methodWritten.ToLowerInvariant();
            if (!SayMethods.Contains(method))
            {
                Error(methodPair.Value, $"{owner}: say method '{methodWritten}' is not pronounced, iterated or counted");
                ok = false;
            }
        }

        string? value = null;
        if (say is not null && Scalar(say, owner) is { } sayScalar)
        {
            value = sayScalar.IsNull ? string.Empty : sayScalar.Value;
            CheckExpression(sayScalar, 0, condition: false, $"{owner} say");
        }

        return ok && value is not null && typeText is not null ? new SayPrompt(value, typeText, method) { Span = At(map) } : null;
    }
}
