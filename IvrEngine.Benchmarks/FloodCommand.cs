using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using IvrEngine.Simulator;
using IvrEngine.Tests.RealFreeSwitch;

namespace IvrEngine.Benchmarks;

/// <summary><c>flood</c>: real calls while hostile sockets are open on the outbound port. The engine runs as a CHILD
/// PROCESS (its memory and CPU read apart from this process's sockets and simulated FreeSWITCH), the default flow
/// alone, a temporary store. Each round opens N sockets that never answer <c>connect</c> (or, with
/// <c>--mode answer</c>, answer it and then go silent), keeps them open, runs M calls one after another through the
/// simulator and reads the engine's RSS and CPU time; then closes the sockets. Figures per round and the median.</summary>
internal static class FloodCommand
{
    private static readonly string[] Options = ["--sockets", "--calls", "--rounds", "--mode"];
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static int Run(ReadOnlySpan<string> args)
    {
        var line = CommandLine.Parse(args, Options, positionals: 0);
        var sockets = line.GetInt("--sockets", 5000, 1, 200_000);
        var calls = line.GetInt("--calls", 200, 1, 100_000);
        var rounds = line.GetInt("--rounds", 3, 1, 50);
        var mode = line.Get("--mode") ?? "silent";
        if (mode is not ("silent" or "answer")) throw new UsageException("--mode is silent (never answer connect) or answer (answer it, then go silent).");
        if (FileDescriptorLimit.Ensure(sockets + 1024L, "this process's end of each hostile socket") is { } problem)
        {
            Console.Error.WriteLine($"error (benchmark process): {problem}");
            return 2;
        }

        return BenchEngine.WithTemporaryStoreAsync("ivrengine-flood-", store => RunAsync(store, sockets, calls, rounds, mode == "answer"))
            .GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(string storePath, int sockets, int calls, int rounds, bool answer)
    {
        await using var engine = await FloodEngine.StartAsync(storePath);
        Console.WriteLine($"engine process (pid {engine.ProcessId}): IvrEngine as a child process, default settings, the default flow alone, on {engine.Outbound}");
        Console.WriteLine($"flood: {sockets:N0} loopback sockets that {(answer ? "answer connect, then go silent" : "never answer connect")}; {calls:N0} real calls one after another while they are open; {rounds} rounds");
        Console.WriteLine($"machine: {Environment.ProcessorCount} cores shared with other work: CPU time and RSS are the figures to read, not wall-clock");
        Console.WriteLine();
        var idleRss = await engine.SettledRssKbAsync();
        Console.WriteLine($"  [engine] idle RSS: {idleRss / 1024.0:N1} MB");

        var served = new List<double>();
        var rss = new List<double>();
        var cpuPerCall = new List<double>();
        var exit = 0;
        for (var round = 1; round <= rounds; round++)
        {
            var (opened, open) = await OpenAsync(engine.Outbound, sockets, answer);
            try
            {
                var health = await engine.HealthAsync();
                var cpuBefore = engine.Cpu();
                var ok = 0;
                var refused = 0;
                var failed = 0;
                await using (var simulator = new FreeSwitchSimulator())
                {
                    for (var i = 0; i < calls; i++)
                    {
                        try
                        {
                            var call = await simulator.StartCallAsync(engine.Outbound, new CallerScript { Dnis = "5999" }).WaitAsync(Patience);
                            var record = await call.Completion.WaitAsync(Patience);
                            if (record.Commands.Any(c => c.Line == "myevents")) ok++;
                            else refused++;
                        }
                        catch (Exception ex) when (ex is TimeoutException or SocketException or IOException)
                        {
                            failed++;
                        }
                    }
                }

                var cpu = engine.Cpu() - cpuBefore;
                var during = engine.RssKb();
                served.Add(ok);
                rss.Add(during);
                cpuPerCall.Add(cpu.TotalMilliseconds / calls);
                Console.WriteLine($"  round {round}: {opened:N0} hostile sockets open ({sockets - opened:N0} not connected); engine /health: {health}");
                Console.WriteLine($"    [callers] served {ok:N0} of {calls:N0} real calls, refused {refused:N0}, failed {failed:N0}");
                Console.WriteLine($"    [engine]  RSS with the flood open: {during / 1024.0:N1} MB; CPU {cpu.TotalMilliseconds:N0} ms for the calls ({cpu.TotalMilliseconds / calls:N2} ms per call, the flood's handling included)");
                if (ok < calls) exit = 1;
            }
            finally
            {
                foreach (var socket in open) socket.Dispose();
            }

            if (engine.HasExited)
            {
                Console.WriteLine("  the engine EXITED:\n" + engine.Tail());
                return 1;
            }
        }

        Console.WriteLine();
        Console.WriteLine($"median of {rounds}: served {Stats.Median(served):N0} of {calls:N0} calls with {sockets:N0} hostile sockets open; " +
            $"engine RSS {Stats.Median(rss) / 1024.0:N1} MB (idle {idleRss / 1024.0:N1} MB); {Stats.Median(cpuPerCall):N2} ms CPU per call");
        return exit;
    }

    private static async Task<(int Opened, List<Socket> Sockets)> OpenAsync(IPEndPoint endPoint, int count, bool answer)
    {
        var open = new List<Socket>(count);
        for (var i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.ConnectAsync(endPoint, timeout.Token);
                open.Add(socket);
                if (answer) _ = AnswerConnectAsync(socket);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
            }
        }

        return (open.Count, open);
    }

