using System.Text.Json;
using IvrEngine.Profiles;

namespace IvrEngine.Tests.Flows;

/// <summary><c>simulate</c> itself: the JSON shape, keys typed at the console, and its exit codes (0 ended as
/// written, 1 the flow failed, 2 it could not run).</summary>
public sealed class SimulateCommandTests : IDisposable
{
    private readonly FlowCliKit _kit = new();

    [Fact]
    public async Task The_json_report_is_one_object_with_outcome_transfer_client_steps_and_attached()
    {
        var run = await _kit.SimulateAsync("bank", "--ani", DemoDataSeeder.WellKnown.VipPhone, "--dnis", "5000", "--json");

        run.Code.Should().Be(0, run.Error);
        using var document = JsonDocument.Parse(run.Output);
        var root = document.RootElement;
        root.GetProperty("flow").GetString().Should().Be("bank");
        root.GetProperty("outcome").GetString().Should().Be("transferred");
        root.GetProperty("error").ValueKind.Should().Be(JsonValueKind.Null);
        root.GetProperty("transfer").GetProperty("kind").GetString().Should().Be("queue");
        root.GetProperty("transfer").GetProperty("target").GetString().Should().Be("vip");
        root.GetProperty("transfer").GetProperty("priority").GetInt32().Should().Be(600);
        root.GetProperty("client").GetProperty("code").GetString().Should().Be("V");
        root.GetProperty("client").GetProperty("found").GetBoolean().Should().BeTrue();
        root.GetProperty("language").GetString().Should().Be("en");
        root.GetProperty("steps")[0].GetString().Should().Be("bank/identify");
        root.GetProperty("lastStep").GetString().Should().Be("bank/route");
        root.GetProperty("attached").GetProperty("ivr_cti_code").GetString().Should().Be("V");
    }

    [Fact]
    public async Task Without_keys_each_wait_reads_a_line_typed_at_the_console()
    {
        var run = await FlowCliKit.RunAsync(
            ["simulate", "bank", "--ani", "+15559990003", "--dnis", "5000", _kit.StoreArg, "--Store:SeedDemoData=true"],
            input: "9\n1\n4111 1111 1111 1111#\nx\n1\n");

        run.Code.Should().Be(0, run.Error);
        run.Output.Should().Contain("1 key>")
            .And.Contain("12-19 keys, end with #>")
            .And.Contain("[play] invalid.wav", "9 is no option")
            .And.Contain("is not a phone key", "x is asked again")
            .And.Contain("[transfer] queue vip, priority 600");
    }

    [Fact]
    public async Task When_the_console_input_ends_the_caller_hangs_up()
    {
        var run = await FlowCliKit.RunAsync(["simulate", "bank", "--ani", "+15559990003", "--dnis", "5000", _kit.StoreArg, "--Store:SeedDemoData=true"]);

        run.Code.Should().Be(0, run.Error);
        run.Output.Should().Contain("[caller hangs up]").And.Contain("outcome:  hung-up").And.Contain("transfer: none");
    }

    [Fact]
    public async Task A_flow_run_for_a_number_another_flow_serves_says_so()
    {
        var run = await _kit.SimulateAsync("bank", "--ani", DemoDataSeeder.WellKnown.VipPhone, "--dnis", "5001");

        run.Code.Should().Be(0, run.Error);
        run.Output.Should().Contain("(note: the engine would run flow 'taxi' for 5001)");
    }

    [Fact]
    public async Task A_flow_that_fails_exits_1_with_the_error()
    {
        var flows = Path.Combine(_kit.Folder, "flows");
        Directory.CreateDirectory(flows);
        await File.WriteAllTextAsync(Path.Combine(flows, "fails.yaml"), """
            flow: fails
            numbers: ["7000"]
            steps:
              identify:
                lookup: caller
                found: agent
                not_found: agent
              agent:
                transfer: { queue: general, priority: '=10 / Client.OpenOrders' }
            """);

        var run = await _kit.SimulateAsync("fails", "--ani", "+15559990001", "--dnis", "7000", "--flows", flows, "--json");

        run.Code.Should().Be(1, run.Error);
        using var document = JsonDocument.Parse(run.Output);
        document.RootElement.GetProperty("outcome").GetString().Should().Be("failed");
        document.RootElement.GetProperty("error").GetString().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task Bad_arguments_exit_2()
    {
        string[] call = ["--ani", "+15559990001", "--dnis", "5000"];

        var run = await _kit.SimulateAsync(["bank", .. call, "--keys", "1,x"]);
        run.Code.Should().Be(2);
        run.Error.Should().Contain("--keys item 2");

        run = await _kit.SimulateAsync(["nosuch", .. call]);
        run.Code.Should().Be(2);
        run.Error.Should().Contain("no flow named 'nosuch'").And.Contain("bank");

        run = await _kit.SimulateAsync(["bank", .. call, "--at", "christmas"]);
        run.Code.Should().Be(2);
        run.Error.Should().Contain("--at");

        (await _kit.SimulateAsync("bank", "--dnis", "5000")).Code.Should().Be(2, "--ani is required");
        (await _kit.SimulateAsync(["bank", .. call, "--flows", Path.Combine(_kit.Folder, "missing")])).Code.Should().Be(2);
        (await _kit.SimulateAsync(["bank", .. call, "--Store:DefaultRegion=usa"])).Error.Should().Contain("DefaultRegion");
    }

    [Fact]
    public async Task A_flows_folder_that_does_not_load_exits_2_with_its_messages()
    {
        var flows = Path.Combine(_kit.Folder, "flows");
        Directory.CreateDirectory(flows);
        var file = Path.Combine(flows, "broken.yaml");
        await File.WriteAllTextAsync(file, "flow: broken\nsteps:\n  a:\n    goto: nowhere\n");

        var run = await _kit.SimulateAsync("broken", "--ani", "+15559990001", "--dnis", "5000", "--flows", flows);

        run.Code.Should().Be(2);
        run.Error.Should().Contain(file + ":4:").And.Contain("nowhere");
    }

    public void Dispose() => _kit.Dispose();
}
