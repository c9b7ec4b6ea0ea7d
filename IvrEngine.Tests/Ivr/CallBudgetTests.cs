using IvrEngine.Ivr;
using IvrEngine.Scripts;
using IvrEngine.Tests.Scripts.Loading;
using Microsoft.Extensions.Configuration;
using static IvrEngine.Tests.Scripts.Loading.FlowText;

namespace IvrEngine.Tests.Ivr;

/// <summary>Flows are checked against the budgets of each transport when they load: what fits loads, what does not is
/// refused with the transport, the worst case against the limit, the setting, the largest parts, at the step the admin
/// can change. The settings themselves are checked at start.</summary>
public sealed class CallBudgetTests : IDisposable
{
    /// <summary>One value the flow bounds, and nothing from a lookup: every byte of its worst case is known.</summary>
    private const string Tiny = """
        flow: tiny
        numbers: ["5100"]
        steps:
          note:
            set: { a: { value: '=Caller', max: 200 } }
            next: out
          out:
            transfer: { queue: general }
        """;

    /// <summary>Its worst case on the channel, name plus value each (see the test that adds it up).</summary>
    private const int TinyChannelBytes = 778;

    private const string Identified = """
        flow: identified
        numbers: ["5101"]
        steps:
          identify:
            lookup: caller
            found: notes
            not_found: notes
          notes:
            set: { note: { value: '=Client.Name', max: 250 } }
            next: out
          out:
            transfer: { queue: general, priority: 600 }
        """;

    private readonly FlowFiles _files = new();

    public void Dispose() => _files.Dispose();

    private FlowLoadResult Load(string yaml, CallBudgetsOptions? options = null, string file = "flow.yaml") =>
        FlowSet.FromText(new Dictionary<string, string> { [file] = yaml }, _files.Folder, new CallBudget(options ?? new CallBudgetsOptions()).LoadOptions(checkPromptFiles: false));

    [Fact]
    public void A_flow_within_every_budget_loads()
    {
        Load(Tiny).ShouldLoad();
        Load(Identified).ShouldLoad();
    }

    [Fact]
    public void The_worst_case_on_the_channel_counts_every_name_and_value_the_engine_sets()
    {
        // ivr_a 5+200, ivr_flow 8+4, ivr_last_step 13+8 ("tiny/out"), ivr_language 12+2, ivr_context_id 14+36,
        // sip_h_X-IVR-Context-Id 22+36, sip_h_X-IVR-Flow 16+4, ivr_uui 7+45 ("c=<36>&f=tiny"),
        // sip_h_User-to-User 18+103 (90 hex digits and ";encoding=hex"), and the two lists of those 9 names
        // (115 bytes and 8 commas): cc_export_vars 14+123; ivr_export_extra lists the 5 the contract lacks (ivr_a, the two
        // headers, ivr_uui, sip_h_User-to-User: 68 bytes and 4 commas): 16+72.
        Load(Tiny, new CallBudgetsOptions { ChannelVariables = { TotalBytes = TinyChannelBytes } }).ShouldLoad();

        Load(Tiny, new CallBudgetsOptions { ChannelVariables = { TotalBytes = TinyChannelBytes - 1 } }).ShouldReport(
            $"flow.yaml:{At(Tiny, "'=Caller'")}: flow 'tiny': the channel variables can reach {TinyChannelBytes} bytes, over the {TinyChannelBytes - 1} allowed "
            + "(Flows:Budgets:ChannelVariables:TotalBytes); largest: ivr_a 205 (set in step 'note'), cc_export_vars 137, sip_h_User-to-User 121");
    }

    [Fact]
    public void A_value_larger_than_one_value_may_be_is_refused_where_it_is_written()
    {
        const string yaml = """
            flow: notes
            default: true
            steps:
              notes:
                set:
                  short: '=Caller'
                  note: { value: '=Client.Name', max: 300 }
                next: out
              out:
                transfer: { queue: general }
            """;

        Load(yaml).ShouldReport(
            $"flow.yaml:{At(yaml, "'=Client.Name'")}: flow 'notes': ivr_note (set in step 'notes') can reach 300 bytes, over the 256 allowed "
            + "(Flows:Budgets:ChannelVariables:ValueBytes); write a shorter value, or give the expression a smaller max ({ value: ..., max: N })");
    }

