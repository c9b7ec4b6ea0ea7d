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
        // The dialplan set socket_resume=true before the socket; the engine unset it once it had the call.
        ("uuid_getvar {c} socket_resume", "_undef_"),
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

    /// <summary>Commands on an inbound connection (port 8021) besides api ({x}: a UUID no channel has), each with the
    /// Reply-Text FreeSWITCH 1.10.12 gave (in order: subscriptions, filters and logging change as they go).</summary>
    internal static readonly (string Command, string Reply)[] InboundRecorded =
    [
        ("event plain CHANNEL_ANSWER", "+OK event listener enabled plain"),
        ("event plain NO_SUCH_EVENT", "-ERR no keywords supplied"),
        ("event json CHANNEL_HANGUP", "+OK event listener enabled json"),
        ("nixevent CHANNEL_ANSWER", "+OK events nixed"),
        ("nixevent NO_SUCH_EVENT", "-ERR no keywords supplied"),
        ("noevents", "+OK no longer listening for events"),
        ("filter Unique-ID {x}", "+OK filter added. [Unique-ID]=[{x}]"),
        ("filter delete Unique-ID {x}", "+OK filter deleted. [Unique-ID][{x}]"),
        ("filter Unique-ID", "-ERR invalid syntax"),
        ("myevents {x}", "+OK Events Enabled"),
        ("myevents", "-ERR command not found"),
        ("log debug", "+OK log level debug [7]"),
        ("nolog", "+OK no longer logging"),
        ("nolog", "-ERR not loging"),
        ("log", "+OK log level  [7]"),
        ("log bogus", "-ERR invalid log level"),
        ("nolog", "+OK no longer logging"),
        ("getvar ivr_dnis", "-ERR command not found"),
        ("no_such_command", "-ERR command not found"),
        ("sendmsg {x}\ncall-command: hangup", "-ERR invalid session id [{x}]"),
        ("exit", "+OK bye"),
    ];

    internal static IEnumerable<string> InboundExpected => InboundRecorded.Select(r => r.Command + " => " + r.Reply);

    [RealFreeSwitchFact]
    public async Task Inbound_commands_answer_as_FreeSWITCH_does()
    {
        List<string> real;
        await using (var lab = await RealLab.StartAsync(new LabOptions { Engine = EngineMode.None }, nameof(Inbound_commands_answer_as_FreeSWITCH_does)))
        {
            real = await RunInboundAsync(lab.FreeSwitch.EslPort, lab.FreeSwitch.Password);
        }

        var simulated = await RunInboundSimulatedAsync();
        simulated.Should().Equal(real, "each reply is FreeSWITCH's\nREAL:\n" + string.Join("\n", real) + "\nSIMULATOR:\n" + string.Join("\n", simulated));
        real.Should().Equal(InboundExpected, "what the fast test holds the simulator to (InboundRecorded) is what FreeSWITCH answers");
    }

    /// <summary>The inbound commands against the simulator's inbound server.</summary>
    internal static async Task<List<string>> RunInboundSimulatedAsync()
    {
        await using var simulator = new FreeSwitchSimulator();
        await using var server = await simulator.StartInboundServerAsync("agreement");
        return await RunInboundAsync(server.EndPoint.Port, "agreement");
    }

    /// <summary>Authenticates on a raw connection, then sends each command and keeps its reply (frames that are not
    /// replies, such as log lines, are skipped).</summary>
    private static async Task<List<string>> RunInboundAsync(int port, string password)
    {
        var unknown = Guid.NewGuid().ToString();
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(System.Net.IPAddress.Loopback, port);
        var stream = tcp.GetStream();
        var reader = new RawFrames(stream);
        (await reader.NextAsync()).Should().Contain("auth/request");
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"auth {password}\n\n"));
        (await reader.ReplyAsync()).Should().Contain("Reply-Text: +OK accepted");
        var outputs = new List<string>();
        foreach (var command in InboundRecorded.Select(r => r.Command))
        {
            await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(command.Replace("{x}", unknown, StringComparison.Ordinal) + "\n\n"));
            var frame = await reader.ReplyAsync();
            var reply = frame.Split('\n').FirstOrDefault(l => l.StartsWith("Reply-Text: ", StringComparison.Ordinal))?["Reply-Text: ".Length..] ?? frame;
            outputs.Add(command + " => " + reply.Replace(unknown, "{x}", StringComparison.Ordinal));
        }

        return outputs;
    }

    /// <summary>Event-socket frames off a stream: a header block, then Content-Length body bytes.</summary>
    private sealed class RawFrames(System.Net.Sockets.NetworkStream stream)
    {
        private readonly List<byte> _pending = [];

        public async Task<string> NextAsync()
        {
            var chunk = new byte[4096];
            while (true)
            {
                var text = System.Text.Encoding.UTF8.GetString([.. _pending]);
                var end = text.IndexOf("\n\n", StringComparison.Ordinal);
                if (end >= 0)
                {
                    var head = text[..end];
                    var length = head.Split('\n').Where(l => l.StartsWith("Content-Length: ", StringComparison.Ordinal))
                        .Select(l => int.Parse(l["Content-Length: ".Length..], System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
                    var headBytes = System.Text.Encoding.UTF8.GetByteCount(text[..(end + 2)]);
                    if (_pending.Count >= headBytes + length)
                    {
                        _pending.RemoveRange(0, headBytes + length);
                        return head;
                    }
                }

                var n = await stream.ReadAsync(chunk).AsTask().WaitAsync(RealLab.Patience);
                if (n == 0) return "(closed)";
                _pending.AddRange(chunk.AsSpan(0, n));
            }
        }

        /// <summary>The next command/reply (or the end of the connection).</summary>
        public async Task<string> ReplyAsync()
        {
            while (true)
            {
                var frame = await NextAsync();
                if (frame == "(closed)" || frame.Contains("Content-Type: command/reply", StringComparison.Ordinal)) return frame;
            }
        }
    }

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Uuid();
}
