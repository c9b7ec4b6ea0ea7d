using System.Diagnostics;
using System.Globalization;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IvrEngine.Benchmarks;

/// <summary><c>contexts</c>: what a call's context costs the engine when the caller's card is large. The engine runs in
/// this process without an inbound connection (as in the finding: no hangups heard, so every context stays for its
/// time-to-live), the shipped default flow alone, a temporary store holding one client with thousands of notes. N calls
/// from that client's number run through the IVR to the queue (the simulated FreeSWITCH in this process too, disposed
/// before the measurement); then, after full collections, the managed heap and the process's RSS are read and divided
/// by the contexts the engine keeps.</summary>
internal static class ContextsCommand
{
    private const string Caller = "+15551239901";

    private static readonly string[] Options = ["--calls", "--notes", "--note-chars", "--concurrency", "--max-contexts"];

    public static int Run(ReadOnlySpan<string> args)
    {
        var line = CommandLine.Parse(args, Options, positionals: 0);
        var calls = line.GetInt("--calls", 7500, 1, 1_000_000);
        var notes = line.GetInt("--notes", 4020, 0, 100_000);
        var noteChars = line.GetInt("--note-chars", 200, 1, 4000);
        var concurrency = line.GetInt("--concurrency", 16, 1, 1000);
        var maxContexts = line.GetInt("--max-contexts", 10_000, 100, 1_000_000);
        return BenchEngine.WithTemporaryStoreAsync("ivrengine-contexts-",
            storePath => RunAsync(storePath, calls, notes, noteChars, concurrency, maxContexts)).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(string storePath, int calls, int notes, int noteChars, int concurrency, int maxContexts)
    {
        var card = await SeedAsync(storePath, notes, noteChars);
        using var host = EngineHost.Build(
        [
            $"--Store:Path={storePath}",
            "--Store:SeedDemoData=false",
            "--Engine:ListenAddress=127.0.0.1",
            "--Engine:ListenPort=0",
            $"--Engine:MaxLiveCalls={concurrency + 100}",
            "--Engine:Inbound:Enabled=false",
            "--Web:Urls=http://127.0.0.1:0",
            $"--Web:MaxContexts={maxContexts}",
            $"--Flows:Path={BenchEngine.DefaultFlowOnly(storePath)}",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:IvrEngine.Web.CallContextRegistry=Error",
        ]);
        await host.StartAsync();
        var engine = host.Services.GetRequiredService<OutboundCallService>();
        var contexts = host.Services.GetRequiredService<CallContextRegistry>();
        Console.WriteLine($"engine (pid {Environment.ProcessId}, in this process): default flow, no inbound connection (contexts kept for " +
            $"Web:UnobservedContextTtlMinutes), Web:MaxContexts {maxContexts:N0}; .NET {Environment.Version}, " +
            $"GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, {Environment.ProcessorCount} cores");
        Console.WriteLine($"caller: one client with {notes:N0} notes of {noteChars:N0} characters (about {(long)notes * noteChars * 2 / 1024.0 / 1024.0:0.0} MB " +
            $"as .NET strings), {calls:N0} calls from its number, at most {concurrency} live; the simulated FreeSWITCH runs in this process");

        // Warm-up (JIT, the store's caches); its contexts are in the baseline.
        await CallAsync(engine.LocalEndPoint, Math.Min(50, calls), concurrency, []);
        var before = Sample.Take(contexts);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();

        var uuids = new List<string>(calls);
        var failed = await CallAsync(engine.LocalEndPoint, calls, concurrency, uuids);

        var elapsed = clock.Elapsed;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        var allocatedBytes = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        await engine.WhenLiveCallsAtMostAsync(0).WaitAsync(TimeSpan.FromSeconds(30));
        var after = Sample.Take(contexts);
        var kept = after.Contexts - before.Contexts;

        Console.WriteLine();
        Console.WriteLine($"calls: {calls - failed:N0} transferred, {failed:N0} failed, in {elapsed.TotalSeconds:0.0} s wall clock (shared machine; see CPU)");
        Console.WriteLine($"CPU (this process: engine and simulator): {cpuUsed.TotalMilliseconds / calls:0.00} ms per call; allocated {allocatedBytes / (double)calls / 1024:N0} KB per call");
        Console.WriteLine($"contexts kept: {after.Contexts:N0} (evicted over the bounds: {after.Evicted:N0}); their estimated size {after.ContextBytes / 1024.0 / 1024.0:0.00} MB " +
            $"({(after.Contexts == 0 ? 0 : after.ContextBytes / after.Contexts):N0} bytes each)");
        Console.WriteLine($"managed heap after full GC: {before.Heap / 1048576.0:0.0} MB before -> {after.Heap / 1048576.0:0.0} MB after " +
            $"= {(kept > 0 ? (after.Heap - before.Heap) / (double)kept / 1024 : double.NaN):N1} KB per kept context");
        Console.WriteLine($"RSS: {before.RssKb / 1024.0:0.0} MB before -> {after.RssKb / 1024.0:0.0} MB after " +
            $"= {(kept > 0 ? (after.RssKb - before.RssKb) / (double)kept : double.NaN):N1} KB per kept context");

        // What the contexts themselves held: the heap once they are gone (the store's pages, the interaction records
        // and the like stay).
        foreach (var uuid in uuids) contexts.Remove(uuid);
        var without = Sample.Take(contexts);
        var dropped = after.Contexts - without.Contexts;
        Console.WriteLine($"the same contexts removed: {dropped:N0} fewer, managed heap {without.Heap / 1048576.0:0.0} MB " +
            $"= {(dropped > 0 ? (after.Heap - without.Heap) / (double)dropped / 1024 : double.NaN):N1} KB held per context");
        Console.WriteLine($"client card: {card.Notes.Count:N0} notes in the store");

        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15))) await host.StopAsync(stop.Token);
        return failed == 0 ? 0 : 1;
    }

    private static async Task<ClientCard> SeedAsync(string storePath, int notes, int noteChars)
    {
        using var store = new LiteDbClientStore(storePath);
        var at = DateTimeOffset.UtcNow.AddDays(-notes - 1);
        return await store.InsertAsync(new ClientCard
        {
            Id = Guid.NewGuid(),
            Name = "Noted Client",
            Phones = [Caller],
            HasContract = true,
            CreatedAt = at,
            Notes = [.. Enumerable.Range(0, notes).Select(i => new ClientNote
            {
                Text = string.Create(CultureInfo.InvariantCulture, $"note {i} ").PadRight(noteChars, 'x')[..noteChars],
                Author = "agent-101",
                At = at.AddDays(i),
            })],
        });
    }

    /// <summary>Runs <paramref name="calls"/> calls from the client's number, at most <paramref name="concurrency"/> at
    /// once; returns how many did not reach the queue.</summary>
    private static async Task<int> CallAsync(System.Net.IPEndPoint engine, int calls, int concurrency, List<string> uuids)
    {
        await using var simulator = new FreeSwitchSimulator();
        var failed = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, calls), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (_, ct) =>
        {
            var call = await simulator.StartCallAsync(engine, new CallerScript { Ani = Caller, Dnis = "5999" }, ct);
            var record = await call.Completion.WaitAsync(TimeSpan.FromSeconds(60), ct);
            if (record.TransferredTo is null) Interlocked.Increment(ref failed);
            lock (uuids) uuids.Add(record.Uuid);
        });
        return failed;
    }

    private sealed record Sample(long Heap, long RssKb, int Contexts, long ContextBytes, long Evicted)
    {
        public static Sample Take(CallContextRegistry contexts)
        {
            FullGc.Run();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            return new Sample(GC.GetTotalMemory(forceFullCollection: true), ReadRssKb(), contexts.Count, contexts.Bytes, contexts.Evicted);
        }

        private static long ReadRssKb()
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], NumberStyles.None, CultureInfo.InvariantCulture);
                }
            }

            return 0;
        }
    }
}