    [Fact]
    public void A_header_line_that_cannot_fit_names_the_header_its_variable_and_where_the_flow_writes_it()
    {
        var options = new CallBudgetsOptions { SipHeaders = { Headers = { ["X-IVR-Note"] = "ivr_note" } } };

        Load(Identified, options).ShouldReport(
            $"flow.yaml:{At(Identified, "'=Client.Name'")}: flow 'identified': the SIP header X-IVR-Note (ivr_note, set in step 'notes') can reach 262 bytes, "
            + "over the 256 allowed (Flows:Budgets:SipHeaders:LineBytes); write a shorter value, or give the expression a smaller max ({ value: ..., max: N })");
    }

    [Fact]
    public void All_the_headers_together_are_held_to_their_total_with_the_uui_header()
    {
        var options = new CallBudgetsOptions
        {
            SipHeaders = { TotalBytes = 400, Headers = { ["X-IVR-Reason"] = "ivr_cti_reason", ["X-IVR-Name"] = "ivr_client_name" } },
        };

        var problem = Load(Identified, options).Diagnostics.Should().ContainSingle().Subject;

        // The 5 default lines (53 + 54 + 24 + 22 + 19), X-IVR-Reason 14+128, X-IVR-Name 12+64, and User-to-User 14+227:
        // a form of 107 bytes (c 38, f 12, i 38, p 5, t 10, 4 ampersands) in hex with ";encoding=hex".
        problem.ToString().Should().Be(
            $"flow.yaml:{At(Identified, "flow:")}: flow 'identified': the SIP headers can reach 631 bytes, over the 400 allowed (Flows:Budgets:SipHeaders:TotalBytes); "
            + "largest: User-to-User 241, X-IVR-Reason 142 (ivr_cti_reason, client lookup, step 'identify'), X-IVR-Name 76 (ivr_client_name, client lookup, step 'identify')");
    }

    [Fact]
    public void The_uui_form_is_held_to_128_bytes_with_free_text_counted_escaped()
    {
        var options = new CallBudgetsOptions { Uui = { Fields = { ["n"] = "ivr_client_name" } } };

        var problem = Load(Identified, options).Diagnostics.Should().ContainSingle().Subject;

        // c 38, f 12, i 38, n 2+3*64 (a name may need escaping throughout), p 5, t 10, and 5 ampersands.
        problem.Message.Should().Be(
            "flow 'identified': the UUI form (ivr_uui) can reach 302 bytes, over the 128 allowed (Flows:Budgets:Uui:MaxBytes); "
            + "largest: n=ivr_client_name 194 (client lookup, step 'identify'), c=ivr_context_id 38 (the engine), i=ivr_client_id 38 (client lookup, step 'identify')");
    }

    [Fact]
    public void A_transport_that_is_off_checks_nothing()
    {
        var options = new CallBudgetsOptions
        {
            SipHeaders = { Enabled = false, TotalBytes = 64, Headers = { ["X-IVR-Note"] = "ivr_note" } },
            Uui = { Enabled = false, Fields = { ["n"] = "ivr_client_name" } },
        };

        Load(Identified, options).ShouldLoad();
    }

    [Fact]
    public void The_default_settings_are_valid_and_every_bad_one_is_reported_at_once()
    {
        FlowsOptionsValidator.Check(new FlowsOptions()).Should().BeEmpty();

        var failures = FlowsOptionsValidator.Check(new FlowsOptions
        {
            Budgets = new CallBudgetsOptions
            {
                UnboundedValueBytes = 300,
                ChannelVariables = { ValueBytes = 64, TotalBytes = 100 },
                SipHeaders = { LineBytes = 8, Headers = { ["X IVR"] = "ivr_flow", ["user-to-user"] = "ivr_flow", ["X-IVR-Pin"] = "pin" } },
                Uui = { MaxBytes = 129, Fields = { ["a=b"] = "ivr_flow", ["x"] = "ivr_uui" } },
            },
        });

        failures.Should().Equal(
            "Flows:Budgets:ChannelVariables:ValueBytes is 64; give 128 to 8192 (256 is a good value).",
            "Flows:Budgets:ChannelVariables:TotalBytes is 100; give 1024 to 1048576 (4096 is a good value).",
            "Flows:Budgets:UnboundedValueBytes is 300; give 1 to 64 (64 is a good value).",
            "Flows:Budgets:SipHeaders:LineBytes is 8; give 32 to 1024 (256 is a good value).",
            "Flows:Budgets:SipHeaders:Headers:X IVR: \"X IVR\" is not a header name (letters, digits and '-', e.g. \"X-IVR-Flow\").",
            "Flows:Budgets:SipHeaders:Headers:user-to-user: the UUI form takes User-to-User (Flows:Budgets:Uui:SipHeader); name another header.",
            "Flows:Budgets:SipHeaders:Headers:X-IVR-Pin: \"pin\" is not a context variable (ivr_ and letters, digits, '_' or '-', e.g. \"ivr_client_id\"; not ivr_uui or ivr_export_extra).",
            "Flows:Budgets:Uui:MaxBytes is 129; give 16 to 128 (128 is a good value).",
            "Flows:Budgets:Uui:Fields:a=b: \"a=b\" is not a UUI key (1 to 16 letters, digits, '_', '-' or '.', e.g. \"c\").",
            "Flows:Budgets:Uui:Fields:x: \"ivr_uui\" is not a context variable (ivr_ and letters, digits, '_' or '-', e.g. \"ivr_client_id\"; not ivr_uui or ivr_export_extra).");
    }

