using System.Text.Json;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Tests.Flows;

namespace IvrEngine.Tests.Contract;

/// <summary><c>simulate</c> shows what FreeSWITCH receives: for the same flow, caller and keys, the variables its report
/// lists are the ones the engine exported to the FreeSWITCH simulator over TCP, value for value (the context id, a new
/// GUID on every call, aside), and its transfer is the same application.</summary>
public sealed class SimulateAgreementTests : IDisposable
{
    private readonly FlowCliKit _kit = new();

    public static TheoryData<string, string, string, string> Calls() => new()
    {
        // flow, caller (as FreeSWITCH gives it), dialed, keys (one item per wait, comma-separated)
        { "bank", DemoDataSeeder.WellKnown.VipPhone.TrimStart('+'), "5000", "" },
        { "bank", "15559990001", "5000", "2," + DemoDataSeeder.WellKnown.OverdueAccount + "#,1" },
        { "default", "1555${system rm -rf /}", "$${x}5000", "123456#" },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public async Task Simulate_lists_the_variables_and_the_transfer_the_engine_sends(string flow, string ani, string dnis, string keys)
    {
        var simulated = await _kit.SimulateAsync(flow, "--ani", ani, "--dnis", dnis, "--keys", keys, "--json");
        simulated.Code.Should().Be(0, simulated.Error + simulated.Output);
        using var report = JsonDocument.Parse(simulated.Output);
        var shown = report.RootElement.GetProperty("attached").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);
        var switchApps = report.RootElement.GetProperty("freeswitch").EnumerateArray()
            .Select(a => (a.GetProperty("name").GetString()!, a.GetProperty("argument").GetString()!)).ToList();

        // The default flow alone (the engine's test default) or the shipped samples, which answer 5000.
        string[] flows = flow == "default" ? [] : ["--Flows:Path=" + Path.Combine(AppContext.BaseDirectory, "flows")];
        await using var engine = await EngineUnderTest.StartAsync(null, null, ["--Store:SeedDemoData=true", .. flows]);
        var record = await engine.RunCallAsync(new CallerScript
        {
            Ani = ani,
            Dnis = dnis,
            Inputs = [.. keys.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(CallerInput.Keys)],
        });
        record.ProtocolErrors.Should().BeEmpty();

        var sent = record.ExportedVariables.Where(v => v.Key != "export_vars").ToDictionary(StringComparer.Ordinal);
        Normalized(shown, Masked(shown)).Should().BeEquivalentTo(Normalized(sent, Masked(shown)),
            "simulate shows exactly what the engine exported (collected values masked as the history keeps them)");
        switchApps.Should().ContainSingle(a => a.Item1 == "transfer").Which.Item2.Should().Be(record.TransferredTo);
        // Up to the transfer: after it the simulator runs the queue extension, which is the dialplan's doing.
        var engineApps = record.Applications.Select(a => a.Name).Where(n => n is not ("set" or "export" or "multiset" or "unset")).ToList();
        switchApps.Select(a => a.Item1).Should().Equal(engineApps.Take(engineApps.IndexOf("transfer") + 1), "the same applications, in the same order");
    }

    /// <summary>The variables whose simulate value is masked (a collected account), which only their names must match.</summary>
    private static HashSet<string> Masked(Dictionary<string, string> shown) =>
        [.. shown.Where(v => v.Value.Contains('*', StringComparison.Ordinal) && v.Key.StartsWith("ivr_", StringComparison.Ordinal)).Select(v => v.Key)];

    /// <summary>Values with the call's context id (its own GUID on every call) written as &lt;context&gt;, masked ones
    /// as &lt;masked&gt;.</summary>
    private static Dictionary<string, string> Normalized(IReadOnlyDictionary<string, string> variables, HashSet<string> masked)
    {
        var id = variables.GetValueOrDefault("ivr_context_id");
        var hex = id is null ? null : Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(id));
        return variables.ToDictionary(v => v.Key, v => masked.Contains(v.Key) ? "<masked>"
            : id is null ? v.Value
            : v.Value.Replace(id, "<context>", StringComparison.OrdinalIgnoreCase).Replace(hex!, "<context>", StringComparison.OrdinalIgnoreCase),
            StringComparer.Ordinal);
    }

    public void Dispose() => _kit.Dispose();
}
