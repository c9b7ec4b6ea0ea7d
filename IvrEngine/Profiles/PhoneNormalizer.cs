using PhoneNumbers;

namespace IvrEngine.Profiles;

/// <summary>The outcome of normalizing a phone number: the E.164 form, or why it was refused.</summary>
/// <param name="E164">The number in E.164 (<c>+15551234567</c>); empty when refused.</param>
/// <param name="Error">Why the number was refused; null on success.</param>
public readonly record struct NormalizeResult(string E164, string? Error)
{
    /// <summary>True when <see cref="E164"/> holds the number.</summary>
    public bool Success => Error is null;

    internal static NormalizeResult Ok(string e164) => new(e164, null);

    internal static NormalizeResult Fail(string error) => new(string.Empty, error);
}

/// <summary>Turns phone numbers as people and FreeSWITCH write them into E.164, the form the store keys on.
/// <list type="bullet">
/// <item><c>+15551234567</c>, <c>+995 32 2 00 00 00</c>: international, taken as written.</item>
/// <item><c>15551234567</c>, <c>995322000000</c>: FreeSWITCH's ANI without '+'. Eleven digits or more that read
/// as a number with a country code are taken as international.</item>
/// <item><c>(555) 123-4567</c>, <c>8 916 123-45-67</c>: national, read in the default region (or the one given).</item>
/// </list>
/// A number must have a possible length for its country; numbers outside the assigned ranges (<c>555</c> area
/// code) are accepted when their length is possible, because test and fictional numbers still need a card.
/// Thread-safe.</summary>
public sealed class PhoneNormalizer
{
    private const int MaxInputLength = 64;
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>Creates a normalizer that reads national numbers in <paramref name="defaultRegion"/>.</summary>
    public PhoneNormalizer(string defaultRegion = "US")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultRegion);
        var region = defaultRegion.Trim().ToUpperInvariant();
        if (!Util.GetSupportedRegions().Contains(region))
        {
            throw new ArgumentException($"'{defaultRegion}' is not a region libphonenumber knows (use an ISO 3166 code such as US or GE).", nameof(defaultRegion));
        }

        DefaultRegion = region;
    }

    /// <summary>Creates a normalizer from the store's settings.</summary>
    public PhoneNormalizer(StoreOptions options) : this((options ?? throw new ArgumentNullException(nameof(options))).DefaultRegion)
    {
    }

    /// <summary>The region national numbers are read in.</summary>
    public string DefaultRegion { get; }

    /// <summary>Normalizes <paramref name="raw"/>; false (and <paramref name="e164"/> empty) when it is not a phone number.</summary>
    public bool TryNormalize(string? raw, out string e164)
    {
        var result = Normalize(raw);
        e164 = result.E164;
        return result.Success;
    }

    /// <summary>Normalizes <paramref name="raw"/>, saying why when it cannot.</summary>
    public bool TryNormalize(string? raw, out string e164, out string? error)
    {
        var result = Normalize(raw);
        e164 = result.E164;
        error = result.Error;
        return result.Success;
    }

    /// <summary>Normalizes <paramref name="raw"/> reading national numbers in the default region.</summary>
    public NormalizeResult Normalize(string? raw) => Normalize(raw, DefaultRegion);

    /// <summary>Normalizes <paramref name="raw"/> reading national numbers in <paramref name="region"/>.</summary>
    public static NormalizeResult Normalize(string? raw, string region)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        if (string.IsNullOrWhiteSpace(raw)) return NormalizeResult.Fail("The number is empty.");
        if (raw.Length > MaxInputLength) return NormalizeResult.Fail($"The number is longer than {MaxInputLength} characters.");

        var text = raw.Trim();
        var plus = false;
        Span<char> digits = stackalloc char[MaxInputLength];
        var count = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= '0' and <= '9')
            {
                digits[count++] = c;
            }
            else if (c == '+' && count == 0 && !plus)
            {
                plus = true;
            }
            else if (c is not (' ' or '-' or '(' or ')' or '.' or '/' or '\u00A0'))
            {
                return NormalizeResult.Fail($"The number holds '{Describe(c)}'; only digits, a leading '+', spaces and - ( ) . / are allowed.");
            }
        }

        if (count == 0) return NormalizeResult.Fail("The number has no digits.");
        var digitText = new string(digits[..count]);

        if (plus) return FromParsed(Parse("+" + digitText, "ZZ"));

        // FreeSWITCH hands the ANI over without '+': 11+ digits that make a number with a country code are taken as
        // international. A valid reading wins over a merely possible one, international first.
        var international = count >= 11 ? Parse("+" + digitText, "ZZ") : null;
        var national = Parse(digitText, region);

        if (international?.Number is { } i1 && Util.IsValidNumber(i1)) return FromParsed(international);
        if (national.Number is { } n1 && Util.IsValidNumber(n1)) return FromParsed(national);
        if (international?.Number is { } i2 && Util.IsPossibleNumber(i2)) return FromParsed(international);
        return FromParsed(national);
    }

    private sealed record Parsed(PhoneNumber? Number, string? Error);

    private static Parsed Parse(string text, string region)
    {
        try
        {
            return new Parsed(Util.Parse(text, region), null);
        }
        catch (NumberParseException ex)
        {
            return new Parsed(null, ex.ErrorType switch
            {
                ErrorType.INVALID_COUNTRY_CODE => "The number has no known country code and no region to read it in.",
                ErrorType.NOT_A_NUMBER => "The input is not a phone number.",
                ErrorType.TOO_SHORT_AFTER_IDD or ErrorType.TOO_SHORT_NSN => "The number is too short.",
                ErrorType.TOO_LONG => "The number is too long.",
                _ => "The input is not a phone number.",
            });
        }
    }

    private static NormalizeResult FromParsed(Parsed parsed)
    {
        if (parsed.Number is not { } number) return NormalizeResult.Fail(parsed.Error ?? "The input is not a phone number.");
        if (Util.GetRegionCodeForCountryCode(number.CountryCode) == "ZZ")
        {
            return NormalizeResult.Fail($"+{number.CountryCode} is not a country code.");
        }

        var possible = Util.IsPossibleNumberWithReason(number);
        if (possible != PhoneNumberUtil.ValidationResult.IS_POSSIBLE)
        {
            return NormalizeResult.Fail(possible switch
            {
                PhoneNumberUtil.ValidationResult.TOO_SHORT => $"The number is too short for country code +{number.CountryCode}.",
                PhoneNumberUtil.ValidationResult.TOO_LONG => $"The number is too long for country code +{number.CountryCode}.",
                PhoneNumberUtil.ValidationResult.INVALID_COUNTRY_CODE => $"+{number.CountryCode} is not a country code.",
                PhoneNumberUtil.ValidationResult.IS_POSSIBLE_LOCAL_ONLY => "The number lacks its area code.",
                _ => $"The number has no possible length for country code +{number.CountryCode}.",
            });
        }

        return NormalizeResult.Ok(Util.Format(number, PhoneNumberFormat.E164));
    }

    private static string Describe(char c) => char.IsControl(c) ? $"U+{(int)c:X4}" : c.ToString();
}
