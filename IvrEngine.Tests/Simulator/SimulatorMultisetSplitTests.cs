using IvrEngine.Simulator;
using IvrEngine.Tests.Calls;
using IvrEngine.Tests.RealFreeSwitch;

namespace IvrEngine.Tests.Simulator;

/// <summary>The simulator's <c>multiset</c> leaves what FreeSWITCH 1.10.12 left for the same raw arguments
/// (<see cref="MultisetSplitAgreementTests.Cases"/>; the values below are what that test read back from a real channel
/// with uuid_getvar, and it holds the simulator to FreeSWITCH where FreeSWITCH is installed).</summary>
public sealed class SimulatorMultisetSplitTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private static readonly Dictionary<string, string?> OnFreeSwitch = new(StringComparer.Ordinal)
    {
        ["m_a"] = "OBrien|m_b=a and b'", // the quote in O'Brien pairs with the next one: the delimiter between is protected
        ["m_b"] = null,
        ["m_c"] = "C:\temp\nX", // \t and \n are read as escapes
        ["m_d"] = "x",
        ["m_e"] = "end", // spaces at the end of a part are dropped
        ["m_f"] = " start", // not at the start of a value, only of a part
        ["m_g"] = "padded",
        ["m_h"] = "a|b", // an escaped delimiter
        ["m_i"] = "1",
        ["m_j"] = "say \"hi\"",
        ["m_k"] = "it's", // a quote with no other after it stays
        ["m_l"] = @"a\b",
        ["m_m"] = @" x\q", // \s is a space; \q is no escape and stays
        ["m_n"] = "1",
        ["m_o"] = "two words", // quotes protect spaces when the delimiter is a space
        ["m_p"] = "3",
        ["m_q"] = "x~y",
        ["m_r"] = "z",
    };

    [Fact]
    public async Task A_multiset_argument_is_cut_as_FreeSWITCH_cuts_it()
    {
        var (harness, call) = await CallHarness.StartAsync(new CallerScript(), async c =>
        {
            foreach (var (argument, _) in MultisetSplitAgreementTests.Cases) await c.Session.ExecuteAsync("multiset", argument);
        });
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            var record = await call.Completion.WaitAsync(Patience);

            record.ProtocolErrors.Should().BeEmpty();
            OnFreeSwitch.Keys.ToDictionary(n => n, n => record.Variables.GetValueOrDefault(n), StringComparer.Ordinal).Should().Equal(OnFreeSwitch);
        }
    }

    [Theory]
    [InlineData("a|b|c", '|', new[] { "a", "b", "c" })]
    [InlineData("  a  |  b  ", '|', new[] { "a", "b" })]
    [InlineData("a  b   c", ' ', new[] { "a", "b", "c" })]
    [InlineData("'a|b'|c", '|', new[] { "a|b", "c" })]
    [InlineData(@"a\|b|c", '|', new[] { "a|b", "c" })]
    [InlineData("a|b|c|d", '|', new[] { "a", "b", "c|d" }, 3)]
    [InlineData("a b c  d", ' ', new[] { "a", "b", "c  d" }, 3)]
    public void Separate_cuts_at_the_delimiter_outside_quotes_and_escapes(string buffer, char delimiter, string[] parts, int max = 256)
    {
        SwitchSeparateString.Separate(buffer, delimiter, max).Should().Equal(parts);
    }
}
