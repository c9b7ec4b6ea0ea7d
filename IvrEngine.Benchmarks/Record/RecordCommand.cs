using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace IvrEngine.Benchmarks.Record;

/// <summary><c>record</c>: records the project's event-socket transcripts from a real FreeSWITCH that runs the
/// repository's freeswitch-conf/ with IVR_ENGINE_HOST pointed at this recorder. See
/// IvrEngine.Tests/Transcripts/README.md.</summary>
internal static class RecordCommand
{
    private static readonly string[] Options = ["--esl", "--password", "--listen", "--out", "--only"];

    public static int Run(ReadOnlySpan<string> args)
    {
        var line = CommandLine.Parse(args, Options, positionals: 0);
        var esl = EndPoint(line.Get("--esl") ?? throw new UsageException("--esl HOST:PORT (the inbound event socket) is required."), "--esl");
        var password = line.Get("--password") ?? throw new UsageException("--password (the event socket's) is required.");
        var listen = EndPoint(line.Get("--listen") ?? "127.0.0.1:9184", "--listen");
        var output = line.Get("--out") ?? Path.Combine("IvrEngine.Tests", "Transcripts");
        var only = line.Get("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var scenarios = Scenarios.All;
        if (only is not null)
        {
            var unknown = only.Where(n => scenarios.All(s => s.Name != n)).ToList();
            if (unknown.Count > 0) throw new UsageException($"Unknown scenario(s): {string.Join(", ", unknown)}; known: {string.Join(", ", scenarios.Select(s => s.Name))}.");
            scenarios = [.. scenarios.Where(s => only.Contains(s.Name))];
        }

        if (!Directory.Exists(output)) throw new UsageException($"Output folder '{output}' does not exist.");
        return RunAsync(new RecordSession(esl, password, listen, output), scenarios).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(RecordSession session, IReadOnlyList<Scenario> scenarios)
    {
        await using (session)
        {
            await session.StartAsync();
            Console.WriteLine($"FreeSWITCH: {session.Version}; event socket {session.Esl}; recorder listening on {session.Listen}");
            foreach (var scenario in scenarios)
            {
                Console.WriteLine($"{scenario.Name}: recording");
                await session.CleanUpAsync();
                var recorder = new TranscriptRecorder();
                try
                {
                    await scenario.Run(session, recorder);
                }
                catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or SocketException or IOException)
                {
                    var failed = Path.Combine(session.Output, scenario.Name + ".failed");
                    recorder.Note("FAILED: " + ex.Message);
                    recorder.Save(failed, scenario.Header(session));
                    Console.Error.WriteLine($"{scenario.Name}: failed: {ex.Message} (what was recorded is in {failed})");
                    return 1;
                }

                var path = Path.Combine(session.Output, scenario.Name + ".txt");
                recorder.Save(path, scenario.Header(session));
                Console.WriteLine($"{scenario.Name}: written to {path}");
            }

            await session.CleanUpAsync();
        }

        return 0;
    }

    private static IPEndPoint EndPoint(string text, string option) =>
        IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port != 0
            ? endPoint
            : throw new UsageException($"{option} wants IP:PORT (e.g. 127.0.0.1:8021), got '{text}'.");
}

/// <summary>One scenario: its transcript's name, what it shows (the transcript's header) and the script.</summary>
internal sealed record Scenario(string Name, string[] Description, Func<RecordSession, TranscriptRecorder, Task> Run)
{
    public IEnumerable<string> Header(RecordSession session) =>
    [
        $"{Name}: {Description[0]}",
        .. Description.Skip(1).Select(d => "  " + d),
        $"FreeSWITCH: {session.Version}, running the repository's freeswitch-conf/ as shipped, with",
        $"  IVR_ENGINE_HOST={session.Listen} (this recorder) and IVR_ENGINE_FAILOVER=127.0.0.1:9185 (nothing listening there).",
        "Recorded by: dotnet run --project IvrEngine.Benchmarks -- record --esl <host:port> --password <pw> --listen " +
        $"{session.Listen} --only {Name}",
        "  (IvrEngine.Benchmarks/Record; see IvrEngine.Tests/Transcripts/README.md).",
        "FORMAT: after this '#' header, each record is a marker line '### <seq> t=+<seconds> <DIR> <N> bytes', then exactly",
        "  N raw bytes as they crossed TCP, then one '\\n' that is not part of the data. DIR: FS->APP / APP->FS (the outbound",
        "  socket, or the main inbound connection), FS->CTL / CTL->FS (the inbound control connection). FreeSWITCH's bytes are",
        "  cut only between messages (header block + Content-Length body); the recorder's, one record per write. NOTE markers",
        "  are the recorder's annotations, not wire data.",
    ];
}

/// <summary>What the scenarios share: the event socket, the listener FreeSWITCH's outbound sockets reach, and an
/// unrecorded housekeeping connection.</summary>
internal sealed class RecordSession(IPEndPoint esl, string password, IPEndPoint listen, string output) : IAsyncDisposable
{
    private readonly TcpListener _listener = new(listen);
    private EslPeer? _admin;

    public IPEndPoint Esl { get; } = esl;

    public IPEndPoint Listen { get; } = listen;

    public string Output { get; } = output;

    public string Version { get; private set; } = "?";

    public async Task StartAsync()
    {
        _listener.Start();
        _admin = await EslPeer.LoginAsync(Esl, password, recorder: null);
        Version = (await _admin.CommandAsync("api version\n\n")).Text.Trim();
    }

    /// <summary>An inbound connection, logged in; recorded as FS->CTL / CTL->FS unless named otherwise.</summary>
    public Task<EslPeer> LoginAsync(TranscriptRecorder recorder, string fromFs = "FS->CTL", string toFs = "CTL->FS") =>
        EslPeer.LoginAsync(Esl, password, recorder, fromFs, toFs);

    public Task<EslPeer> ConnectAsync(TranscriptRecorder recorder, string fromFs, string toFs) =>
        EslPeer.ConnectAsync(Esl, recorder, fromFs, toFs);

    public string Password => password;

    /// <summary>The next outbound-socket connection FreeSWITCH opens to the recorder.</summary>
    public async Task<EslPeer> AcceptAsync(TranscriptRecorder recorder, TimeSpan? wait = null)
    {
        var socket = await _listener.AcceptSocketAsync().WaitAsync(wait ?? EslPeer.DefaultWait);
        socket.NoDelay = true;
        recorder.Note($"accepted the outbound-socket TCP connection from {socket.RemoteEndPoint}");
        return EslPeer.Outbound(socket, recorder);
    }

    /// <summary>Between scenarios (not recorded): hangs up whatever is left and waits until no channel is left.</summary>
    public async Task CleanUpAsync()
    {
        await _admin!.CommandAsync("api hupall MANAGER_REQUEST\n\n");
        for (var i = 0; i < 100; i++)
        {
            var json = (await _admin.CommandAsync("api show channels as json\n\n")).Text;
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.GetProperty("row_count").GetInt32() == 0) return;
            await Task.Delay(100);
        }

        throw new InvalidOperationException("Channels are left over from the previous scenario.");
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        if (_admin is not null) await _admin.DisposeAsync();
    }
}
