using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace IvrEngine.Calls;

/// <summary>The UUI form (<see cref="ContextVariables.Uui"/>): the call's essentials in at most 128 ASCII bytes, for
/// agent desktops and switches that take ISDN-style user-to-user information.</summary>
/// <remarks>
/// <para>The form is <c>key=value</c> fields joined by <c>&amp;</c>, in key order, for example
/// <c>c=3f2b...&amp;f=bank&amp;i=9d1e...&amp;p=600&amp;t=V</c>. A value is its UTF-8 bytes with every byte that is
/// not printable ASCII (0x21-0x7E), and <c>%</c> <c>&amp;</c> <c>=</c> <c>+</c>, written <c>%XX</c>; so the form is
/// plain ASCII and any URL query parser reads it (a space is <c>%20</c>, never <c>+</c>). A field whose value is empty
/// is left out.</para>
/// <para>In SIP it rides in the <c>User-to-User</c> header of RFC 7433 as the hex of its bytes:
/// <c>User-to-User: 633D33663262...;encoding=hex</c>.</para>
/// </remarks>
public static class UuiForm
{
    /// <summary>The parameter that says the header's data is hex (RFC 7433).</summary>
    public const string HexEncoding = "encoding=hex";

    /// <summary>The form of these fields (key order as given; empty values left out).</summary>
    public static string Format(IEnumerable<KeyValuePair<string, string>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var sb = new StringBuilder();
        foreach (var (key, value) in fields)
        {
            if (value.Length == 0) continue;
            if (sb.Length > 0) sb.Append('&');
            sb.Append(key).Append('=').Append(Encode(value));
        }

        return sb.ToString();
    }

    /// <summary>A value as the form writes it.</summary>
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var sb = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (IsPlain(b)) sb.Append((char)b);
            else sb.Append('%').Append(Convert.ToHexString([b]));
        }

        return sb.ToString();
    }

    /// <summary>The bytes of a value as the form writes it: a byte that is not plain takes three.</summary>
    public static int EncodedBytes(string value) => Encoding.UTF8.GetBytes(value).Sum(b => IsPlain(b) ? 1 : 3);

    /// <summary>Reads a form back: key to value. False when it is not a form (a field without <c>=</c>, a broken
    /// <c>%XX</c>, bytes that are not UTF-8, a key twice).</summary>
    public static bool TryParse(string form, [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? fields)
    {
        ArgumentNullException.ThrowIfNull(form);
        fields = null;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (form.Length == 0)
        {
            fields = result;
            return true;
        }

        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        foreach (var field in form.Split('&'))
        {
            var eq = field.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0) return false;
            var bytes = new List<byte>(field.Length);
            for (var i = eq + 1; i < field.Length; i++)
            {
                var c = field[i];
                if (c == '%')
                {
                    if (i + 2 >= field.Length || !byte.TryParse(field.AsSpan(i + 1, 2), System.Globalization.NumberStyles.AllowHexSpecifier, null, out var b)) return false;
                    bytes.Add(b);
                    i += 2;
                }
                else if (c > 0x20 && c < 0x7F)
                {
                    bytes.Add((byte)c);
                }
                else
                {
                    return false;
                }
            }

            try
            {
                if (!result.TryAdd(field[..eq], strict.GetString([.. bytes]))) return false;
            }
            catch (DecoderFallbackException)
            {
                return false;
            }
        }

        fields = result;
        return true;
    }

    /// <summary>The value of a SIP <c>User-to-User</c> header for a form: its bytes in hex, <c>;encoding=hex</c>.</summary>
    public static string ToHeader(string form)
    {
        ArgumentNullException.ThrowIfNull(form);
        return Convert.ToHexString(Encoding.ASCII.GetBytes(form)) + ";" + HexEncoding;
    }

    /// <summary>The bytes of <see cref="ToHeader"/> for a form of <paramref name="formBytes"/> bytes.</summary>
    public static int HeaderBytes(int formBytes) => (2 * formBytes) + 1 + HexEncoding.Length;

    /// <summary>The form in a SIP <c>User-to-User</c> header value (hex data with <c>encoding=hex</c>, other
    /// parameters ignored); false when it is not one.</summary>
    public static bool TryFromHeader(string header, [NotNullWhen(true)] out string? form)
    {
        ArgumentNullException.ThrowIfNull(header);
        form = null;
        var parts = header.Split(';', StringSplitOptions.TrimEntries);
        if (!parts.Skip(1).Any(p => string.Equals(p.Replace(" ", string.Empty, StringComparison.Ordinal), HexEncoding, StringComparison.OrdinalIgnoreCase))) return false;
        try
        {
            var bytes = Convert.FromHexString(parts[0]);
            if (bytes.Any(b => b is < 0x21 or > 0x7E)) return false;
            form = Encoding.ASCII.GetString(bytes);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool IsPlain(byte b) => b is > 0x20 and < 0x7F and not (byte)'%' and not (byte)'&' and not (byte)'=' and not (byte)'+';
}
