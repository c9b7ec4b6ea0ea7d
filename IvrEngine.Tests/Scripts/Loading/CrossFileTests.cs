using IvrEngine.Scripts;
using static IvrEngine.Tests.Scripts.Loading.FlowText;

namespace IvrEngine.Tests.Scripts.Loading;

/// <summary>Loading a folder: every flow file in it, checked against each other.</summary>
public sealed class CrossFileTests : IDisposable
{
    private readonly FlowFiles _files = new();

    public void Dispose() => _files.Dispose();

    private static string Flow(string name, string extra = "") => $"""
        flow: {name}
        {extra}
        steps:
          bye:
            hangup:
        """;

    [Fact]
    public void Folder_loads_yaml_and_yml_files_in_name_order_and_skips_other_and_hidden_files()
    {
        _files.Write("b.yml", Flow("second"));
        _files.Write("a.yaml", Flow("first"));
        _files.Write("notes.txt", "not a flow");
        _files.Write(".#a.yaml", "garbage: [");
        _files.Write("sub/c.yaml", Flow("nested"));
        var set = _files.Load().ShouldLoad();
        set.Flows.Select(f => f.Name).Should().Equal("first", "second");
        set.Flows.Select(f => f.File).Should().Equal(Path.Combine(_files.Folder, "a.yaml"), Path.Combine(_files.Folder, "b.yml"));
    }

    [Fact]
    public void Two_flows_with_one_name()
    {
        var a = _files.Write("a.yaml", Flow("bank"));
        var b = _files.Write("b.yaml", Flow("bank"));
        _files.Load().ShouldReport($"{b}:1:7: flow 'bank' is already defined at {a}:1:7: flow names are unique");
    }

