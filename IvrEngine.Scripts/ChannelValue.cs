using System.Text;

namespace IvrEngine.Scripts;

/// <summary>The one policy for what may reach FreeSWITCH: every value set on a channel (a flow's attach, the engine's
/// context, an agent's edit, the caller's own number) goes through <see cref="Sanitize(string, int)"/>, every
/// application argument through <see cref="IsArgumentWord"/> or <see cref="CheckArgument"/>.</summary>
/// <remarks>
/// <para>Values are repaired, never refused (a caller or a client record must not cost the call its context):</para>
/// <list type="bullet">
/// <item>one line: control characters (line breaks, tabs, NUL) and the Unicode line and paragraph separators become
/// spaces, a lone surrogate becomes U+FFFD; a value is one line wherever it goes (a channel variable, a SIP header, an
/// agent's screen);</item>
/// <item>no expansion: FreeSWITCH runs <c>${api args}</c> (and reads <c>$${name}</c>) wherever a value is later used in
/// an argument, so every <c>${</c> becomes <c>$ {</c>;</item>
/// <item>a cap in UTF-8 bytes: a longer value is cut at a character boundary (never inside a UTF-8 sequence or a
/// surrogate pair) and ends in <see cref="Cut"/>, which counts in the cap, so a reader sees that something is
/// missing. The cap of a contract variable is in <see cref="ContextContract"/>.</item>
/// </list>
/// <para>Application arguments (a prompt path, a transfer destination, a say) are refused, not repaired: a changed
/// file name or extension would do something else than asked. An argument holds no <c>$</c> and no control
/// character; an argument word is non-empty and holds no white space either.</para>
/// </remarks>
public static class ChannelValue
{
    /// <summary>What ends a value that was cut: "…" (3 bytes in UTF-8).</summary>
    public const string Cut = "\u2026";

    /// <summary>The bytes of <see cref="Cut"/>.</summary>
    public const int CutBytes = 3;

    /// <summary>What an expansion's opening becomes.</summary>
    private const string Defused = "$ {";

    /// <summary><paramref name="value"/> made safe for a channel (one line, no expansion) and cut to
    /// <paramref name="maxBytes"/> UTF-8 bytes, ending in <see cref="Cut"/> when cut.</summary>
    public static string Sanitize(string value, int maxBytes) => Sanitize(value, maxBytes, out _);

    /// <summary>As <see cref="Sanitize(string, int)"/>; <paramref name="cut"/> tells whether the value was cut.</summary>
    public static string Sanitize(string value, int maxBytes, out bool cut)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        var clean = Clean(value);
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

    /// <summary><paramref name="value"/> made safe, not cut.</summary>
    public static string Sanitize(string value) => Sanitize(value, int.MaxValue);

    /// <summary>The UTF-8 size of a value as it would be sent (made safe, not cut).</summary>
    public static int Bytes(string value) => Encoding.UTF8.GetByteCount(Clean(value));

    /// <summary>True when <paramref name="value"/> is already as <see cref="Sanitize(string)"/> makes it.</summary>
    public static bool IsSafe(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return string.Equals(Clean(value), value, StringComparison.Ordinal);
    }

    /// <summary>True when <paramref name="argument"/> may stand in an application's argument: no <c>$</c>, no control
    /// character, no line or paragraph separator.</summary>
    public static bool IsArgument(string argument)
    {
        ArgumentNullException.ThrowIfNull(argument);
        foreach (var c in argument)
        {
            if (c == '$' || char.IsControl(c) || c is '\u2028' or '\u2029') return false;
        }

        return true;
    }

    /// <summary>True when <paramref name="value"/> may stand as one word of an application's argument (a file, a
    /// destination, a language): <see cref="IsArgument"/>, not empty, no white space.</summary>
    public static bool IsArgumentWord(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0 || !IsArgument(value)) return false;
        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c)) return false;
        }

        return true;
    }

    /// <summary>An application's whole argument, unchanged when <see cref="IsArgument"/>; else an
    /// <see cref="ArgumentException"/> naming <paramref name="what"/>.</summary>
    public static string CheckArgument(string argument, string what) => IsArgument(argument)
        ? argument
        : throw new ArgumentException(argument.Contains('$', StringComparison.Ordinal)
            ? $"{what} must not hold '$': FreeSWITCH would run a variable expansion (${{...}}) in it: \"{argument}\"."
            : $"{what} must be one line without control characters.", what);

    private static bool NeedsCleaning(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\u2028' or '\u2029') return true;
        }

        return false;
    }

    private static string Clean(string value)
    {
        var oneLine = value;
        if (NeedsCleaning(value))
        {
            var sb = new StringBuilder(value.Length);
            foreach (var rune in value.EnumerateRunes())
            {
                // EnumerateRunes yields U+FFFD for a lone surrogate.
                sb.Append(Rune.IsControl(rune) || rune.Value is 0x2028 or 0x2029 ? " " : rune.ToString());
            }

            oneLine = sb.ToString();
        }

        return oneLine.Contains("${", StringComparison.Ordinal) ? oneLine.Replace("${", Defused, StringComparison.Ordinal) : oneLine;
    }
}
