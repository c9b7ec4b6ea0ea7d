using System.Security.Cryptography;
using System.Text;
using IvrEngine.Profiles;

namespace IvrEngine.Tests.Profiles;

public sealed class StoreCardFingerprintsTests
{
    private readonly CardFingerprints _fingerprints = new("test-key-0123456789");

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("5555555555554444", true)]
    [InlineData("378282246310005", true)]
    [InlineData("79927398713", true)]
    [InlineData("4111111111111112", false)]
    [InlineData("79927398710", false)]
    [InlineData("", false)]
    [InlineData("0", false)]
    [InlineData("4111 1111 1111 1111", false)]
    [InlineData("41111111111111a1", false)]
    [InlineData(null, false)]
    public void Luhn(string? digits, bool valid) => CardFingerprints.IsLuhnValid(digits).Should().Be(valid);

    [Fact]
    public void A_fingerprint_is_the_keyed_hmac_of_the_digits_in_lower_case_hex()
    {
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("test-key-0123456789"), Encoding.ASCII.GetBytes("4111111111111111")));
        _fingerprints.Fingerprint("4111111111111111").Should().Be(expected).And.HaveLength(64).And.MatchRegex("^[0-9a-f]{64}$");
        _fingerprints.Fingerprint("4111 1111-1111 1111").Should().Be(expected, "spaces and dashes are not part of the number");
        new CardFingerprints("another-key-0123456").Fingerprint("4111111111111111").Should().NotBe(expected, "another key gives another fingerprint");
        new CardFingerprints(new StoreOptions()).Fingerprint("4111111111111111")
            .Should().Be(new CardFingerprints(StoreOptions.DevelopmentCardFingerprintKey).Fingerprint("4111111111111111"));
    }

    [Fact]
    public void A_card_reference_keeps_the_fingerprint_and_last_four_only()
    {
        var reference = _fingerprints.Create("4111 1111 1111 1111");
        reference.Last4.Should().Be("1111");
        reference.Fingerprint.Should().Be(_fingerprints.Fingerprint("4111111111111111"));
        reference.Fingerprint.Should().NotContain("4111111111111111");
    }

    [Theory]
    [InlineData("4111111111111112", "Luhn")]
    [InlineData("41111111111", "12 to 19")]
    [InlineData("41111111111111111111", "12 to 19")]
    [InlineData("4111-1111-1111-111x", "12 to 19")]
    [InlineData(null, "12 to 19")]
    public void Refuses_what_is_not_a_card_number(string? number, string reason)
    {
        _fingerprints.TryCreate(number, out _, out var error).Should().BeFalse();
        error.Should().Contain(reason);
        var act = () => _fingerprints.Create(number!);
        act.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void The_development_key_is_the_default_and_is_flagged()
    {
        var options = new StoreOptions();
        options.CardFingerprintKey.Should().Be(StoreOptions.DevelopmentCardFingerprintKey);
        options.UsesDevelopmentCardFingerprintKey.Should().BeTrue();
        options.Path.Should().Be("data/ivrengine.db");
        options.DefaultRegion.Should().Be("US");
        new StoreOptions { CardFingerprintKey = "a-production-secret-of-some-length" }.UsesDevelopmentCardFingerprintKey.Should().BeFalse();
    }
}
