using System.Diagnostics;
using System.Globalization;
using IvrEngine.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The engine as Program builds it (<see cref="EngineHost.Build"/>), with the shipped flows and the demo data
/// in a store of its own, its outbound listener on <see cref="Port"/> and its control connection to the FreeSWITCH under
/// test. In this process, or as a child process that a test can kill.</summary>
internal sealed class EngineInstance : IAsyncDisposable
{
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);

    private readonly string _folder;
    private readonly IHost? _host;
    private readonly Process? _process;
    private readonly string _artifacts;
    private bool _disposed;

    private EngineInstance(int port, int webPort, string folder, IHost? host, Process? process, string artifacts)
    {
        Port = port;
        WebPort = webPort;
        _folder = folder;
        _host = host;
        _process = process;
        _artifacts = artifacts;
    }

    /// <summary>The outbound socket port (Engine:ListenPort).</summary>
    public int Port { get; }

    public int WebPort { get; }

    public Uri WebBase => new($"http://127.0.0.1:{WebPort}/");

    /// <summary>The store file (LiteDB), readable once the engine has stopped.</summary>
    public string StorePath => Path.Combine(_folder, "clients.db");

    /// <summary>The in-process engine's services (null for a child process).</summary>
    public IServiceProvider? Services => _host?.Services;

    public bool IsProcess => _process is not null;

    /// <summary>The child process's id (null in process).</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>What the child process printed so far (its log; copied to the artifacts when stopped).</summary>
    public string LogFile => Path.Combine(_folder, "engine.log");

    /// <summary>The settings every engine under test gets, then the test's own (later ones win).</summary>
    private static string[] Arguments(int port, int webPort, string folder, IReadOnlyList<FreeSwitchInstance> boxes, IEnumerable<string> settings) =>
    [
        $"--Engine:ListenPort={port.ToString(CultureInfo.InvariantCulture)}",
        .. InboundArguments(boxes),
        $"--Web:Urls=http://127.0.0.1:{webPort.ToString(CultureInfo.InvariantCulture)}",
        $"--Store:Path={Path.Combine(folder, "clients.db")}",
        "--Store:SeedDemoData=true",
        .. settings,
    ];

    /// <summary>The inbound connection(s): to the one box as Engine:Inbound:Host/Port, or to each of several boxes as
    /// Engine:Inbound:Boxes (named box1, box2, ... in the engine's log).</summary>
    private static IEnumerable<string> InboundArguments(IReadOnlyList<FreeSwitchInstance> boxes)
    {
        yield return "--Engine:Inbound:Enabled=true";
        if (boxes.Count == 1)
        {
            yield return $"--Engine:Inbound:Port={boxes[0].EslPort.ToString(CultureInfo.InvariantCulture)}";
            yield return $"--Engine:Inbound:Password={boxes[0].Password}";
            yield break;
        }

        for (var i = 0; i < boxes.Count; i++)
        {
            var box = $"--Engine:Inbound:Boxes:{i.ToString(CultureInfo.InvariantCulture)}";
            yield return $"{box}:Name=box{(i + 1).ToString(CultureInfo.InvariantCulture)}";
            yield return $"{box}:Host=127.0.0.1";
            yield return $"{box}:Port={boxes[i].EslPort.ToString(CultureInfo.InvariantCulture)}";
            yield return $"{box}:Password={boxes[i].Password}";
        }
    }

    /// <summary>Starts the engine on <paramref name="port"/> (a port FreeSWITCH was told about at its start).</summary>
    public static async Task<EngineInstance> StartAsync(FreeSwitchInstance fs, int port, string artifactName, bool asProcess,
        IEnumerable<string>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var folder = Directory.CreateTempSubdirectory("ivr-engine-").FullName;
        var webPort = RealFreeSwitchEnvironment.FreePort();
        var args = Arguments(port, webPort, folder, [fs], settings ?? []);
        var artifacts = Path.Combine(RealFreeSwitchEnvironment.ArtifactsFolder, artifactName);
        if (!asProcess)
        {
            var host = EngineHost.Build([.. args, "--Logging:LogLevel:Default=Warning"], configure);
            await host.StartAsync().WaitAsync(s_patience);
            await host.Services.GetRequiredService<InboundClientService>().Client!.CurrentAsync().WaitAsync(s_patience);
            return new EngineInstance(port, webPort, folder, host, null, artifacts);
        }

        return await StartProcessAsync(port, webPort, folder, artifacts, args, connections: 1);
    }

    /// <summary>Starts the engine as a child process on <paramref name="port"/> with an inbound connection to every one of
    /// <paramref name="boxes"/>; ready once it listens and each connection logged in.</summary>
    public static Task<EngineInstance> StartProcessAsync(IReadOnlyList<FreeSwitchInstance> boxes, int port, string artifactName,
        IEnumerable<string> settings)
    {
        ArgumentOutOfRangeException.ThrowIfZero(boxes.Count);
        var folder = Directory.CreateTempSubdirectory("ivr-engine-").FullName;
        var webPort = RealFreeSwitchEnvironment.FreePort();
        var args = Arguments(port, webPort, folder, boxes, settings);
        return StartProcessAsync(port, webPort, folder, Path.Combine(RealFreeSwitchEnvironment.ArtifactsFolder, artifactName), args,
            boxes.Count);
    }

    private static async Task<EngineInstance> StartProcessAsync(int port, int webPort, string folder, string artifacts, string[] args, int connections)
    {
        var process = Process.Start(StartInfo(args, redirectInput: true)) ?? throw new InvalidOperationException("the engine did not start.");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listening = false;
        var controlled = new HashSet<string>(StringComparer.Ordinal);
        var gate = new object();
        _ = DrainAsync(process, Path.Combine(folder, "engine.log"), line =>
        {
            // The outbound listener and every control connection (stdout and stderr are read at once); the order of
            // the lines is not fixed. A connection is named by its host:port ("Inbound event socket 127.0.0.1:8021
            // connected and authenticated (login 1)"), so a reconnection does not count twice.
            lock (gate)
            {
                listening |= line.Contains("Engine ready on", StringComparison.Ordinal);
                var from = line.IndexOf("Inbound event socket ", StringComparison.Ordinal);
                var to = line.IndexOf(" connected and authenticated", StringComparison.Ordinal);
                if (from >= 0 && to > from) controlled.Add(line[from..to]);
                if (listening && controlled.Count >= connections) ready.TrySetResult();
            }
        }, ready);
        var instance = new EngineInstance(port, webPort, folder, null, process, artifacts);
        try
        {
            await ready.Task.WaitAsync(s_patience);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the in-process engine as a host stops (calls drained, everything written); disposing it later is a no-op
    /// for the host.</summary>
    public async Task StopAsync()
    {
        if (_host is null) throw new InvalidOperationException("only an in-process engine is stopped this way");
        await _host.StopAsync().WaitAsync(s_patience);
    }

    /// <summary>Kills the child process at once (SIGKILL): no drain, no goodbye to FreeSWITCH.</summary>
    public async Task KillAsync()
    {
        if (_process is null) throw new InvalidOperationException("an in-process engine cannot be killed");
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (_host is not null)
        {
            await _host.StopAsync().WaitAsync(s_patience);
            _host.Dispose();
        }

        if (_process is not null)
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
            var log = Path.Combine(_folder, "engine.log");
            if (File.Exists(log))
            {
                Directory.CreateDirectory(_artifacts);
                File.Copy(log, Path.Combine(_artifacts, $"engine-{Port}.log"), overwrite: true);
            }
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left behind in the temp folder.
        }
    }

    private static async Task DrainAsync(Process process, string file, Action<string> onLine, TaskCompletionSource ready)
    {
        await using var writer = new StreamWriter(file) { AutoFlush = true };
        async Task Copy(StreamReader reader)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lock (writer) writer.WriteLine(line);
                onLine(line);
            }
        }

        await Task.WhenAll(Copy(process.StandardOutput), Copy(process.StandardError));
        ready.TrySetException(new InvalidOperationException($"the engine exited before it was ready; see {file}"));
    }

    /// <summary><c>dotnet exec IvrEngine.dll</c> (built next to this program) with <paramref name="args"/>, in its
    /// folder, output redirected: how the engine runs as a child process here and in the benchmarks.</summary>
    internal static ProcessStartInfo StartInfo(IEnumerable<string> args, bool redirectInput)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            UseShellExecute = false,
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "IvrEngine.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return start;
    }
}
