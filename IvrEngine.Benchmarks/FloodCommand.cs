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
/// <c>--mode answer</c>, answer it and then go silent); with <c>--reconnect yes</c> it keeps N open: each one the
/// engine closes is opened again at once, as an attacker who reconnects would. Meanwhile M real calls (keying an account number) run at once through
/// the simulator; the engine's RSS and CPU time are read; then the sockets close. Figures per round and the median.</summary>
internal static class FloodCommand
{
    private static readonly string[] Options = ["--sockets", "--calls", "--rounds", "--mode", "--reconnect"];
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static int Run(ReadOnlySpan<string> args)
    {
        var line = CommandLine.Parse(args, Options, positionals: 0);
        var sockets = line.GetInt("--sockets", 5000, 1, 200_000);
        var calls = line.GetInt("--calls", 200, 1, 100_000);
        var rounds = line.GetInt("--rounds", 3, 1, 50);
        var mode = line.Get("--mode") ?? "silent";
        if (mode is not ("silent" or "answer")) throw new UsageException("--mode is silent (never answer connect) or answer (answer it, then go silent).");
        var reconnect = (line.Get("--reconnect") ?? "no") switch
        {
            "yes" => true,
            "no" => false,
            _ => throw new UsageException("--reconnect is yes (reopen each socket the engine closes) or no."),
        };
        if (FileDescriptorLimit.Ensure(sockets + 1024L, "this process's end of each hostile socket") is { } problem)
        {
            Console.Error.WriteLine($"error (benchmark process): {problem}");
            return 2;
        }

        return BenchEngine.WithTemporaryStoreAsync("ivrengine-flood-", store => RunAsync(store, sockets, calls, rounds, mode == "answer", reconnect))
            .GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(string storePath, int sockets, int calls, int rounds, bool answer, bool reconnect)
    {
        await using var engine = await FloodEngine.StartAsync(storePath);
        Console.WriteLine($"engine process (pid {engine.ProcessId}): IvrEngine as a child process, default settings, the default flow alone, on {engine.Outbound}");
        Console.WriteLine($"flood: {sockets:N0} loopback sockets that {(answer ? "answer connect, then go silent" : "never answer connect")}; {(reconnect ? "each reopened when the engine closes it" : "none reopened")}; {calls:N0} real calls at once while they are open; {rounds} rounds");
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
            using var flood = new Flood(engine.Outbound, answer, reconnect);
            var opened = await flood.OpenAsync(sockets);
            var health = await engine.HealthAsync();
            var cpuBefore = engine.Cpu();
            var reconnectsBefore = flood.Reconnects;
            var ok = 0;
            var refused = 0;
            var failed = 0;
            var peakRss = engine.RssKb();
            await using (var simulator = new FreeSwitchSimulator())
            {
                var all = Enumerable.Range(0, calls).Select(async _ =>
                {
                    try
                    {
                        var call = await simulator.StartCallAsync(engine.Outbound,
                            new CallerScript { Dnis = "5999", Inputs = [CallerInput.Keys("12345678#")] }).WaitAsync(Patience);
                        var record = await call.Completion.WaitAsync(Patience);
                        if (record.Commands.Any(c => c.Line == "myevents") && !record.DialplanContinued) Interlocked.Increment(ref ok);
                        else Interlocked.Increment(ref refused);
                    }
                    catch (Exception ex) when (ex is TimeoutException or SocketException or IOException)
                    {
                        Interlocked.Increment(ref failed);
                    }
                }).ToList();
                var done = Task.WhenAll(all);
                while (!done.IsCompleted)
                {
                    await Task.WhenAny(done, Task.Delay(250));
                    if (!engine.HasExited) peakRss = Math.Max(peakRss, engine.RssKb());
                }
            }

            var cpu = engine.Cpu() - cpuBefore;
            var reconnects = flood.Reconnects - reconnectsBefore;
            var healthAfter = await engine.HealthAsync();
            await flood.StopAsync();
            served.Add(ok);
            rss.Add(peakRss);
            cpuPerCall.Add(cpu.TotalMilliseconds / calls);
            Console.WriteLine($"  round {round}: {opened:N0} of {sockets:N0} hostile sockets connected when the calls began (the rest retrying); {reconnects:N0} connection attempts while the calls ran");
            Console.WriteLine($"    [engine]  /health with the flood open: {health}; after the calls: {healthAfter}");
            Console.WriteLine($"    [callers] served {ok:N0} of {calls:N0} real calls (all started at once), refused {refused:N0}, failed {failed:N0}");
            Console.WriteLine($"    [engine]  peak RSS during the calls: {peakRss / 1024.0:N1} MB; CPU {cpu.TotalMilliseconds:N0} ms while the calls ran ({cpu.TotalMilliseconds / calls:N2} ms per call, the flood's handling included)");
            if (ok < calls)
            {
                exit = 1;
                Console.WriteLine("    the engine's last lines:\n" + engine.Tail());
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

    /// <summary>N hostile sockets kept open: each one the engine closes is opened again until <see cref="StopAsync"/>.</summary>
    private sealed class Flood(IPEndPoint endPoint, bool answer, bool reconnect) : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<Task> _loops = [];
        private long _reconnects;
        private int _connected;
        private int _opened;

        public long Reconnects => Interlocked.Read(ref _reconnects);

        /// <summary>Sockets connected now.</summary>
        public int Connected => Volatile.Read(ref _connected);

        /// <summary>Sockets that connected at least once.</summary>
        public int Opened => Volatile.Read(ref _opened);

        /// <summary>Starts <paramref name="count"/> sockets at once and waits until all have connected or 30 s have
        /// passed (past the engine's backlog the rest keep trying); returns how many have connected.</summary>
        public async Task<int> OpenAsync(int count)
        {
            for (var i = 0; i < count; i++) _loops.Add(HoldAsync(null));
            var started = Stopwatch.GetTimestamp();
            while (Opened < count && Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(30)) await Task.Delay(100);
            return Opened;
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        public void Dispose() => _stop.Dispose();

        private async Task<Socket?> ConnectAsync()
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                await socket.ConnectAsync(endPoint, timeout.Token);
                return socket;
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
                return null;
            }
        }

        private async Task HoldAsync(Socket? socket)
        {
            var buffer = new byte[4096];
            var held = false;
            while (!_stop.IsCancellationRequested && (reconnect || !held))
            {
                if (socket is null)
                {
                    socket = await ConnectAsync();
                    Interlocked.Increment(ref _reconnects);
                    if (socket is null)
                    {
                        await Task.Delay(10).ConfigureAwait(false); // refused at once: do not spin
                        continue;
                    }
                }

                if (!held) Interlocked.Increment(ref _opened);
                held = true;
                Interlocked.Increment(ref _connected);
                try
                {
                    var seen = new StringBuilder();
                    var answered = !answer;
                    while (true)
                    {
                        var read = await socket.ReceiveAsync(buffer, _stop.Token);
                        if (read == 0) break; // the engine closed it
                        if (answered) continue; // silent: what the engine sends is dropped
                        seen.Append(Encoding.ASCII.GetString(buffer, 0, read));
                        if (!seen.ToString().Contains("\n\n", StringComparison.Ordinal)) continue;
                        answered = true;
                        await socket.SendAsync(Encoding.ASCII.GetBytes(
                            $"Content-Type: command/reply\nSocket-Mode: async\nControl: full\nEvent-Name: CHANNEL_DATA\nUnique-ID: {Guid.NewGuid()}\n" +
                            "Caller-Caller-ID-Number: 1000\nCaller-Destination-Number: 5999\n\n"), _stop.Token);
                    }
                }
                catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    // Reset by the engine, or the round is over.
                }

                Interlocked.Decrement(ref _connected);
                socket.Dispose();
                socket = null;
            }
        }
    }

