using System.Text;
using IvrEngine.Calls;

namespace IvrEngine.Tests.Calls;

/// <summary>The UUI form is plain ASCII whatever the values hold, reads back to the same values, and rides in the SIP
/// User-to-User header as hex (RFC 7433).</summary>
public sealed class UuiFormTests
{
    [Fact]
    public void The_form_is_key_value_fields_joined_by_ampersands_in_the_order_given_without_empty_values()
    {
        var form = UuiForm.Format([new("c", "3f2b1c2d-0000-4000-8000-000000000001"), new("f", "bank"), new("i", ""), new("p", "600"), new("t", "V")]);

        form.Should().Be("c=3f2b1c2d-0000-4000-8000-000000000001&f=bank&p=600&t=V");
    }

    [Theory]
    [InlineData("Eleanor Vance", "Eleanor%20Vance")]
    [InlineData("a&b=c+d%e", "a%26b%3Dc%2Bd%25e")]
    [InlineData("4111*1111#/x", "4111*1111#/x")]
    [InlineData("é", "%C3%A9")]
    [InlineData("line\r\nbreak", "line%0D%0Abreak")]
    [InlineData("${system(id)}", "${system(id)}")]
    public void A_value_keeps_printable_ascii_and_escapes_the_rest_as_utf8_bytes(string value, string encoded)
    {
        UuiForm.Encode(value).Should().Be(encoded);
        UuiForm.EncodedBytes(value).Should().Be(encoded.Length);
    }

    [Fact]
    public void Any_values_read_back_the_same()
    {
        var random = new Random(11);
        string[] alphabet = ["a", "Z", "0", "&", "=", "+", "%", " ", "é", "€", "😀", "\n", "\0", "/", "*", "#", ";", "\"", "~"];
        for (var i = 0; i < 300; i++)
        {
            var fields = Enumerable.Range(0, random.Next(1, 6)).ToDictionary(
                n => "k" + n,
                _ => string.Concat(Enumerable.Range(0, random.Next(1, 20)).Select(_ => alphabet[random.Next(alphabet.Length)])));

            var form = UuiForm.Format(fields);

            form.Should().Match(f => f.All(c => c > 0x20 && c < 0x7F), "the form is printable ASCII");
            UuiForm.TryParse(form, out var parsed).Should().BeTrue(form);
            parsed.Should().Equal(fields);
        }
    }

    [Fact]
    public void A_query_parser_reads_the_form_too()
    {
        var form = UuiForm.Format([new("n", "Анна & Co = 100% +1"), new("t", "V")]);

        var parsed = System.Web.HttpUtility.ParseQueryString(form);

        parsed["n"].Should().Be("Анна & Co = 100% +1");
        parsed["t"].Should().Be("V");
    }

    [Theory]
    [InlineData("c")]
    [InlineData("=v")]
    [InlineData("c=%4")]
    [InlineData("c=%ZZ")]
    [InlineData("c=%FF")]
    [InlineData("c=a b")]
    [InlineData("c=1&c=2")]
    public void What_is_not_a_form_does_not_parse(string form)
    {
        UuiForm.TryParse(form, out _).Should().BeFalse();
    }

    [Fact]
    public void The_header_carries_the_form_in_hex_with_encoding_hex_and_reads_back()
    {
        const string form = "c=3f2b&t=V";

        var header = UuiForm.ToHeader(form);

        header.Should().Be(Convert.ToHexString(Encoding.ASCII.GetBytes(form)) + ";encoding=hex").And.StartWith("633D336632622674");
        header.Length.Should().Be(UuiForm.HeaderBytes(form.Length));
        UuiForm.TryFromHeader(header, out var back).Should().BeTrue();
        back.Should().Be(form);
        UuiForm.TryFromHeader("633D31; purpose=isdn-uui ; encoding=hex", out var spaced).Should().BeTrue();
        spaced.Should().Be("c=1");
    }

    [Theory]
    [InlineData("633D31")]
    [InlineData("633D31;encoding=text")]
    [InlineData("6G3D;encoding=hex")]
    [InlineData("630A31;encoding=hex")]
    public void A_header_without_hex_form_data_is_refused(string header)
    {
        UuiForm.TryFromHeader(header, out _).Should().BeFalse();
    }
}
