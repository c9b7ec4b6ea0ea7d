using IvrEngine.Calls;
using IvrEngine.Ivr;
using IvrEngine.Scripts;
using IvrEngine.Scripts.Runtime;

namespace IvrEngine.Tests.Conf;

/// <summary>The SIP headers an agent's phone gets are the engine's, set within its budget: the dialplan copies no
/// context value into a header, and the engine's default headers are the ones the dialplan used to set, each within
/// its line and all of them, with the UUI header, within the total.</summary>
public sealed class SipHeaderBudgetTests
{
    private static readonly FreeSwitchConf Conf = FreeSwitchConf.Load();
    private static readonly CallBudgetsOptions Defaults = new();

    private static IEnumerable<(string Variable, string Data)> HeaderSets() =>
        Conf.Section("dialplan").Descendants()
            .Where(e => e.Name.LocalName is "action" or "anti-action" && (string?)e.Attribute("application") is "set" or "export")
            .Select(e => (string)e.Attribute("data")!)
            .Where(d => d.StartsWith("sip_h_", StringComparison.Ordinal) || d.StartsWith("nolocal:sip_h_", StringComparison.Ordinal))
            .Select(d => (d.Split('=', 2)[0], d.Split('=', 2) is [_, var value] ? value : string.Empty));

    [Fact]
    public void The_dialplan_copies_no_context_value_into_a_header()
    {
        HeaderSets().Should().NotContain(h => h.Data.Contains("${ivr_", StringComparison.Ordinal),
            "a copy would skip the engine's size budget and its one-line rule");
    }

    [Fact]
    public void Every_header_the_dialplan_sets_fits_the_default_line()
    {
        foreach (var (variable, data) in HeaderSets())
        {
            CallBudget.LineBytes(variable.Replace("nolocal:", string.Empty, StringComparison.Ordinal), data)
                .Should().BeLessThanOrEqualTo(Defaults.SipHeaders.LineBytes, variable);
        }
    }

    [Fact]
    public void The_engine_sends_the_headers_the_dialplan_used_to_set_by_default()
    {
        new CallBudget(Defaults).Headers.Should().Equal(
            new KeyValuePair<string, string>("X-IVR-Client-Id", ContextVariables.ClientId),
            new KeyValuePair<string, string>("X-IVR-Context-Id", ContextVariables.ContextId),
            new KeyValuePair<string, string>("X-IVR-CTI-Code", ContextVariables.CtiCode),
            new KeyValuePair<string, string>("X-IVR-Flow", ContextVariables.Flow),
            new KeyValuePair<string, string>("X-IVR-Priority", ContextVariables.TransferPriority));
    }

    [Fact]
    public void Each_default_header_at_its_largest_fits_its_line_and_all_fit_the_total_with_the_largest_uui_header()
    {
        var budget = new CallBudget(Defaults);
        var largest = budget.Headers.ToDictionary(h => h.Value, h => new string('x', budget.CapOf(h.Value)), StringComparer.Ordinal);

        var cut = new List<string>();
        var headers = budget.SipHeaders(largest, cut);
        var largestUui = new string('x', Defaults.Uui.MaxBytes);

        cut.Should().BeEmpty("every default header's variable has a cap its line holds");
        headers.Should().HaveCount(5).And.OnlyContain(h => CallBudget.LineBytes(h.Key, h.Value) <= Defaults.SipHeaders.LineBytes);
        var lines = headers.Sum(h => CallBudget.LineBytes(h.Key, h.Value)) + CallBudget.LineBytes(CallBudget.UuiHeaderVariable, UuiForm.ToHeader(largestUui));
        lines.Should().BeLessThanOrEqualTo(Defaults.SipHeaders.TotalBytes);
        ContextContract.Cap(ContextVariables.Flow).Should().Be(budget.CapOf(ContextVariables.Flow), "a flow name is at most 100 characters");
    }
}
