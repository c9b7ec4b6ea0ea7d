using System.Diagnostics;

namespace IvrEngine.Tests.Profiles;

/// <summary>Runs the built engine (<c>dotnet IvrEngine.dll ...</c>) as a child process, as an operator would, and
/// returns its exit code and output; killed (and the test failed) past <see cref="Patience"/>.</summary>
internal static class EngineProcess
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    public static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var start = Start(args);
        using var process = Process.Start(start)!;
        using var cts = new CancellationTokenSource(Patience);
        var output = process.StandardOutput.ReadToEndAsync(cts.Token);
        var error = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the engine ({string.Join(' ', args)}) did not end within {Patience.TotalSeconds:0} s");
        }

        return (process.ExitCode, await output, await error);
    }

    public static ProcessStartInfo Start(IEnumerable<string> args)
    {
        var engine = Path.Combine(AppContext.BaseDirectory, "IvrEngine.dll");
        File.Exists(engine).Should().BeTrue($"the engine is built next to the tests ({engine})");
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(engine);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        return start;
    }

    public static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return self;
        var fromCli = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return string.IsNullOrEmpty(fromCli) ? "dotnet" : fromCli;
    }
}
