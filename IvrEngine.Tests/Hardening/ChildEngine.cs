using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace IvrEngine.Tests.Hardening;

/// <summary>The engine as a child process under an open-file limit (<c>prlimit --nofile</c>), with its own store and
/// the default flow alone, both listeners on free loopback ports (read back from its log). What it prints is kept, so
/// a test can count log lines and see how it ended.</summary>
internal sealed partial class ChildEngine : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly DirectoryInfo _folder;
    private readonly ConcurrentQueue<string> _lines;
    private readonly Task _drained;

    private ChildEngine(Process process, DirectoryInfo folder, ConcurrentQueue<string> lines, Task drained, IPEndPoint outbound, Uri web)
    {
        _process = process;
        _lines = lines;
        _folder = folder;
        _drained = drained;
        Outbound = outbound;
        Web = web;
    }

    /// <summary>The outbound-socket listener.</summary>
    public IPEndPoint Outbound { get; }

    /// <summary>The HTTP listener.</summary>
    public Uri Web { get; }

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    /// <summary>Everything the engine printed so far.</summary>
    public IReadOnlyCollection<string> Lines => _lines;

    public int Count(string text) => _lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>Whether this machine can run the test: Linux with prlimit.</summary>
    public static bool Available => OperatingSystem.IsLinux() && File.Exists("/usr/bin/prlimit");

    /// <summary>Runs the engine until it exits by itself (within <paramref name="patience"/>, else it is killed and -1
    /// returned) and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(int fileLimit, TimeSpan patience, params string[] settings)
    {
        var folder = Directory.CreateTempSubdirectory("ivrengine-hardening-");
        try
        {
            using var process = Process.Start(StartInfo(folder, fileLimit, settings)) ?? throw new InvalidOperationException("the engine did not start");
            var output = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
            try
            {
                await process.WaitForExitAsync().WaitAsync(patience);
            }
            catch (TimeoutException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                return (-1, string.Concat(await output));
            }

            return (process.ExitCode, string.Concat(await output));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    public static async Task<ChildEngine> StartAsync(int fileLimit, params string[] settings)
    {
        var folder = Directory.CreateTempSubdirectory("ivrengine-hardening-");
        var process = Process.Start(StartInfo(folder, fileLimit, settings)) ?? throw new InvalidOperationException("the engine did not start");
        var lines = new ConcurrentQueue<string>();
        var outbound = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        var web = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        async Task Copy(StreamReader reader)
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                lines.Enqueue(line);
                if (ReadyLine().Match(line) is { Success: true } ready) outbound.TrySetResult(IPEndPoint.Parse(ready.Groups[1].Value));
                if (HttpLine().Match(line) is { Success: true } http) web.TrySetResult(new Uri(http.Groups[1].Value));
            }
        }

        var drained = Task.WhenAll(Copy(process.StandardOutput), Copy(process.StandardError)).ContinueWith(_ =>
        {
            outbound.TrySetException(new InvalidOperationException("the engine exited before it was ready:\n" + string.Join('\n', lines)));
            web.TrySetException(new InvalidOperationException("the engine exited before HTTP listened:\n" + string.Join('\n', lines)));
        }, TaskScheduler.Default);
        try
        {
            var engine = new ChildEngine(process, folder, lines, drained, await outbound.Task.WaitAsync(Patience), await web.Task.WaitAsync(Patience));
            return engine;
        }
        catch
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            folder.Delete(recursive: true);
            throw;
        }
    }

    private static ProcessStartInfo StartInfo(DirectoryInfo folder, int fileLimit, string[] settings)
    {
        var flows = Directory.CreateDirectory(Path.Combine(folder.FullName, "flows"));
        File.Copy(Path.Combine(AppContext.BaseDirectory, "flows", "default.yaml"), Path.Combine(flows.FullName, "default.yaml"));
        var start = new ProcessStartInfo("/usr/bin/prlimit")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in (string[])[$"--nofile={fileLimit}", Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet", "exec",
            Path.Combine(AppContext.BaseDirectory, "IvrEngine.dll"), "--Engine:ListenPort=0", "--Web:Urls=http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Information", $"--Store:Path={Path.Combine(folder.FullName, "clients.db")}", "--Store:SeedDemoData=false",
            $"--Flows:Path={flows.FullName}", .. settings])
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    /// <summary>How it ended, for a failure message.</summary>
    public string Describe() => HasExited
        ? $"the engine exited with {_process.ExitCode}; its last lines:\n" + string.Join('\n', _lines.TakeLast(20))
        : "the engine is running";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        await _drained.WaitAsync(Patience).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _process.Dispose();
        try
        {
            _folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp folder.
        }
    }

    [GeneratedRegex(@"Engine ready on (\S+) ")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"HTTP listening on (http://[^\s,:]+:\d+)")]
    private static partial Regex HttpLine();
}
