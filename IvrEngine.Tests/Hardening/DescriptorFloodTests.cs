using System.Net;
using System.Net.Sockets;
using System.Text;
using IvrEngine.Simulator;

namespace IvrEngine.Tests.Hardening;

/// <summary>Floods against the engine run as a child process under a 2,048 open-file limit, all on loopback: more
/// sockets than it has descriptors must neither kill it nor keep real calls out; the accept loop must not spin.</summary>
[Collection(FloodTests.Name)]
public sealed class DescriptorFloodTests
{
    private const int FileLimit = 2048;
    private const int Flood = 2100;

    /// <summary>At most this many "accepting failed" lines in a run: a loop that backs off logs a few, a spinning one
    /// tens of thousands.</summary>
    private const int MaxAcceptFailureLines = 50;

    [ChildProcessFact]
    public async Task Silent_sockets_beyond_the_descriptor_limit_leave_the_engine_up_and_serving_calls()
    {
        await using var engine = await ChildEngine.StartAsync(FileLimit, "--Engine:ConnectTimeoutSeconds=5");
        await using (var flood = await HostilePeers.OpenAsync(engine.Outbound, Flood, answerConnect: false))
        {
            await using var simulator = new FreeSwitchSimulator();
            var record = await RunCallAsync(simulator, engine);

            record.Commands.Select(c => c.Line).Should().Contain("myevents", "a real call is served while {0} silent sockets are open ({1})",
                flood.Open, engine.Describe());
            engine.HasExited.Should().BeFalse("{0}", engine.Describe());
        }

        await AssertServingAfterTheFloodAsync(engine);
    }

    [ChildProcessFact]
    public async Task Sockets_that_answer_connect_then_go_silent_beyond_the_descriptor_limit_are_closed_and_calls_go_on()
    {
        await using var engine = await ChildEngine.StartAsync(FileLimit, "--Engine:ReplyTimeoutSeconds=3");
        await using (var flood = await HostilePeers.OpenAsync(engine.Outbound, Flood, answerConnect: true))
        {
            await using var simulator = new FreeSwitchSimulator();
            var record = await RunCallAsync(simulator, engine);

            record.Commands.Select(c => c.Line).Should().Contain("myevents", "a real call is served once the silent peers are closed ({0})",
                engine.Describe());
            engine.HasExited.Should().BeFalse("{0}", engine.Describe());
        }

        await AssertServingAfterTheFloodAsync(engine);
    }

    [ChildProcessFact]
    public async Task Keep_alive_HTTP_connections_beyond_the_descriptor_limit_leave_the_engine_up()
    {
        await using var engine = await ChildEngine.StartAsync(FileLimit);
        var web = new IPEndPoint(IPAddress.Parse(engine.Web.Host), engine.Web.Port);
        var sockets = new List<Socket>();
        try
        {
            var request = Encoding.ASCII.GetBytes($"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{engine.Web.Port}\r\n\r\n");
            for (var i = 0; i < Flood; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    await socket.ConnectAsync(web, timeout.Token);
                    await socket.SendAsync(request, timeout.Token);
                    sockets.Add(socket);
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException)
                {
                    socket.Dispose();
                }
            }

            await using var simulator = new FreeSwitchSimulator();
            var record = await RunCallAsync(simulator, engine);
            record.Commands.Select(c => c.Line).Should().Contain("myevents", "calls are served while HTTP is flooded ({0})", engine.Describe());
            engine.HasExited.Should().BeFalse("{0}", engine.Describe());
        }
        finally
        {
            foreach (var socket in sockets) socket.Dispose();
        }

        await AssertServingAfterTheFloodAsync(engine);
    }

    [ChildProcessFact]
    public async Task An_open_file_limit_too_low_for_the_caps_stops_the_start_with_exit_2()
    {
        // 700 descriptors: the engine's reserve (256) and HTTP's share (512 + 128 by default) leave too few for the
        // outbound listener's handshakes.
        var (exitCode, output) = await ChildEngine.RunToExitAsync(700, TimeSpan.FromSeconds(30));

        exitCode.Should().Be(2, "{0}", output);
        output.Should().Contain("open-file limit (700)").And.Contain("Web:MaxConnections");
    }

    private static async Task<CallRecord> RunCallAsync(FreeSwitchSimulator simulator, ChildEngine engine)
    {
        var call = await simulator.StartCallAsync(engine.Outbound, new CallerScript { Dnis = "5999" })
            .WaitAsync(ChildEngine.Patience);
        return await call.Completion.WaitAsync(ChildEngine.Patience);
    }

    private static async Task AssertServingAfterTheFloodAsync(ChildEngine engine)
    {
        await using var simulator = new FreeSwitchSimulator();
        var record = await RunCallAsync(simulator, engine);
        record.Commands.Select(c => c.Line).Should().Contain("myevents", "{0}", engine.Describe());

        using var http = new HttpClient { BaseAddress = engine.Web, Timeout = ChildEngine.Patience };
        var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
        ((int)health.StatusCode).Should().BeOneOf([200, 503], "{0}", engine.Describe());
        engine.HasExited.Should().BeFalse("{0}", engine.Describe());
        engine.Count("Accepting a connection failed").Should().BeLessThanOrEqualTo(MaxAcceptFailureLines, "the accept loop backs off");
    }
}