    [Fact]
    public void Settings_add_headers_and_fields_to_the_defaults_and_an_empty_variable_takes_one_out()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Flows:Budgets:SipHeaders:Headers:X-IVR-Name"] = "ivr_client_name",
            ["Flows:Budgets:SipHeaders:Headers:x-ivr-priority"] = "",
            ["Flows:Budgets:Uui:Fields:f"] = "",
            ["Flows:Budgets:Uui:Fields:m"] = "ivr_matched_by",
            ["Flows:Budgets:Uui:MaxBytes"] = "96",
        }).Build();
        var options = new FlowsOptions();
        configuration.GetSection(FlowsOptions.Section).Bind(options);

        var budget = new CallBudget(options.Budgets);

        FlowsOptionsValidator.Check(options).Should().BeEmpty();
        budget.Headers.Select(h => h.Key).Should().Equal("X-IVR-Client-Id", "X-IVR-Context-Id", "X-IVR-CTI-Code", "X-IVR-Flow", "X-IVR-Name");
        budget.UuiFields.Select(f => $"{f.Key}={f.Value}").Should().Equal("c=ivr_context_id", "i=ivr_client_id", "m=ivr_matched_by", "p=ivr_transfer_priority", "t=ivr_cti_code");
    }

    [Fact]
    public void What_is_sent_is_cut_to_the_same_caps_the_check_counts()
    {
        var budget = new CallBudget(new CallBudgetsOptions { SipHeaders = { Headers = { ["X-IVR-Name"] = "ivr_client_name" } } });
        var values = new Dictionary<string, string>
        {
            ["ivr_client_name"] = new string('n', 500),
            ["ivr_context_id"] = Guid.NewGuid().ToString("D"),
            ["ivr_cti_code"] = "V",
            ["ivr_flow"] = "bank",
        };

        var cut = new List<string>();
        var headers = budget.SipHeaders(values, cut);
        var leftOut = new List<string>();
        var uui = budget.Uui(values, leftOut);

        budget.CapOf("ivr_client_name").Should().Be(64);
        budget.CapOf("ivr_note").Should().Be(256, "a flow variable's cap is checked when the flow loads; this is the ceiling");
        budget.CapOf("ivr_campaign").Should().Be(64);
        headers.Should().Contain(new KeyValuePair<string, string>("sip_h_X-IVR-Name", new string('n', 256 - "X-IVR-Name: ".Length - 3) + "\u2026"));
        cut.Should().Equal("X-IVR-Name");
        uui.Should().Be($"c={values["ivr_context_id"]}&f=bank&t=V");
        leftOut.Should().BeEmpty();
    }

    [Fact]
    public void A_uui_field_that_would_pass_the_limit_is_left_out_whole()
    {
        var budget = new CallBudget(new CallBudgetsOptions { Uui = { MaxBytes = 48, Fields = { ["n"] = "ivr_client_name" } } });
        var values = new Dictionary<string, string>
        {
            ["ivr_context_id"] = "3f2b1c2d-0000-4000-8000-000000000001",
            ["ivr_client_name"] = "Eleanor Vance",
            ["ivr_cti_code"] = "V",
        };

        var leftOut = new List<string>();
        var uui = budget.Uui(values, leftOut);

        uui.Should().Be("c=3f2b1c2d-0000-4000-8000-000000000001&t=V");
        uui.Length.Should().BeLessThanOrEqualTo(48);
        leftOut.Should().Equal("n");
    }
}
