using IvrEngine.Calls;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The engine attaches a call's context in one <c>multiset</c> where it can (<see cref="MultiSetPlan"/>); every
/// value must still reach the real channel exactly as sent, and the exported ones be listed in <c>export_vars</c> after
/// what the dialplan exported. Values FreeSWITCH's split would read differently take another command; this test is
/// what says which.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class ContextAttachTests
{
    /// <summary>Values a card or a caller can bring: quotes, backslashes, every delimiter the plan may choose, spaces,
    /// '$' alone and '$ {' as the sanitizer leaves it, '=' and ',' and non-ASCII.</summary>
    internal static readonly Dictionary<string, string> Tricky = new(StringComparer.Ordinal)
    {
        ["ivr_t_plain"] = "Anna Smith",
        ["ivr_t_quote"] = "O'Brien",
        ["ivr_t_quotes"] = "'a' and 'b'",
        ["ivr_t_double"] = "say \"hi\"",
        ["ivr_t_backslash"] = @"C:\temp\n",
        ["ivr_t_pipe"] = "a|b|c",
        ["ivr_t_delims"] = "|~`!#%&*+:;@",
        ["ivr_t_equals"] = "a=b=c",
        ["ivr_t_comma"] = "x,y",
        ["ivr_t_dollar"] = "$100",
        ["ivr_t_defused"] = "$ {system rm}",
        ["ivr_t_inner_spaces"] = "a   b",
        ["ivr_t_trailing"] = "end ",
        ["ivr_t_leading"] = " start",
        ["ivr_t_unicode"] = "Zoë Müller – 東京",
        ["ivr_t_caret"] = "^^|x",
    };

    [RealFreeSwitchFact]
    public async Task Every_value_reaches_the_channel_as_sent_and_exported_after_the_dialplans_own()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Engine = EngineMode.None }, nameof(ContextAttachTests));
        await using var held = await HeldSocketCall<CallResult>.StartAsync(lab, async (session, ct) =>
        {
            using var call = new FreeSwitchCall(session);
            return await call.SetVariablesAsync(Tricky, exported: true, ct);
        });
        var (uuid, result) = (held.Uuid, held.Result);
        uuid.Should().Be(held.Placed.Caller);
        result.IsSuccess.Should().BeTrue(result.ToString());
        foreach (var (name, value) in Tricky)
        {
            (await lab.FreeSwitch.ApiAsync($"uuid_getvar {uuid} {name}")).Should().Be(value, $"{name} is set as sent");
        }

        // The dialplan exported ivr_dnis (and the fallback reason) before the socket; they stay listed.
        var exports = (await lab.FreeSwitch.ApiAsync($"uuid_getvar {uuid} export_vars")).Split(',');
        exports.Should().StartWith(["ivr_dnis"]).And.Contain(Tricky.Keys).And.OnlyHaveUniqueItems();
    }
}