    private static async Task AnswerConnectAsync(Socket socket)
    {
        var buffer = new byte[512];
        var seen = new StringBuilder();
        try
        {
            while (!seen.ToString().Contains("\n\n", StringComparison.Ordinal))
            {
                var read = await socket.ReceiveAsync(buffer);
                if (read == 0) return;
                seen.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            await socket.SendAsync(Encoding.ASCII.GetBytes(
                $"Content-Type: command/reply\nSocket-Mode: async\nControl: full\nEvent-Name: CHANNEL_DATA\nUnique-ID: {Guid.NewGuid()}\n" +
                "Caller-Caller-ID-Number: 1000\nCaller-Destination-Number: 5999\n\n"));
            while (await socket.ReceiveAsync(buffer) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Closed by the engine or by the round's end.
        }
    }

    /// <summary>The engine as a child process, as <see cref="ScreenPopEngine"/> starts it, without the inbound connection.</summary>
    private sealed class FloodEngine : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly Queue<string> _tail = new();

        private FloodEngine(Process process, IPEndPoint outbound, Uri web)
        {
            _process = process;
            Outbound = outbound;
            Web = web;
        }

        public IPEndPoint Outbound { get; }

        public Uri Web { get; }

        public int ProcessId => _process.Id;

        public bool HasExited => _process.HasExited;

        public static async Task<FloodEngine> StartAsync(string storePath)
        {
            var ic = CultureInfo.InvariantCulture;
            var outboundPort = RealFreeSwitchEnvironment.FreePort();
            var webPort = RealFreeSwitchEnvironment.FreePort();
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = AppContext.BaseDirectory,
            };
            foreach (var arg in (string[])["exec", Path.Combine(AppContext.BaseDirectory, "IvrEngine.dll"), "--Engine:ListenAddress=127.0.0.1",
                $"--Engine:ListenPort={outboundPort.ToString(ic)}", $"--Web:Urls=http://127.0.0.1:{webPort.ToString(ic)}",
                $"--Store:Path={storePath}", "--Store:SeedDemoData=false", $"--Flows:Path={BenchEngine.DefaultFlowOnly(storePath)}",
                "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:IvrEngine.Hosting.OutboundCallService=Error"])
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("the engine did not start.");
            var engine = new FloodEngine(process, new IPEndPoint(IPAddress.Loopback, outboundPort), new Uri($"http://127.0.0.1:{webPort.ToString(ic)}/"));
            _ = engine.DrainAsync(process.StandardOutput);
            _ = engine.DrainAsync(process.StandardError);
            using var patience = new CancellationTokenSource(Patience);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            while (true)
            {
                try
                {
                    using var answer = await http.GetAsync(new Uri(engine.Web, "health"), patience.Token);
                    if (answer.IsSuccessStatusCode) return engine;
                }
                catch (HttpRequestException)
                {
                    if (process.HasExited) throw new InvalidOperationException("the engine exited:\n" + engine.Tail());
                }

                await Task.Delay(50, patience.Token);
            }
        }

        /// <summary>status, liveCalls, handshakes and connections from /health.</summary>
        public async Task<string> HealthAsync()
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            try
            {
                using var answer = await http.GetAsync(new Uri(Web, "health"));
                using var body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
                var root = body.RootElement;
                string Field(string name) => root.TryGetProperty(name, out var v) ? v.ToString() : "?";
                return $"{(int)answer.StatusCode} {Field("status")}, liveCalls {Field("liveCalls")}, handshakes {Field("handshakes")}, connections {Field("connections")}";
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
            {
                return "no answer (" + ex.GetType().Name + ")";
            }
        }

        public long RssKb()
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id.ToString(CultureInfo.InvariantCulture)}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture);
                }
            }

            throw new InvalidOperationException("no VmRSS in /proc/PID/status");
        }

        public async Task<long> SettledRssKbAsync()
        {
            await Task.Delay(1000);
            var readings = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                if (i > 0) await Task.Delay(200);
                readings.Add(RssKb());
            }

            return (long)Stats.Median(readings);
        }

        public TimeSpan Cpu()
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }

        public string Tail()
        {
            lock (_tail) return string.Join('\n', _tail);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        private async Task DrainAsync(StreamReader reader)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (_tail)
                {
                    _tail.Enqueue(line);
                    while (_tail.Count > 40) _tail.Dequeue();
                }
            }
        }
    }
}
