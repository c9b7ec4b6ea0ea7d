using IvrEngine.Hosting;
using Microsoft.Extensions.Hosting;

namespace IvrEngine.Benchmarks;

/// <summary>The engine as the load commands host it in this process: a client store at a given path, the outbound
/// listener on an ephemeral loopback port, no inbound connection, warnings only in the log.</summary>
internal static class BenchEngine
{
    /// <summary>Builds (does not start) the engine host. <paramref name="flowsPath"/> null: the engine's own flows
    /// setting (Flows:Path, the folder next to the engine). <paramref name="settings"/>: more <c>--Section:Key=value</c>
    /// (a PostgreSQL store, the engine's name), after the others.</summary>
    public static IHost Build(string storePath, bool seedDemoData, string? flowsPath, int maxLiveCalls, IEnumerable<string>? settings = null)
    {
        List<string> args =
        [
            $"--Store:Path={storePath}",
            $"--Store:SeedDemoData={(seedDemoData ? "true" : "false")}",
            "--Engine:ListenAddress=127.0.0.1",
            "--Engine:ListenPort=0",
            $"--Engine:MaxLiveCalls={maxLiveCalls}",
            "--Engine:DrainSeconds=5",
            "--Engine:Inbound:Enabled=false",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:IvrEngine=Warning",
            "--Logging:LogLevel:IvrEngine.EventSocket=Warning",
        ];
        if (flowsPath is not null) args.Add($"--Flows:Path={flowsPath}");
        if (settings is not null) args.AddRange(settings);
        return EngineHost.Build([.. args]);
    }

    /// <summary>The shipped flows folder (copied next to this program from the engine's project).</summary>
    public static string ShippedFlows => Path.Combine(AppContext.BaseDirectory, "flows");

    /// <summary>A flows folder next to <paramref name="storePath"/> holding only the shipped default flow, so that it
    /// serves every number (the shipped samples would answer the demo numbers the simulated caller dials).</summary>
    public static string DefaultFlowOnly(string storePath)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetDirectoryName(storePath)!, "flows"));
        File.Copy(Path.Combine(ShippedFlows, "default.yaml"), Path.Combine(folder.FullName, "default.yaml"));
        return folder.FullName;
    }

    /// <summary>Runs <paramref name="run"/> with the path of a store file in a fresh temporary folder, deleted after.</summary>
    public static async Task<T> WithTemporaryStoreAsync<T>(string prefix, Func<string, Task<T>> run)
    {
        var folder = Directory.CreateTempSubdirectory(prefix);
        try
        {
            return await run(Path.Combine(folder.FullName, "clients.db"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
