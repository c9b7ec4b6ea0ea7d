using System.Text;

namespace IvrEngine.Scripts.Runtime;

/// <summary>The size caps of the values the interpreter attaches to a call (the context contract's values it fills),
/// and the one way every attached value is made safe and cut to size.</summary>
/// <remarks>Sizes are UTF-8 bytes. A value over its cap is cut at a character boundary (never inside a UTF-8
/// sequence or a surrogate pair) and ends in <see cref="Cut"/>, which counts in the cap, so an agent sees that
/// something is missing. Control characters (line breaks, tabs, NUL) become spaces: a value is one line wherever it
/// goes (a channel variable, a SIP header, an agent's screen); so do the Unicode line and paragraph separators.</remarks>
public static class AttachedValues
{
    /// <summary>What ends a value that was cut: "…" (3 bytes in UTF-8).</summary>
    public const string Cut = "\u2026";

    /// <summary>The bytes of <see cref="Cut"/>.</summary>
    public const int CutBytes = 3;

    /// <summary>A flow or sub-flow name as attached (<c>ivr_flow</c>), and a step id: at most 100 characters, all ASCII.</summary>
    public const int NameBytes = 100;

    /// <summary>A language code from the client's profile (<c>ivr_language</c>); the flow's own codes are shorter.</summary>
    public const int LanguageBytes = 16;

    /// <summary>The customer-type code (<c>ivr_cti_code</c>): one letter, a few in deployments that add their own.</summary>
    public const int CtiCodeBytes = 8;

    /// <summary>Why the caller got the code (<c>ivr_cti_reason</c>), and why a routing rule chose
    /// (<c>ivr_route_reason</c>): one line for the agent.</summary>
    public const int ReasonBytes = 128;

    /// <summary>How the caller was identified (<c>ivr_matched_by</c>): phone, account, card, none.</summary>
    public const int MatchedByBytes = 16;

    /// <summary>The client's id in the store (<c>ivr_client_id</c>): a GUID, 36 characters.</summary>
    public const int ClientIdBytes = 36;

    /// <summary>Free text from the client's record (<c>ivr_client_name</c>) and names the routing rules give
    /// (<c>ivr_manager</c>, <c>ivr_route_rule</c>, <c>ivr_fallback_queue</c>).</summary>
    public const int NameTextBytes = 64;

    /// <summary>The client's category (<c>ivr_category</c>).</summary>
    public const int CategoryBytes = 32;

    /// <summary><c>ivr_overdue</c>: true or false.</summary>
    public const int OverdueBytes = 5;

    /// <summary>A whole number (<c>ivr_transfer_priority</c>): <c>-2147483648</c> at most.</summary>
    public const int NumberBytes = 11;

    /// <summary>A collect step's <c>&lt;into&gt;_status</c>: ok, no-input, invalid.</summary>
    public const int StatusBytes = 8;

    /// <summary>The caps of the contract values the interpreter fills, by attached name. <c>ivr_flow</c> and
    /// <c>ivr_last_step</c> are the flow's names (<see cref="NameBytes"/>, and a flow and a step joined by
    /// <c>/</c>).</summary>
    public static IReadOnlyDictionary<string, int> Caps { get; } = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["ivr_flow"] = NameBytes,
        ["ivr_last_step"] = (2 * NameBytes) + 1,
        ["ivr_language"] = LanguageBytes,
        ["ivr_cti_code"] = CtiCodeBytes,
        ["ivr_cti_reason"] = ReasonBytes,
        ["ivr_matched_by"] = MatchedByBytes,
        ["ivr_client_id"] = ClientIdBytes,
        ["ivr_client_name"] = NameTextBytes,
        ["ivr_category"] = CategoryBytes,
        ["ivr_overdue"] = OverdueBytes,
        ["ivr_manager"] = NameTextBytes,
        ["ivr_transfer_priority"] = NumberBytes,
        ["ivr_route_rule"] = NameTextBytes,
        ["ivr_route_reason"] = ReasonBytes,
        ["ivr_fallback_queue"] = NameTextBytes,
    };

    /// <summary><paramref name="value"/> made one line (control characters become spaces, a lone surrogate becomes
    /// U+FFFD) and cut to <paramref name="maxBytes"/> UTF-8 bytes, ending in <see cref="Cut"/> when cut.</summary>
    public static string Fit(string value, int maxBytes) => Fit(value, maxBytes, out _);

    /// <summary>As <see cref="Fit(string, int)"/>; <paramref name="cut"/> tells whether the value was cut.</summary>
    public static string Fit(string value, int maxBytes, out bool cut)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var clean = OneLine(value);
        if (Encoding.UTF8.GetByteCount(clean) <= maxBytes)
        {
            cut = false;
            return clean;
        }

        cut = true;
        // Room for the mark when the cap has room for anything besides it; a tiny cap keeps what fits, unmarked.
        var room = maxBytes > CutBytes ? maxBytes - CutBytes : maxBytes;
        var used = 0;
        var end = 0;
        foreach (var rune in clean.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > room) break;
            used += rune.Utf8SequenceLength;
            end += rune.Utf16SequenceLength;
        }

        return maxBytes > CutBytes ? string.Concat(clean.AsSpan(0, end), Cut) : clean[..end];
    }

    /// <summary>The UTF-8 size of a value as it would be sent.</summary>
    public static int Bytes(string value) => Encoding.UTF8.GetByteCount(OneLine(value));

    /// <summary>True when the value is only ASCII letters, digits and <c>- _ . / * #</c>
    /// (<see cref="FlowAttachedValue.Token"/>).</summary>
    public static bool IsToken(string value) =>
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or '*' or '#');

    private static string OneLine(string value)
    {
        var needs = false;
        foreach (var c in value)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029')
            {
                needs = true;
                break;
            }
        }

        if (!needs) return value;
        var sb = new StringBuilder(value.Length);
        foreach (var rune in value.EnumerateRunes())
        {
            // EnumerateRunes yields U+FFFD for a lone surrogate.
            sb.Append(Rune.IsControl(rune) || rune.Value is 0x2028 or 0x2029 ? " " : rune.ToString());
        }

        return sb.ToString();
    }
}
