using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace IvrEngine.Tests.Hosting;

/// <summary>The built engine (<c>IvrEngine.dll</c> next to the tests) run as a child process with the given arguments
/// and environment, its output captured; killed when it outlives <see cref="Patience"/>.</summary>
internal static class EngineProcess
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    /// <summary>Runs the engine to its exit. Loopback ports that nothing else takes are given unless the arguments name
    /// their own, so a start that is wrongly not refused cannot take the shipped ports.</summary>
    public static async Task<ProcessRun> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null, TimeSpan? patience = null)
    {
        var start = StartInfo(args, environment, workingDirectory);
        var limit = patience ?? Patience;
        using var cts = new CancellationTokenSource(limit);
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"the engine ({string.Join(' ', args)}) did not exit within {limit} (it started instead of refusing?)");
        }

        return new ProcessRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>How the engine is started: <c>dotnet IvrEngine.dll</c> with <paramref name="args"/>, output and input
    /// redirected, the test run's own engine settings in the environment left out.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var engine = Path.Combine(AppContext.BaseDirectory, "IvrEngine.dll");
        File.Exists(engine).Should().BeTrue($"the engine is built next to the tests ({engine})");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        start.ArgumentList.Add(engine);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        // The engine's own environment variables of the test run must not leak into the child.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Engine__", StringComparison.Ordinal)
                     || k.StartsWith("Web__", StringComparison.Ordinal) || k.StartsWith("Flows__", StringComparison.Ordinal)
                     || k.StartsWith("Routing__", StringComparison.Ordinal) || k.StartsWith("Store__", StringComparison.Ordinal)
                     || k is "DOTNET_ENVIRONMENT" or "ASPNETCORE_ENVIRONMENT").ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        return start;
    }

    /// <summary>A free loopback port (bound and released).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The dotnet host running the tests (so the child runs on the same runtime).</summary>
    public static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return self;
        var fromCli = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return string.IsNullOrEmpty(fromCli) ? "dotnet" : fromCli;
    }
}

/// <summary>A finished child process.</summary>
internal sealed record ProcessRun(int ExitCode, string Output, string Error)
{
    public string All => Output + Error;

    /// <summary>A .NET stack trace line ("   at Type.Method(...)") anywhere in the output.</summary>
    public bool HasStackTrace => System.Text.RegularExpressions.Regex.IsMatch(All, @"(^|\s)at [A-Za-z_][\w.`+<>\[\],]*\(", System.Text.RegularExpressions.RegexOptions.Multiline)
        || All.Contains("Exception", StringComparison.Ordinal) || All.Contains("Unhandled", StringComparison.Ordinal);
}
