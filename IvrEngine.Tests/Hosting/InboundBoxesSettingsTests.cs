using IvrEngine.Hosting;

namespace IvrEngine.Tests.Hosting;

/// <summary><c>Engine:Inbound:Boxes</c>: the list of FreeSWITCH boxes is checked at start (a host, a port, a password,
/// no box twice), and the single <c>Engine:Inbound:Host/Port/Password</c> still means a list of one.</summary>
public sealed class InboundBoxesSettingsTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("ivrengine-boxes-");

    public void Dispose() => _temp.Delete(recursive: true);

    [Fact]
    public void The_single_host_port_and_password_are_a_list_of_one_box_named_by_its_address()
    {
        var inbound = new EngineOptions.InboundSettings { Enabled = true, Host = "fs1.example", Port = 8022, Password = "secret" };

        inbound.EffectiveBoxes().Should().ContainSingle().Which.Should().BeEquivalentTo(
            new EngineOptions.InboundBox { Name = "fs1.example:8022", Host = "fs1.example", Port = 8022, Password = "secret" });
        Validate(inbound).Should().BeEmpty();
    }

    [Fact]
    public void A_box_without_a_password_or_a_name_takes_the_shared_password_and_its_address()
    {
        var inbound = new EngineOptions.InboundSettings
        {
            Enabled = true,
            Password = "shared",
            Boxes =
            [
                new() { Host = "10.0.0.5", Port = 8021 }, new() { Name = "site-b", Host = "fs2.example", Port = 8021, Password = "own" },
                new() { Name = " ", Host = "fs3.example", Port = 8021 },
            ],
        };

        inbound.EffectiveBoxes().Select(b => (b.Name, b.Host, b.Port, b.Password)).Should().Equal(
            ("10.0.0.5:8021", "10.0.0.5", 8021, "shared"), ("site-b", "fs2.example", 8021, "own"), ("fs3.example:8021", "fs3.example", 8021, "shared"));
        Validate(inbound).Should().BeEmpty();
    }

    [Theory]
    [InlineData("bad host!", 8021, "pw", null, "Engine:Inbound:Boxes:1:Host \"bad host!\" is not a host name or an IP address")]
    [InlineData("", 8021, "pw", null, "Engine:Inbound:Boxes:1:Host is empty")]
    [InlineData("fs2.example", 0, "pw", null, "Engine:Inbound:Boxes:1:Port 0 is not a port (1 to 65535)")]
    [InlineData("fs2.example", 70000, "pw", null, "Engine:Inbound:Boxes:1:Port 70000 is not a port (1 to 65535)")]
    [InlineData("fs2.example", 8021, "", null, "Engine:Inbound:Boxes:1:Password is empty and so is Engine:Inbound:Password")]
    [InlineData("FS1.example", 8021, "pw", null, "Engine:Inbound:Boxes:1 (FS1.example:8021) is the same box as Engine:Inbound:Boxes:0")]
    [InlineData("fs2.example", 8021, "pw", "site-a", "Engine:Inbound:Boxes:1:Name \"site-a\" is the name of Engine:Inbound:Boxes:0 too")]
    [InlineData("fs2.example", 8021, "pw", "site b", "Engine:Inbound:Boxes:1:Name \"site b\" must be 1 to 64 letters")]
    public void A_bad_second_box_is_named_with_what_is_wrong(string host, int port, string password, string? name, string failure)
    {
        var inbound = new EngineOptions.InboundSettings
        {
            Enabled = true,
            Boxes = [new() { Name = "site-a", Host = "fs1.example", Port = 8021, Password = "pw" }, new() { Name = name, Host = host, Port = port, Password = password }],
        };

        Validate(inbound).Should().ContainSingle().Which.Should().StartWith(failure);
    }

    [Theory]
    [InlineData("10.0.0.6")]
    [InlineData("::1")]
    [InlineData("fs2.example.com")]
    [InlineData("ivr_freeswitch_2")]
    [InlineData("FS-2")]
    public void Addresses_and_host_names_with_underscores_are_hosts(string host) =>
        Validate(new EngineOptions.InboundSettings
        {
            Enabled = true,
            Password = "pw",
            Boxes = [new() { Host = "fs1.example", Port = 8021 }, new() { Host = host, Port = 8021 }],
        }).Should().BeEmpty();

    [Theory]
    [InlineData("fs..example")]
    [InlineData("-fs2")]
    [InlineData("fs2.example/")]
    [InlineData("http://fs2")]
    public void Anything_else_is_not_a_host(string host) =>
        Validate(new EngineOptions.InboundSettings { Enabled = true, Password = "pw", Host = host }).Should().ContainSingle()
            .Which.Should().Be($"Engine:Inbound:Host \"{host}\" is not a host name or an IP address.");

    [Fact]
    public void A_list_of_boxes_is_not_checked_while_the_inbound_connection_is_off() =>
        Validate(new EngineOptions.InboundSettings { Boxes = [new() { Host = "bad host!", Port = 0 }] }).Should().BeEmpty();

    [Theory]
    [InlineData("--Engine:Inbound:Boxes:1:Host=127.0.0.1", "--Engine:Inbound:Boxes:1:Port=8021",
        "Engine:Inbound:Boxes:1 (127.0.0.1:8021) is the same box as Engine:Inbound:Boxes:0")]
    [InlineData("--Engine:Inbound:Boxes:1:Host=not a host", "--Engine:Inbound:Boxes:1:Port=8022",
        "Engine:Inbound:Boxes:1:Host \"not a host\" is not a host name or an IP address")]
    [InlineData("--Engine:Inbound:Boxes:1:Host=127.0.0.2", "--Engine:Inbound:Boxes:1:Port=many", "Engine:Inbound:Boxes:1:Port")]
    public async Task A_bad_box_list_stops_the_start_with_exit_2_naming_the_box(string host, string port, string named)
    {
        var run = await EngineProcess.RunAsync(
        [
            "--Store:Path=" + Path.Combine(_temp.FullName, "clients.db"), "--Store:SeedDemoData=false",
            "--Engine:ListenPort=" + EngineProcess.FreePort(), "--Web:Urls=http://127.0.0.1:" + EngineProcess.FreePort(),
            "--Flows:Path=" + Path.Combine(AppContext.BaseDirectory, "flows"),
            "--Engine:Inbound:Enabled=true", "--Engine:Inbound:Password=pw",
            "--Engine:Inbound:Boxes:0:Host=127.0.0.1", "--Engine:Inbound:Boxes:0:Port=8021", host, port,
        ]);

        run.ExitCode.Should().Be(EngineCli.UsageError, run.All);
        run.Error.Should().StartWith("IvrEngine cannot start").And.Contain(named);
        run.HasStackTrace.Should().BeFalse(run.All);
    }

    [Fact]
    public async Task A_box_without_any_password_stops_the_start_with_exit_2()
    {
        var run = await EngineProcess.RunAsync(
        [
            "--Store:Path=" + Path.Combine(_temp.FullName, "clients.db"), "--Store:SeedDemoData=false",
            "--Engine:ListenPort=" + EngineProcess.FreePort(), "--Web:Urls=http://127.0.0.1:" + EngineProcess.FreePort(),
            "--Flows:Path=" + Path.Combine(AppContext.BaseDirectory, "flows"),
            "--Engine:Inbound:Enabled=true", "--Engine:Inbound:Boxes:0:Host=127.0.0.1", "--Engine:Inbound:Boxes:0:Password=pw",
            "--Engine:Inbound:Boxes:1:Host=127.0.0.2",
        ]);

        run.ExitCode.Should().Be(EngineCli.UsageError, run.All);
        run.Error.Should().Contain("Engine:Inbound:Boxes:1:Password is empty and so is Engine:Inbound:Password");
        run.HasStackTrace.Should().BeFalse(run.All);
    }

    private static IReadOnlyList<string> Validate(EngineOptions.InboundSettings inbound)
    {
        var result = new EngineOptionsValidator().Validate(null, new EngineOptions { Inbound = inbound });
        return result.Failed ? [.. result.Failures!] : [];
    }
}