    [Fact]
    public void One_dialed_number_served_by_two_flows_compares_digits_and_plus()
    {
        const string first = "numbers: [\"+1 800 555-0100\", \"5000\"]";
        var a = _files.Write("a.yaml", Flow("bank", first));
        var b = _files.Write("b.yaml", Flow("cards", "numbers: [\"+18005550100\"]"));
        var aYaml = Flow("bank", first);
        var bYaml = Flow("cards", "numbers: [\"+18005550100\"]");
        _files.Load().ShouldReport(
            $"{b}:{At(bYaml, "\"+1800")}: number '+18005550100' is already served by flow 'bank' ({a}:{At(aYaml, "\"+1 800")}): one number, one flow");
    }

    [Fact]
    public void Number_listed_twice_in_one_flow()
    {
        var yaml = Flow("bank", "numbers: [\"5000\", \"50-00\"]");
        _files.FromText(("bank.yaml", yaml)).ShouldReport($"bank.yaml:{At(yaml, "\"50-00\"")}: number '50-00' is listed twice (also at bank.yaml:{At(yaml, "\"5000\"")})");
    }

    [Fact]
    public void A_number_with_and_without_plus_are_different_numbers()
    {
        _files.FromText(("a.yaml", Flow("a", "numbers: [\"+5000\"]")), ("b.yaml", Flow("b", "numbers: [\"5000\"]"))).ShouldLoad();
    }

    [Fact]
    public void Two_default_flows()
    {
        var yaml = Flow("x", "default: true");
        _files.FromText(("a.yaml", Flow("main", "default: true")), ("b.yaml", yaml)).ShouldReport(
            $"b.yaml:{At(yaml, "default")}: flow 'x' is a default flow, and so is 'main' (a.yaml:{At(yaml, "default")}): only one default flow per folder");
    }

    [Fact]
    public void The_default_flow_serves_numbers_no_flow_lists()
    {
        var set = _files.FromText(("a.yaml", Flow("main", "default: true")), ("b.yaml", Flow("sales", "numbers: [\"5001\"]"))).ShouldLoad();
        set.Default!.Name.Should().Be("main");
        set.ForDialedNumber("5001")!.Name.Should().Be("sales");
        set.ForDialedNumber("9999")!.Name.Should().Be("main");
        set.ForDialedNumber(" (500) 1 ")!.Name.Should().Be("sales", "the way a number is written does not matter");
        set.ForDialedNumber("$${x}5001")!.Name.Should().Be("main", "text that is no dialed number is not matched by its digits");
        set.ForDialedNumber("sip:5001")!.Name.Should().Be("main");
        set.ForDialedNumber("")!.Name.Should().Be("main");
    }

    private const string Caller = """
        flow: bank
        steps:
          pin:
            subflow: verify-pn
            next: bye
          bye:
            hangup:
        """;

    [Fact]
    public void Subflow_to_an_unknown_flow_in_the_folder_with_the_closest_name()
    {
        var bank = _files.Write("bank.yaml", Caller);
        _files.Write("verify-pin.yaml", Flow("verify-pin"));
        _files.Load().ShouldReport($"{bank}:{At(Caller, "verify-pn")}: step 'pin' runs flow 'verify-pn', which does not exist (did you mean 'verify-pin'?)");
    }

    [Fact]
    public void Subflow_in_another_file_resolves_when_the_folder_is_loaded()
    {
        _files.Write("bank.yaml", Caller.Replace("verify-pn", "verify-pin", StringComparison.Ordinal));
        _files.Write("verify-pin.yaml", Flow("verify-pin"));
        var set = _files.Load().ShouldLoad();
        set.ByName("verify-pin").Should().NotBeNull();
    }

    [Fact]
    public void Loading_a_single_file_checks_its_subflows_against_that_file_only()
    {
        var yaml = Caller.Replace("verify-pn", "verify-pin", StringComparison.Ordinal);
        var bank = _files.Write("bank.yaml", yaml);
        _files.Write("verify-pin.yaml", Flow("verify-pin"));
        _files.Load("bank.yaml").ShouldReport(
            $"{bank}:{At(yaml, "verify-pin")}: step 'pin' runs flow 'verify-pin', which does not exist among the flows loaded (only {bank}: load the folder to use other files' flows)");
    }

    [Fact]
    public void A_single_file_that_calls_itself_loads()
    {
        _files.Write("bank.yaml", Caller.Replace("verify-pn", "bank", StringComparison.Ordinal));
        _files.Load("bank.yaml").ShouldLoad().Flows.Should().ContainSingle();
    }

    [Fact]
    public void A_file_that_cannot_be_read_reports_its_own_problem_without_missing_subflow_noise()
    {
        var bank = _files.Write("bank.yaml", Caller.Replace("verify-pn", "verify-pin", StringComparison.Ordinal));
        var broken = _files.Write("verify-pin.yaml", "flow: verify-pin\nsteps: [\n");
        var problems = _files.Load().Problems();
        problems.Should().ContainSingle().Which.Should().StartWith($"{broken}:");
        problems.Should().NotContain(p => p.StartsWith(bank, StringComparison.Ordinal));
    }

    [Fact]
    public void Problems_of_several_files_come_by_file_then_line()
    {
        _files.Write("b.yaml", "flow: b\ntimezone: Nowhere/Else\nsteps:\n  x:\n    hangup: NOPE\n");
        _files.Write("a.yaml", "flow: a\nsteps:\n  x:\n    goto: y\n");
        var result = _files.Load();
        result.Problems().Select(p => p[(_files.Folder.Length + 1)..]).Should().Equal(
            "a.yaml:4:11: step 'x' goes to 'y', which does not exist",
            "b.yaml:2:11: time zone 'Nowhere/Else' is unknown",
            "b.yaml:5:13: step 'x': hangup cause 'NOPE' is unknown");
        result.Set.Should().BeNull("the engine keeps its last good set");
    }

    [Fact]
    public void Empty_folder_and_missing_path()
    {
        _files.Load().ShouldReport($"{_files.Folder}:0:0: no flow files (*.yaml, *.yml) in this folder");
        var missing = Path.Combine(_files.Folder, "nope");
        _files.Load("nope").ShouldReport($"{missing}:0:0: no such file or folder");
    }

    [Fact]
    public void FromText_resolves_prompts_against_each_file_folder()
    {
        _files.Prompts("tenants/acme/prompts", "hello.wav");
        var set = _files.FromText(("tenants/acme/flow.yaml", """
            flow: acme
            prompts: prompts
            steps:
              hello:
                play: hello.wav
              bye:
                hangup:
            """)).ShouldLoad();
        set.Flows[0].PromptsDirectory.Should().Be(Path.Combine(_files.Folder, "tenants", "acme", "prompts"));
    }
}
