using System.Text.RegularExpressions;
using IvrEngine.EventSocket;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Tests.EndToEnd;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The simulator answers the api commands the engine and the tests use as FreeSWITCH does: the same output,
/// byte for byte once UUIDs are masked, for a live channel, an unknown one and an unknown command.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed partial class ApiAgreementTests
{
    /// <summary>{c}: the live caller's channel (held at the bank's menu); {x}: a UUID no channel has. Each with what
    /// FreeSWITCH 1.10.12 answered (UUIDs masked, line ends as \n), which the fast test holds the simulator to.</summary>
    internal static readonly (string Command, string Output)[] Recorded =
    [
        ("uuid_exists {c}", "true"),
        ("uuid_exists {x}", "false"),
        ("uuid_getvar {c} ivr_dnis", "5000"),
        ("uuid_getvar {c} no_such_variable", "_undef_"),
        ("uuid_getvar {x} ivr_dnis", "-ERR No such channel!\\n"),
        ("uuid_setvar {c} ivr_agreement yes", "+OK\\n"),
        ("uuid_getvar {c} ivr_agreement", "yes"),
        ("uuid_setvar {x} ivr_agreement yes", "-ERR No such channel!\\n"),
        ("uuid_setvar_multi {c} ivr_a=1;ivr_b=2", "+OK\\n"),
        ("uuid_getvar {c} ivr_b", "2"),
        ("uuid_setvar_multi {x} ivr_a=1", "-ERR No such channel!\\n-USAGE: <uuid> <var>=<value>;<var>=<value>...\\n"),
        ("uuid_break {x}", "-ERR No such channel!\\n"),
        ("uuid_kill {x}", "-ERR No such channel!\\n"),
        ("uuid_transfer {x} queue_vip XML default", "-ERR No such channel!\\n"),
        ("uuid_recv_dtmf {x} 1", "-ERR Cannot locate session!\\n"),
        ("no_such_command now", "-ERR no_such_command Command not found!\\n"),
        ("uuid_getvar {c}", "-USAGE: <uuid> <var>\\n"),
        ("uuid_setvar {c}", "-USAGE: <uuid> <var> [value]\\n"),
        ("uuid_setvar_multi {c}", "-ERR no reply\\n"),
        ("uuid_transfer {c}", "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\\n"),
        ("uuid_recv_dtmf {c}", "-USAGE: <uuid> <dtmf_data>\\n"),
        ("uuid_kill", "-USAGE: <uuid> [cause]\\n"),
        ("uuid_break", "-USAGE: <uuid> [all]\\n"),
        ("uuid_exists", "false"),
        ("uuid_recv_dtmf {c} 9", "+OK <channel> received DTMF 9.\\n"),
    ];

    internal static IEnumerable<string> Expected => Recorded.Select(r => r.Command + " => " + r.Output);

    [RealFreeSwitchFact]
    public async Task Api_commands_answer_as_FreeSWITCH_does()
    {
        var unknown = Guid.NewGuid().ToString();
        var caller = DemoDataSeeder.UnknownAnis[0];

        List<string> real;
        await using (var lab = await RealLab.StartAsync(new LabOptions(), nameof(Api_commands_answer_as_FreeSWITCH_does)))
        {
            var call = await lab.CallAsync("5000", caller);
            await lab.Events.WaitAsync(e => e.EventName == "CHANNEL_EXECUTE" && e.UniqueId == call.Caller && e["Application"] == "play_and_get_digits",
                RealLab.Patience, "the caller at the menu");
            real = await RunAsync(c => lab.FreeSwitch.Client.ApiAsync(c), call.Caller, unknown);
        }

        var simulated = await RunSimulatedAsync();
        simulated.Should().Equal(real, "each api command's output (UUIDs masked) is FreeSWITCH's\nREAL:\n" + string.Join("\n", real)
                                       + "\nSIMULATOR:\n" + string.Join("\n", simulated));
        real.Should().Equal(Expected, "what the fast test holds the simulator to (Recorded) is what FreeSWITCH answers");
    }

    /// <summary>The commands against the simulator's inbound server, with a simulated caller at the bank's menu.</summary>
    internal static async Task<List<string>> RunSimulatedAsync()
    {
        await using var engine = await EngineUnderTest.StartAsync(new SimulatorOptions { HangUpAfterTransfer = false }, null,
            "--Store:SeedDemoData=true", "--Flows:Path=" + Path.Combine(AppContext.BaseDirectory, "flows"));
        await using var server = await engine.Simulator.StartInboundServerAsync("agreement");
        await using var client = new EslInboundClient(new EslInboundOptions { Port = server.EndPoint.Port, Password = "agreement" });
        await client.StartAsync();
        var call = await engine.CallAsync(new CallerScript
        {
            Ani = DemoDataSeeder.UnknownAnis[0], Dnis = "5000", Variables = new Dictionary<string, string> { ["ivr_dnis"] = "5000" },
        });
        await call.WaitForApplicationAsync("play_and_get_digits").WaitAsync(RealLab.Patience);
        return await RunAsync(c => client.ApiAsync(c), call.Uuid, Guid.NewGuid().ToString());
    }

    private static async Task<List<string>> RunAsync(Func<string, Task<EslApiResponse>> api, string channel, string unknown)
    {
        var outputs = new List<string>();
        foreach (var command in Recorded.Select(r => r.Command))
        {
            var response = await api(command.Replace("{c}", channel, StringComparison.Ordinal).Replace("{x}", unknown, StringComparison.Ordinal))
                .WaitAsync(RealLab.Patience);
            var body = response.Body.Replace(channel, "<channel>", StringComparison.Ordinal).Replace(unknown, "<unknown>", StringComparison.Ordinal);
            outputs.Add(command + " => " + Uuid().Replace(body, "<uuid>").Replace("\n", "\\n", StringComparison.Ordinal));
        }

        return outputs;
    }

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Uuid();
}
