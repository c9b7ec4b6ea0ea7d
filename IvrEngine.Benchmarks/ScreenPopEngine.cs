using System.Diagnostics;
using System.Globalization;
using System.Net;
using IvrEngine.Profiles;
using IvrEngine.Tests.RealFreeSwitch;

namespace IvrEngine.Benchmarks;

/// <summary>The engine of <c>screenpop</c> as a CHILD PROCESS (<c>dotnet exec IvrEngine.dll</c> from this program's
/// build output, as <see cref="EngineInstance"/> starts it for the real-FreeSWITCH tests), so that its memory is read
/// apart from the benchmark's own clients: a store in a temporary folder (the agents added before the start, the demo
/// data seeded by the engine), the shipped flows, the web app on a free loopback port, the outbound listener on another,
/// and its inbound event-socket connection to the benchmark's simulated FreeSWITCH.</summary>
internal sealed class ScreenPopEngine : IAsyncDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    private readonly string _folder;
    private readonly List<string> _firstProblems = [];
    private EngineChild _child = null!;

    private ScreenPopEngine(string folder, IPEndPoint outbound, Uri web)
    {
        _folder = folder;
        Outbound = outbound;
        Web = web;
    }

    /// <summary>The outbound socket listener (where simulated calls connect).</summary>
    public IPEndPoint Outbound { get; }

    /// <summary>The web app's base address.</summary>
    public Uri Web { get; }

    public int ProcessId => _child.Id;

    /// <summary>The store file in <paramref name="folder"/>.</summary>
    public static string StorePath(string folder) => Path.Combine(folder, "clients.db");

    /// <summary>Creates the store in <paramref name="folder"/> before the engine opens it (LiteDB: one process opens the
    /// file): the demo clients, whom the callers are, and the users, each with a read API token; returns the tokens by
    /// user. The engine seeds demo data only into a store it creates itself, so they are seeded here.</summary>
    public static async Task<Dictionary<string, string>> AddUsersAsync(string folder, IReadOnlyList<BenchAgent> agents)
    {
        var path = StorePath(folder);
        using var store = new LiteDbClientStore(path);
        await new DemoDataSeeder(store, new CardFingerprints(new StoreOptions { Path = path })).SeedAsync();
        var accounts = new UserAccounts(store);

        // Each password hash takes tens of milliseconds by design: in parallel, as the demo users are made.
        await Parallel.ForEachAsync(agents, async (agent, ct) => await accounts.CreateUserAsync(agent.UserName, agent.UserName, UserRoles.Agent,
            agent.Agent, agent.Extension, UserAccounts.GeneratePassword(), ct));
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var agent in agents)
        {
            var (_, plain) = await accounts.CreateTokenAsync("screenpop benchmark", agent.UserName, [UserAccounts.ReadScope]);
            tokens[agent.UserName] = plain;
        }

        return tokens;
    }

    /// <summary>Starts the engine and waits until its outbound listener is up, its inbound connection has subscribed to
    /// the desk's events on <paramref name="inbound"/> and its web app answers.</summary>
    public static async Task<ScreenPopEngine> StartAsync(string folder, Simulator.InboundServer inbound, string password)
    {
        var outboundPort = RealFreeSwitchEnvironment.FreePort();
        var webPort = RealFreeSwitchEnvironment.FreePort();
        var ic = CultureInfo.InvariantCulture;
        string[] settings =
        [
            "--Engine:ListenAddress=127.0.0.1",
            $"--Engine:ListenPort={outboundPort.ToString(ic)}",
            "--Engine:Inbound:Enabled=true",
            "--Engine:Inbound:Host=127.0.0.1",
            $"--Engine:Inbound:Port={inbound.EndPoint.Port.ToString(ic)}",
            $"--Engine:Inbound:Password={password}",
            $"--Web:Urls=http://127.0.0.1:{webPort.ToString(ic)}",
            $"--Store:Path={StorePath(folder)}",
            "--Store:SeedDemoData=false", // seeded with the users (AddUsersAsync)
            $"--Flows:Path={BenchEngine.ShippedFlows}",
        ];
        var engine = new ScreenPopEngine(folder, new IPEndPoint(IPAddress.Loopback, outboundPort), new Uri($"http://127.0.0.1:{webPort.ToString(ic)}/"));
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        engine._child = EngineChild.Start(settings, () => engine.ProblemCounter(listening), redirectInput: true);
        _ = engine._child.Drained.ContinueWith(
            _ => listening.TrySetException(new InvalidOperationException("the engine exited before it was ready.\n" + engine.Tail())), TaskScheduler.Default);
        try
        {
            await listening.Task.WaitAsync(s_patience);
            using var patience = new CancellationTokenSource(s_patience);
            while (!inbound.Commands.Any(c => c.Line.Contains("callcenter::info", StringComparison.Ordinal)))
            {
                if (engine.HasExited) throw new InvalidOperationException("the engine exited before it subscribed to the desk's events.\n" + engine.Tail());
                await Task.Delay(50, patience.Token);
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            while (true)
            {
                try
                {
                    using var answer = await http.GetAsync(new Uri(engine.Web, "api/session"), patience.Token);
                    break; // any answer (401 without a session): the web app is up
                }
                catch (HttpRequestException)
                {
                    await Task.Delay(50, patience.Token);
                }
            }

            return engine;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            await engine.DisposeAsync();
            throw new InvalidOperationException("the engine was not ready within 60 s.\n" + engine.Tail(), ex);
        }
    }

    /// <summary>The engine's resident set (VmRSS of /proc/PID/status), in KB.</summary>
    public long RssKb() => _child.RssKb();

    /// <summary>The median of <paramref name="samples"/> readings of <see cref="RssKb"/>, 250 ms apart, after
    /// <paramref name="settle"/> (the engine's memory after what just happened, not during it).</summary>
    public Task<long> SettledRssKbAsync(TimeSpan settle, int samples = 7) => _child.SettledRssKbAsync(settle, samples, TimeSpan.FromMilliseconds(250));

    /// <summary>The CPU time the engine process used so far.</summary>
    public TimeSpan Cpu() => _child.Cpu();

    public bool HasExited => _child.HasExited;

    /// <summary>The last lines the engine printed.</summary>
    public string Tail() => _child.Tail();

    /// <summary>Warnings and errors the engine logged (lines starting "warn:" or "fail:"), counted.</summary>
    public int Problems { get; private set; }

    public IReadOnlyList<string> FirstProblems => _firstProblems;

    public ValueTask DisposeAsync() => _child.DisposeAsync();

    /// <summary>A stream's line observer: counts warnings and errors (the console logger puts the message on the line
    /// after the category), and completes <paramref name="listening"/> at "Engine ready on".</summary>
    private Action<string> ProblemCounter(TaskCompletionSource listening)
    {
        string? previous = null;
        return line =>
        {
            if (line.StartsWith("warn:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal))
            {
                Problems++;
                previous = line;
            }
            else if (previous is not null)
            {
                if (_firstProblems.Count < 5) _firstProblems.Add(previous + " " + line.Trim());
                previous = null;
            }

            if (line.Contains("Engine ready on", StringComparison.Ordinal)) listening.TrySetResult();
        };
    }
}

/// <summary>One agent of the benchmark: sign-in name, mod_callcenter agent, extension.</summary>
internal sealed record BenchAgent(string UserName, string Agent, string Extension)
{
    public static BenchAgent Number(int extension)
    {
        var text = extension.ToString(CultureInfo.InvariantCulture);
        return new BenchAgent("agent" + text, text + "@default", text);
    }
}
