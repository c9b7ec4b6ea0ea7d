using IvrEngine.Profiles;

namespace IvrEngine.Tests.Profiles;

public sealed class PhoneNormalizerTests
{
    private readonly PhoneNormalizer _us = new("US");

    [Theory]
    [InlineData("+15551234567", "+15551234567")]
    [InlineData("15551234567", "+15551234567")]
    [InlineData("(555) 123-4567", "+15551234567")]
    [InlineData("555.123.4567", "+15551234567")]
    [InlineData(" +1 (212) 555-0199 ", "+12125550199")]
    [InlineData("+995 32 2 00 00 00", "+995322000000")]
    [InlineData("995322000000", "+995322000000")]
    [InlineData("+995 555 12 34 56", "+995555123456")]
    [InlineData("+7 916 123-45-67", "+79161234567")]
    [InlineData("79161234567", "+79161234567")]
    [InlineData("+44 20 7946 0958", "+442079460958")]
    [InlineData("442079460958", "+442079460958")]
    [InlineData("+49 30 901820", "+4930901820")]
    [InlineData("+33 1 42 68 53 00", "+33142685300")]
    public void Accepts_international_and_national_forms_in_the_default_region(string raw, string expected)
    {
        _us.TryNormalize(raw, out var e164).Should().BeTrue(_us.Normalize(raw).Error);
        e164.Should().Be(expected);
    }

    [Theory]
    [InlineData("GE", "555 12 34 56", "+995555123456")]
    [InlineData("GE", "0322000000", "+995322000000")]
    [InlineData("GE", "+995322000000", "+995322000000")]
    [InlineData("RU", "8 (916) 123-45-67", "+79161234567")]
    [InlineData("RU", "89161234567", "+79161234567")]
    [InlineData("RU", "(495) 123-45-67", "+74951234567")]
    [InlineData("GB", "020 7946 0958", "+442079460958")]
    [InlineData("DE", "030 901820", "+4930901820")]
    [InlineData("US", "2125550199", "+12125550199")]
    public void Reads_national_numbers_in_the_region_given(string region, string raw, string expected)
    {
        var normalizer = new PhoneNormalizer(region);
        var result = normalizer.Normalize(raw);
        result.Success.Should().BeTrue(result.Error);
        result.E164.Should().Be(expected);
        PhoneNormalizer.Normalize(raw, region).E164.Should().Be(expected);
    }

    [Fact]
    public void A_freeswitch_ani_without_plus_wins_over_the_region_when_it_has_a_country_code()
    {
        // 11+ digits with a valid country code are international, even for a Georgian default region.
        new PhoneNormalizer("GE").Normalize("15551234567").E164.Should().Be("+15551234567");
        new PhoneNormalizer("RU").Normalize("995555123456").E164.Should().Be("+995555123456");
    }

    [Theory]
    [InlineData(null, "empty")]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("anonymous", "'a'")]
    [InlineData("555-CALL-NOW", "'C'")]
    [InlineData("+1 555", "short")]
    [InlineData("12", "short")]
    [InlineData("+999 123456789", "country code")]
    [InlineData("1555123456\0", "U+0000")]
    [InlineData("555\r\n1234", "U+000D")]
    [InlineData("++15551234567", "'+'")]
    [InlineData("1555+1234567", "'+'")]
    [InlineData("+1555123456789012345", "long")]
    [InlineData("--- ()", "no digits")]
    public void Refuses_what_is_not_a_phone_number_and_says_why(string? raw, string reason)
    {
        _us.TryNormalize(raw, out var e164, out var error).Should().BeFalse();
        e164.Should().BeEmpty();
        error.Should().NotBeNullOrWhiteSpace().And.Contain(reason);
        _us.TryNormalize(raw, out _).Should().BeFalse();
    }

    [Fact]
    public void Refuses_overlong_input_without_parsing_it()
    {
        var result = _us.Normalize(new string('1', 10_000));
        result.Success.Should().BeFalse();
        result.Error.Should().Contain("longer than");
    }

    [Fact]
    public void Takes_its_region_from_the_store_options_and_refuses_an_unknown_region()
    {
        new PhoneNormalizer(new StoreOptions { DefaultRegion = "GE" }).DefaultRegion.Should().Be("GE");
        new PhoneNormalizer("ru").DefaultRegion.Should().Be("RU");
        var act = () => new PhoneNormalizer("XX");
        act.Should().Throw<ArgumentException>().WithMessage("*XX*");
    }

    [Fact]
    public void Is_safe_from_many_threads()
    {
        var results = Enumerable.Range(0, 2000).AsParallel().Select(i => _us.Normalize("+1 212 555 " + (1000 + (i % 9000)).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        results.Should().OnlyContain(r => r.Success && r.E164.StartsWith("+1212555", StringComparison.Ordinal));
    }
}
