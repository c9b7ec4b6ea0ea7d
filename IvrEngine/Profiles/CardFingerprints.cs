using System.Security.Cryptography;
using System.Text;

namespace IvrEngine.Profiles;

/// <summary>Turns a payment-card number into what the store keeps: a keyed fingerprint (HMAC-SHA256 of the digits,
/// lower-case hex) to find the card again, and the last four digits to show. The number itself is never stored.
/// The key is a secret (<see cref="StoreOptions.CardFingerprintKey"/>): without it a fingerprint cannot be checked
/// against guessed numbers. Thread-safe.</summary>
public sealed class CardFingerprints
{
    /// <summary>Fewest digits of a card number (ISO/IEC 7812).</summary>
    public const int MinDigits = 12;

    /// <summary>Most digits of a card number (ISO/IEC 7812).</summary>
    public const int MaxDigits = 19;

    private readonly byte[] _key;

    /// <summary>Creates fingerprints keyed with <paramref name="key"/>.</summary>
    public CardFingerprints(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        _key = Encoding.UTF8.GetBytes(key);
    }

    /// <summary>Creates fingerprints keyed with the store's configured key.</summary>
    public CardFingerprints(StoreOptions options) : this((options ?? throw new ArgumentNullException(nameof(options))).CardFingerprintKey)
    {
    }

    /// <summary>The fingerprint of a card number (spaces and dashes ignored): 64 lower-case hex characters.
    /// Throws <see cref="ArgumentException"/> when it is not 12 to 19 digits; the Luhn check is not required here,
    /// so a number typed on a keypad can be looked up as it was typed.</summary>
    public string Fingerprint(string cardNumber)
    {
        var digits = DigitsOf(cardNumber) ?? throw new ArgumentException($"A card number is {MinDigits} to {MaxDigits} digits (spaces and dashes allowed).", nameof(cardNumber));
        Span<byte> hash = stackalloc byte[32];
        Span<byte> text = stackalloc byte[MaxDigits];
        var length = Encoding.ASCII.GetBytes(digits, text);
        HMACSHA256.HashData(_key, text[..length], hash);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>The stored form of a card: fingerprint and last four digits. False, with the reason, when the number
    /// is not 12 to 19 digits or fails the Luhn check.</summary>
    public bool TryCreate(string? cardNumber, out CardReference reference, out string? error)
    {
        reference = new CardReference();
        var digits = DigitsOf(cardNumber);
        if (digits is null)
        {
            error = $"A card number is {MinDigits} to {MaxDigits} digits (spaces and dashes allowed).";
            return false;
        }

        if (!IsLuhnValid(digits))
        {
            error = "The card number fails its check digit (Luhn); a digit is wrong.";
            return false;
        }

        reference = new CardReference { Fingerprint = Fingerprint(digits), Last4 = digits[^4..] };
        error = null;
        return true;
    }

    /// <summary>The stored form of a card; throws <see cref="ArgumentException"/> when <see cref="TryCreate"/> would refuse it.</summary>
    public CardReference Create(string cardNumber) =>
        TryCreate(cardNumber, out var reference, out var error) ? reference : throw new ArgumentException(error, nameof(cardNumber));

    /// <summary>True when <paramref name="digits"/> is all digits (at least two) and passes the Luhn check.</summary>
    public static bool IsLuhnValid(string? digits)
    {
        if (digits is null || digits.Length < 2) return false;
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var c = digits[i];
            if (c is < '0' or > '9') return false;
            var d = c - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return sum % 10 == 0;
    }

    /// <summary>The digits of a card number written with spaces or dashes; null when it is anything else or the wrong length.</summary>
    public static string? DigitsOf(string? cardNumber)
    {
        if (cardNumber is null) return null;
        Span<char> digits = stackalloc char[MaxDigits];
        var count = 0;
        foreach (var c in cardNumber)
        {
            if (c is >= '0' and <= '9')
            {
                if (count == MaxDigits) return null;
                digits[count++] = c;
            }
            else if (c is not (' ' or '-'))
            {
                return null;
            }
        }

        return count >= MinDigits ? new string(digits[..count]) : null;
    }
}
