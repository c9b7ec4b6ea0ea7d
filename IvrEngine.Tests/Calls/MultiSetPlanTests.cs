using IvrEngine.Calls;
using IvrEngine.Simulator;
using IvrEngine.Tests.RealFreeSwitch;

namespace IvrEngine.Tests.Calls;

/// <summary>A batch of variables goes in one <c>multiset</c> where FreeSWITCH's split keeps each value as it is
/// (what <see cref="ContextAttachTests"/> checks on the real one), and by a command of its own where it would not.</summary>
public sealed class MultiSetPlanTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public void Plain_values_and_the_export_list_go_in_one_multiset()
    {
        var plan = MultiSetPlan.Make(new Dictionary<string, string> { ["a"] = "Anna Smith", ["b"] = "x=y", ["c"] = "1,2" }, "ivr_dnis,a,b,c");

        plan.MultiSets.Should().Equal("^^||a=Anna Smith|b=x=y|c=1,2|export_vars=ivr_dnis,a,b,c");
        plan.Singles.Should().BeEmpty();
        plan.Raw.Should().BeEmpty();
    }

    [Theory]
    [InlineData("O'Brien")]
    [InlineData("say \"hi\"")]
    [InlineData(@"C:\temp")]
    [InlineData("end ")]
    [InlineData("two\nlines")]
    [InlineData("tab\there")]
    public void A_value_the_split_would_change_goes_by_a_set_of_its_own(string value)
    {
        var plan = MultiSetPlan.Make(new Dictionary<string, string> { ["odd"] = value, ["a"] = "1", ["b"] = "2" }, null);

        plan.Singles.Should().Equal(new Dictionary<string, string> { ["odd"] = value });
        plan.MultiSets.Should().Equal("^^||a=1|b=2");
    }

    [Fact]
    public void A_value_with_a_dollar_goes_to_uuid_setvar_and_is_still_exported()
    {
        var plan = MultiSetPlan.Make(new Dictionary<string, string> { ["price"] = "$100" }, "price");

        plan.Raw.Should().Equal(new Dictionary<string, string> { ["price"] = "$100" });
        plan.MultiSets.Should().Equal("^^||export_vars=price");
    }

    [Fact]
    public void The_delimiter_is_one_no_value_holds()
    {
        var plan = MultiSetPlan.Make(new Dictionary<string, string> { ["a"] = "x|y", ["b"] = "p~q" }, null);

        plan.MultiSets.Should().Equal("^^``a=x|y`b=p~q");
    }

    [Fact]
    public void A_value_holding_every_delimiter_goes_alone_and_the_rest_still_share_one_command()
    {
        var plan = MultiSetPlan.Make(new Dictionary<string, string> { ["all"] = "|~`!#%&*+:;@", ["a"] = "1", ["b"] = "2" }, null);

        plan.Singles.Should().ContainSingle().Which.Key.Should().Be("all");
        plan.MultiSets.Should().Equal("^^||a=1|b=2");
    }

    [Fact]
    public void One_value_only_set_keeps_its_own_set()
    {
        var plan = MultiSetPlan.Make(new Dictionary<string, string> { ["a"] = "1" }, null);

        plan.MultiSets.Should().BeEmpty();
        plan.Singles.Should().Equal(new Dictionary<string, string> { ["a"] = "1" });
    }

    [Fact]
    public void A_batch_over_FreeSWITCHs_part_limit_is_split()
    {
        var batch = Enumerable.Range(0, MultiSetPlan.MaxPerCommand + 10).ToDictionary(i => "v" + i, i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var plan = MultiSetPlan.Make(batch, string.Join(',', batch.Keys));

        plan.MultiSets.Should().HaveCount(2);
        plan.MultiSets.Sum(m => m.Split('|').Length - 2).Should().Be(batch.Count + 1, "every value and export_vars, once");
        plan.MultiSets[1].Should().EndWith("|export_vars=" + string.Join(',', batch.Keys));
    }

    [Fact]
    public async Task The_tricky_values_reach_the_simulated_channel_exported_after_the_dialplans_own_with_one_multiset()
    {
        var (harness, call) = await CallHarness.StartAsync(
            new CallerScript { Variables = new Dictionary<string, string> { ["ivr_dnis"] = "5000", ["export_vars"] = "ivr_dnis" } },
            async c => (await c.SetVariablesAsync(ContextAttachTests.Tricky, exported: true)).IsSuccess.Should().BeTrue());
        await using (harness)
        {
            await harness.Logic.WaitAsync(Patience);
            var record = await call.Completion.WaitAsync(Patience);
            record.ProtocolErrors.Should().BeEmpty();
            foreach (var (name, value) in ContextAttachTests.Tricky) record.Variables.Should().Contain(name, value);
            record.Variables["export_vars"].Split(',').Should().StartWith(["ivr_dnis"]).And.Contain(ContextAttachTests.Tricky.Keys).And.OnlyHaveUniqueItems();
            record.ExportedVariables.Should().ContainKeys(ContextAttachTests.Tricky.Keys);
            record.Applications.Count(a => a.Name == "multiset").Should().Be(1);
            record.Applications.Should().NotContain(a => a.Name == "export", "export_vars is set in the multiset");
        }
    }
}
