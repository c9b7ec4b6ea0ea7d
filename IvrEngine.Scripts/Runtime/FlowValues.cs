using System.Globalization;

namespace IvrEngine.Scripts.Runtime;

/// <summary>Small pure helpers of the interpreter: masking, the Luhn check, numbers from flow values.</summary>
internal static class FlowValues
{
    /// <summary>How many trailing characters a masked (non-secret) collected value keeps.</summary>
    public const int VisibleTail = 4;

    /// <summary>A collected value for logs: all but the last four characters replaced by <c>*</c>; a secret fully.</summary>
    public static string Mask(string value, bool secret)
    {
        if (secret)
        {
            return new string('*', value.Length);
        }

        return value.Length <= VisibleTail
            ? value
            : string.Concat(new string('*', value.Length - VisibleTail), value.AsSpan(value.Length - VisibleTail));
    }

    /// <summary>True when <paramref name="digits"/> is all ASCII digits and passes the Luhn (mod 10) check.</summary>
    public static bool PassesLuhn(string digits)
    {
        if (digits.Length == 0)
        {
            return false;
        }

        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var c = digits[i];
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            var d = c - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return sum % 10 == 0;
    }

    /// <summary>A whole number from an expression's value or a literal: integers, whole decimals/doubles, or text
    /// holding an integer. False for anything else (fractions, text, null) or outside int's range.</summary>
    public static bool TryWholeNumber(object? value, out int number)
    {
        number = 0;
        switch (value)
        {
            case int i:
                number = i;
                return true;
            case long l when l is >= int.MinValue and <= int.MaxValue:
                number = (int)l;
                return true;
            case decimal m when m == decimal.Truncate(m) && m is >= int.MinValue and <= int.MaxValue:
                number = (int)m;
                return true;
            case double d when d == Math.Truncate(d) && d is >= int.MinValue and <= int.MaxValue:
                number = (int)d;
                return true;
            case float f when f == MathF.Truncate(f) && f is >= int.MinValue and <= int.MaxValue:
                number = (int)f;
                return true;
            case short or byte or sbyte or ushort:
                number = Convert.ToInt32(value, CultureInfo.InvariantCulture);
                return true;
            case string s:
                return int.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number);
            default:
                return false;
        }
    }

    /// <summary>True for a language code safe to use as a prompts subfolder (letters, digits, <c>-</c>, <c>_</c>).</summary>
    public static bool IsSafeFolderName(string language) =>
        language.Length is > 0 and <= 32 && language.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
