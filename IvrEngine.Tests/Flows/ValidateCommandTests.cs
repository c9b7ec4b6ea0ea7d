using IvrEngine.Scripts;

namespace IvrEngine.Tests.Flows;

/// <summary><c>validate</c>: one line and exit 0 when the flows load; every message as file:line:column and exit 1
/// when not; exit 2 when there is nothing at the path.</summary>
public sealed class ValidateCommandTests : IDisposable
{
    private const string Broken = """
        flow: broken
        numbers: ["7000"]
        start: welcome
        steps:
          welcome:
            play: tone_stream://%(200,0,800)
            next: nowhere
          route:
            branch:
              - when: 'Client.Code =='
                goto: welcome
            else: welcome
          bye:
            hangup: NORMAL_CLEARING
            colour: red
        """;

    private readonly FlowCliKit _kit = new();

    [Fact]
    public async Task The_shipped_flows_are_OK()
    {
        var expected = FlowSet.Load(FlowCliKit.ShippedFlows).Set!.Flows.Count;

        var run = await FlowCliKit.RunAsync(["validate", FlowCliKit.ShippedFlows]);

        run.Code.Should().Be(0, run.Output + run.Error);
        run.Output.Trim().Should().Be($"{expected} flows OK");
    }

    [Fact]
    public async Task One_file_is_one_flow()
    {
        var run = await FlowCliKit.RunAsync(["validate", Path.Combine(FlowCliKit.ShippedFlows, "taxi.yaml")]);

        run.Code.Should().Be(0, run.Output + run.Error);
        run.Output.Trim().Should().Be("1 flow OK");
    }

    [Fact]
    public async Task A_broken_file_exits_1_with_every_message_at_its_place_under_the_path_given()
    {
        var file = Path.Combine(_kit.Folder, "broken.yaml");
        await File.WriteAllTextAsync(file, Broken);
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, file);

        var run = await FlowCliKit.RunAsync(["validate", relative]);

        run.Code.Should().Be(1);
        var lines = run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.Should().HaveCountGreaterThanOrEqualTo(3, "a missing step, a condition that does not compile and an unknown field: " + run.Output);
        lines.Should().AllSatisfy(line => line.Should().MatchRegex(@"^.+:\d+:\d+: .+$").And.StartWith(relative + ":"));
        lines.Should().Contain(line => line.StartsWith(relative + ":7:", StringComparison.Ordinal) && line.Contains("nowhere", StringComparison.Ordinal));
        lines.Should().Contain(line => line.StartsWith(relative + ":10:", StringComparison.Ordinal));
        lines.Should().Contain(line => line.StartsWith(relative + ":15:", StringComparison.Ordinal) && line.Contains("colour", StringComparison.Ordinal));
        run.Error.Should().Contain("problems");
    }

    [Fact]
    public async Task An_absolute_path_gives_absolute_file_names()
    {
        var file = Path.Combine(_kit.Folder, "broken.yaml");
        await File.WriteAllTextAsync(file, Broken);

        var run = await FlowCliKit.RunAsync(["validate", _kit.Folder]);

        run.Code.Should().Be(1);
        run.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().AllSatisfy(line => line.Should().StartWith(file + ":"));
    }

    [Fact]
    public async Task Nothing_at_the_path_exits_2()
    {
        var run = await FlowCliKit.RunAsync(["validate", Path.Combine(_kit.Folder, "missing")]);

        run.Code.Should().Be(2);
        run.Error.Should().Contain("no such file or folder");
        (await FlowCliKit.RunAsync(["validate"])).Code.Should().Be(2, "the path is required");
    }

    [Fact]
    public async Task A_flow_that_cannot_fit_the_budgets_exits_1_and_the_settings_given_on_the_line_apply()
    {
        const string notes = """
            flow: notes
            numbers: ["7100"]
            steps:
              note:
                set: { note: { value: '=Caller', max: 300 } }
                next: out
              out:
                transfer: { queue: general }
            """;
        var file = Path.Combine(_kit.Folder, "notes.yaml");
        await File.WriteAllTextAsync(file, notes);

        var refused = await FlowCliKit.RunAsync(["validate", file]);
        var allowed = await FlowCliKit.RunAsync(["validate", file, "--Flows:Budgets:ChannelVariables:ValueBytes=512"]);
        var invalid = await FlowCliKit.RunAsync(["validate", file, "--Flows:Budgets:Uui:MaxBytes=500"]);

        refused.Code.Should().Be(1);
        refused.Output.Trim().Should().Be($"{file}:5:27: flow 'notes': ivr_note (set in step 'note') can reach 300 bytes, over the 256 allowed "
            + "(Flows:Budgets:ChannelVariables:ValueBytes); write a shorter value, or give the expression a smaller max ({ value: ..., max: N })");
        allowed.Code.Should().Be(0, allowed.Output + allowed.Error);
        allowed.Output.Trim().Should().Be("1 flow OK");
        invalid.Code.Should().Be(2);
        invalid.Error.Should().Contain("Flows:Budgets:Uui:MaxBytes is 500; give 16 to 128");
    }

    [Fact]
    public async Task Help_lists_validate_and_simulate()
    {
        var run = await FlowCliKit.RunAsync(["--help"]);

        run.Output.Should().Contain("validate").And.Contain("simulate");
    }

    public void Dispose() => _kit.Dispose();
}
