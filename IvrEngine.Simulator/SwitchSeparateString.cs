using System.Text;

namespace IvrEngine.Simulator;

/// <summary>FreeSWITCH 1.10's <c>switch_separate_string</c> (switch_utils.c), which <c>multiset</c> and
/// <c>multiunset</c> use to cut their argument: a single quote that has another after it protects delimiters up to
/// that one (and both quotes are dropped), a backslash escapes the next character (<c>\'</c> <c>\"</c> <c>\\</c> and
/// the delimiter stand for themselves, <c>\n \r \t \s</c> for a line feed, carriage return, tab and space; before any
/// other character it stays), spaces at the start of a part are dropped and so are those at its end (outside quotes).
/// With a space as the delimiter, runs of spaces count as one.</summary>
public static class SwitchSeparateString
{
    private const char EscapeMeta = '\\';

    /// <summary>The parts of <paramref name="buffer"/> cut at <paramref name="delimiter"/>, at most <paramref name="max"/>
    /// (the last one keeps the rest, as the C array fills up).</summary>
    public static List<string> Separate(string buffer, char delimiter, int max = 256)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        var raw = delimiter == ' ' ? CutAtBlanks(buffer, max) : CutAtChar(buffer, delimiter, max);
        return raw.ConvertAll(part => Cleanup(part, delimiter == ' ' ? '\0' : delimiter));
    }

    /// <summary>separate_string_char_delim: the raw parts, quotes and escapes still in them. The last part the array
    /// has room for runs to the end of the buffer.</summary>
    private static List<string> CutAtChar(string buffer, char delimiter, int max)
    {
        var parts = new List<string>();
        var insideQuotes = false;
        var start = 0;
        for (var i = 0; i < buffer.Length; i++)
        {
            var c = buffer[i];
            if (c == EscapeMeta)
            {
                i++;
            }
            else if (c == '\'' && (insideQuotes || buffer.IndexOf('\'', i + 1) >= 0))
            {
                insideQuotes = !insideQuotes;
            }
            else if (c == delimiter && !insideQuotes && parts.Count < max - 1)
            {
                parts.Add(buffer[start..i]);
                start = i + 1;
            }
        }

        if (start < buffer.Length) parts.Add(buffer[start..]);
        return parts;
    }

    /// <summary>separate_string_blank_delim: spaces around parts are skipped; the last part the array has room for runs
    /// to the end of the buffer.</summary>
    private static List<string> CutAtBlanks(string buffer, int max)
    {
        var parts = new List<string>();
        var insideQuotes = false;
        var i = 0;
        while (i < buffer.Length && parts.Count < max)
        {
            while (i < buffer.Length && buffer[i] == ' ') i++;
            if (i >= buffer.Length) break;
            var start = i;
            if (parts.Count == max - 1)
            {
                // The array's last slot: the rest of the buffer, spaces and all.
                parts.Add(buffer[start..]);
                break;
            }

            var end = -1;
            while (i < buffer.Length)
            {
                var c = buffer[i];
                if (c == EscapeMeta)
                {
                    i++;
                }
                else if (c == '\'' && (insideQuotes || buffer.IndexOf('\'', i + 1) >= 0))
                {
                    insideQuotes = !insideQuotes;
                }
                else if (c == ' ' && !insideQuotes)
                {
                    end = i;
                    i++;
                    break;
                }

                i++;
            }

            parts.Add(buffer[start..(end >= 0 ? end : Math.Min(i, buffer.Length))]);
        }

        return parts;
    }

    /// <summary>cleanup_separated_string: quotes dropped, escapes read, leading and trailing spaces dropped.</summary>
    private static string Cleanup(string part, char delimiter)
    {
        var i = 0;
        while (i < part.Length && part[i] == ' ') i++;
        var text = new StringBuilder(part.Length);
        var end = -1;
        var insideQuotes = false;
        for (; i < part.Length; i++)
        {
            var c = part[i];
            if (c == EscapeMeta && i + 1 < part.Length)
            {
                var next = part[i + 1];
                var unescaped = Unescape(next);
                var literal = next is '\'' or '"' or EscapeMeta || (delimiter != '\0' && next == delimiter);
                if (literal || unescaped != next)
                {
                    i++;
                    text.Append(literal ? next : unescaped);
                    end = text.Length;
                    continue;
                }
            }

            if (c == '\'' && (insideQuotes || part.IndexOf('\'', i + 1) >= 0))
            {
                insideQuotes = !insideQuotes;
                if (insideQuotes) end = text.Length;
            }
            else
            {
                text.Append(c);
                if (c != ' ' || insideQuotes) end = text.Length;
            }
        }

        return end < 0 ? text.ToString() : text.ToString(0, end);
    }

    private static char Unescape(char c) => c switch
    {
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        's' => ' ',
        _ => c,
    };
}
