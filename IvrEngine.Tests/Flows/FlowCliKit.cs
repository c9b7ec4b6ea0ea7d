using System.Text.Json;
using IvrEngine.Hosting;

namespace IvrEngine.Tests.Flows;

/// <summary>Runs the engine's command line in-process with captured output, against a temporary store that the
/// first simulate seeds with the demo data.</summary>
internal sealed class FlowCliKit : IDisposable
{
    public FlowCliKit()
    {
        Folder = Path.Combine(Path.GetTempPath(), "ivrengine-flows-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    /// <summary>The shipped flows, as the build copies them next to the engine.</summary>
    public static string ShippedFlows => Path.Combine(AppContext.BaseDirectory, "flows");

    public string Folder { get; }

    public string StoreArg => "--Store:Path=" + Path.Combine(Folder, "clients.db");

    public static async Task<CliRun> RunAsync(string[] args, string? input = null)
    {
        using var reader = new StringReader(input ?? string.Empty);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await EngineCli.RunAsync(args, reader, output, error);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary><c>simulate</c> against the temp store with demo data.</summary>
    public Task<CliRun> SimulateAsync(params string[] args) =>
        RunAsync(["simulate", .. args, StoreArg, "--Store:SeedDemoData=true"]);

    /// <summary><c>simulate ... --json</c>, parsed.</summary>
    public async Task<SimulatedRun> SimulateJsonAsync(params string[] args)
    {
        var run = await SimulateAsync([.. args, "--json"]);
        run.Code.Should().Be(0, run.Error + run.Output);
        return SimulatedRun.Parse(run.Output);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal sealed record CliRun(int Code, string Output, string Error);

/// <summary>The JSON report of one simulated call.</summary>
internal sealed record SimulatedRun(
    string Outcome,
    string? TransferKind,
    string? TransferTarget,
    int? TransferPriority,
    string ClientCode,
    string MatchedBy,
    IReadOnlyList<string> Steps,
    IReadOnlyDictionary<string, string> Attached,
    string Json)
{
    public static SimulatedRun Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var transfer = root.GetProperty("transfer");
        var hasTransfer = transfer.ValueKind == JsonValueKind.Object;
        var client = root.GetProperty("client");
        return new SimulatedRun(
            root.GetProperty("outcome").GetString()!,
            hasTransfer ? transfer.GetProperty("kind").GetString() : null,
            hasTransfer ? transfer.GetProperty("target").GetString() : null,
            hasTransfer && transfer.GetProperty("priority").ValueKind == JsonValueKind.Number ? transfer.GetProperty("priority").GetInt32() : null,
            client.GetProperty("code").GetString()!,
            client.GetProperty("matchedBy").GetString()!,
            [.. root.GetProperty("steps").EnumerateArray().Select(s => s.GetString()!)],
            root.GetProperty("attached").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal),
            json);
    }
}