    /// <summary>The engine as a child process (<see cref="EngineChild"/>), as <see cref="ScreenPopEngine"/> starts it,
    /// without the inbound connection.</summary>
    private sealed class FloodEngine : IAsyncDisposable
    {
        private readonly EngineChild _child;

        private FloodEngine(EngineChild child, IPEndPoint outbound, Uri web)
        {
            _child = child;
            Outbound = outbound;
            Web = web;
        }

        public IPEndPoint Outbound { get; }

        public Uri Web { get; }

        public int ProcessId => _child.Id;

        public bool HasExited => _child.HasExited;

        public static async Task<FloodEngine> StartAsync(string storePath)
        {
            var ic = CultureInfo.InvariantCulture;
            var outboundPort = RealFreeSwitchEnvironment.FreePort();
            var webPort = RealFreeSwitchEnvironment.FreePort();
            var child = EngineChild.Start(["--Engine:ListenAddress=127.0.0.1",
                $"--Engine:ListenPort={outboundPort.ToString(ic)}", $"--Web:Urls=http://127.0.0.1:{webPort.ToString(ic)}",
                $"--Store:Path={storePath}", "--Store:SeedDemoData=false", $"--Flows:Path={BenchEngine.DefaultFlowOnly(storePath)}",
                "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:IvrEngine.Hosting.OutboundCallService=Warning"]);
            var engine = new FloodEngine(child, new IPEndPoint(IPAddress.Loopback, outboundPort), new Uri($"http://127.0.0.1:{webPort.ToString(ic)}/"));
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
                    if (child.HasExited) throw new InvalidOperationException("the engine exited:\n" + engine.Tail());
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

        public long RssKb() => _child.RssKb();

        /// <summary>The median of 5 readings, 200 ms apart, after a second.</summary>
        public Task<long> SettledRssKbAsync() => _child.SettledRssKbAsync(TimeSpan.FromSeconds(1), 5, TimeSpan.FromMilliseconds(200));

        public TimeSpan Cpu() => _child.Cpu();

        public string Tail() => _child.Tail();

        public ValueTask DisposeAsync() => _child.DisposeAsync();
    }
}
