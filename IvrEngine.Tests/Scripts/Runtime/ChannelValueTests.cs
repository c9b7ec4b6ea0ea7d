using System.Text;
using IvrEngine.Scripts;
using IvrEngine.Scripts.Runtime;

namespace IvrEngine.Tests.Scripts.Runtime;

/// <summary>Every value onto a channel is made one line, defused and cut to its cap at a character boundary, with a mark that counts
/// in the cap, whatever it holds.</summary>
public sealed class ChannelValueTests
{
    private static int Utf8(string s) => Encoding.UTF8.GetByteCount(s);

    [Theory]
    [InlineData("Eleanor Vance", 64, "Eleanor Vance")]
    [InlineData("abcdefghij", 10, "abcdefghij")]
    [InlineData("abcdefghijk", 10, "abcdefg\u2026")]
    [InlineData("abcdef", 3, "abc")]
    [InlineData("abcdef", 0, "")]
    [InlineData("", 5, "")]
    public void A_value_over_its_cap_keeps_what_fits_and_ends_in_the_mark(string value, int cap, string expected)
    {
        var fitted = ChannelValue.Sanitize(value, cap, out var cut);

        fitted.Should().Be(expected);
        cut.Should().Be(expected != value);
        Utf8(fitted).Should().BeLessThanOrEqualTo(cap);
    }

    [Theory]
    [InlineData("é")] // 2 bytes
    [InlineData("€")] // 3 bytes
    [InlineData("😀")] // 4 bytes, a surrogate pair
    [InlineData("ქ")] // Georgian, 3 bytes
    public void A_cut_never_splits_a_character_whatever_the_cap(string character)
    {
        var value = string.Concat(Enumerable.Repeat(character, 40));
        for (var cap = 0; cap <= Utf8(value); cap++)
        {
            var fitted = ChannelValue.Sanitize(value, cap, out _);

            Utf8(fitted).Should().BeLessThanOrEqualTo(cap, $"cap {cap}");
            var body = fitted.EndsWith(ChannelValue.Cut, StringComparison.Ordinal) ? fitted[..^1] : fitted;
            body.Replace(character, string.Empty, StringComparison.Ordinal).Should().BeEmpty($"only whole characters are kept at cap {cap}");
            fitted.EnumerateRunes().Should().NotContain(Rune.ReplacementChar);
            if (cap > ChannelValue.CutBytes && cap < Utf8(value))
            {
                fitted.Should().EndWith(ChannelValue.Cut);
                (cap - Utf8(fitted)).Should().BeLessThan(Utf8(character), $"as much as fits is kept at cap {cap}");
            }
        }
    }

    [Theory]
    [InlineData("line one\r\nline two", "line one  line two")]
    [InlineData("tab\there", "tab here")]
    [InlineData("nul\0here", "nul here")]
    [InlineData("para\u2029graph\u2028line\u0085next", "para graph line next")]
    [InlineData("${system(rm -rf /)}\n", "$ {system(rm -rf /)} ")]
    [InlineData("$\n${uuid}", "$ $ {uuid}")]
    public void Control_characters_and_line_breaks_become_spaces_and_expansions_are_defused(string value, string expected)
    {
        ChannelValue.Sanitize(value, 256).Should().Be(expected);
    }

    [Fact]
    public void A_lone_surrogate_becomes_the_replacement_character_and_counts_as_sent()
    {
        var value = "a\uD800b";

        var fitted = ChannelValue.Sanitize(value, 64);

        fitted.Should().Be("a\uFFFDb");
        ChannelValue.Bytes(value).Should().Be(Utf8(fitted)).And.Be(5);
    }

    [Fact]
    public void Hostile_content_of_any_length_comes_out_one_line_within_the_cap()
    {
        var random = new Random(7);
        for (var i = 0; i < 500; i++)
        {
            var chars = Enumerable.Range(0, random.Next(0, 200)).Select(_ => (char)random.Next(0, 0xFFFF)).ToArray();
            var cap = random.Next(0, 300);

            var fitted = ChannelValue.Sanitize(new string(chars), cap);

            Utf8(fitted).Should().BeLessThanOrEqualTo(cap);
            fitted.ToCharArray().Should().NotContain(c => char.IsControl(c));
            var strict = () => new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(fitted);
            strict.Should().NotThrow("no surrogate is left alone");
        }
    }

    [Theory]
    [InlineData("ivr-bank_01", true)]
    [InlineData("bank/vip", true)]
    [InlineData("4111*1111#", true)]
    [InlineData("3f2b1c2d-0000-4000-8000-000000000000", true)]
    [InlineData("+15551230001", false)]
    [InlineData("Eleanor Vance", false)]
    [InlineData("a=b", false)]
    [InlineData("é", false)]
    public void A_token_is_ascii_letters_digits_and_a_few_marks(string value, bool token)
    {
        AttachedValues.IsToken(value).Should().Be(token);
    }
}
