using System.Globalization;
using System.Text.Json;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IvrEngine.Benchmarks;

/// <summary><c>burst</c>: an advertising spike on the bank sample. N callers arrive within S seconds and run the bank
/// flow (5000) to a queue. This process hosts the ENGINE (the shipped flows, a temporary store seeded with the demo
/// data); the simulated FreeSWITCH runs in a child process (<c>burst-callers</c>, see <see cref="BurstCallers"/>), as
/// for <c>load</c>. After the burst the store is opened afresh and every call's interaction record looked for.</summary>
internal static class BurstCommand
{
    /// <summary>Most warm-up rounds (of --warmup calls each) before the burst starts anyway.</summary>
    private const int MaxWarmupRounds = 15;

    private static readonly string[] Options = ["--calls", "--seconds", "--arrivals", "--mix", "--playback-ms", "--warmup", "--seed", "--engines", "--store", "--max-pool"];

    public static int Run(ReadOnlySpan<string> args)
    {
        if (args.IndexOf(FreeSwitchBurstCommand.Flag) is var flag and >= 0)
        {
            return FreeSwitchBurstCommand.Run([.. args[..flag], .. args[(flag + 1)..]]);
        }

        var line = CommandLine.Parse(args, Options, positionals: 0);
        var plan = BurstPlan.From(line);
        if (FileDescriptorLimit.Ensure(plan.Calls + 1024L, "the engine's end of each live call") is { } problem)
        {
            Console.Error.WriteLine($"error (engine process): {problem}");
            return 2;
        }

        // --engines N: N engines on one PostgreSQL, the callers split between them; LiteDB has one engine per file.
        var engines = line.GetInt("--engines", 1, 1, 8);
        var stores = BenchStores.Parse(line.Get("--store"));

        // --max-pool N: each engine's most connections to PostgreSQL (Npgsql's Maximum Pool Size; its default is 100).
        var maxPool = line.GetInt("--max-pool", 0, 0, 1000);
        if (engines > 1 && stores.SequenceEqual([BenchStores.LiteDb]))
        {
            throw new UsageException("Several engines share a store on PostgreSQL only: add --store postgres (or both: LiteDB's one engine, then PostgreSQL's).");
        }

        return RunAllAsync(plan, stores, engines, maxPool, "burst " + string.Join(' ', args.ToArray())).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAllAsync(BurstPlan plan, IReadOnlyList<string> stores, int engines, int maxPool, string commandLine)
    {
        Console.WriteLine($"command: dotnet run -c Release --project IvrEngine.Benchmarks -- {commandLine}");
        Console.WriteLine($"load average at the start: {BenchStores.LoadAverage()}");
        var results = new List<(string Store, IReadOnlyList<(string, string)> Rows)>();
        var pass = true;
        foreach (var kind in stores)
        {
            Console.WriteLine();
            if (kind == BenchStores.LiteDb)
            {
                Console.WriteLine("--- LiteDB, one engine");
                var (ok, rows) = await BenchEngine.WithTemporaryStoreAsync("ivrengine-burst-", storePath => RunAsync(plan, new BurstStore(storePath, null, 1)));
                pass = pass && ok;
                results.Add(("LiteDB, 1 engine", rows));
                continue;
            }

            await using var postgres = await BenchPostgres.StartAsync();
            if (postgres is null) return 1;
            Console.WriteLine($"--- PostgreSQL, {engines} engine{(engines == 1 ? string.Empty : "s")}: {postgres.Description}");
            var connectionString = await postgres.CreateDatabaseAsync("burst");
            if (maxPool > 0)
            {
                connectionString = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = maxPool }.ConnectionString;
                Console.WriteLine($"each engine's connection pool: at most {maxPool} connections");
            }

            var (passed, figures) = await BenchEngine.WithTemporaryStoreAsync("ivrengine-burst-", storePath => RunAsync(plan, new BurstStore(storePath, connectionString, engines)));
            pass = pass && passed;
            results.Add(($"PostgreSQL, {engines} engine{(engines == 1 ? string.Empty : "s")}", figures));
        }

        if (results.Count > 1) BenchStores.PrintSideBySide(results);
        Console.WriteLine($"load average at the end: {BenchStores.LoadAverage()}");
        return pass ? 0 : 1;
    }

    /// <summary>Where the burst's engines keep their store: a LiteDB file (one engine), or a PostgreSQL database shared
    /// by <see cref="Engines"/> engines.</summary>
    private sealed record BurstStore(string StorePath, string? ConnectionString, int Engines)
    {
        public string Describe => ConnectionString is null
            ? "a temporary LiteDB store seeded with the demo data"
            : $"one PostgreSQL database shared by the {Engines} engines, seeded with the demo data by the first";

        /// <summary>Engine i's settings beyond the burst's own.</summary>
        public IEnumerable<string> Settings(int engine)
        {
            // Each engine's web app on a port of its own (the desk is not used here; two on 8080 would collide).
            yield return "--Web:Urls=http://127.0.0.1:0";
            if (ConnectionString is null) yield break;
            yield return "--Store:Provider=PostgreSQL";
            yield return "--Store:ConnectionString=" + ConnectionString;
            yield return "--Engine:Name=bench-engine-" + (engine + 1).ToString(CultureInfo.InvariantCulture);
        }
    }

    private static async Task<(bool Pass, IReadOnlyList<(string, string)> Rows)> RunAsync(BurstPlan plan, BurstStore where)
    {
        var storePath = where.StorePath;
        BurstReport report;
        var burst = new EngineUsage();
        var warmth = new JitWarmth(MaxWarmupRounds);
        long served;
        long refused;
        long writerBytes;
        var hosts = new List<IHost>();
        try
        {
            // One after the other: the first seeds the demo data (in PostgreSQL under a lock; the others find it there).
            for (var i = 0; i < where.Engines; i++)
            {
                var built = BenchEngine.Build(storePath, seedDemoData: true, flowsPath: BenchEngine.ShippedFlows, maxLiveCalls: plan.Calls + 100, where.Settings(i));
                hosts.Add(built);
                await built.StartAsync();
            }

            var all = hosts.ConvertAll(h => h.Services.GetRequiredService<OutboundCallService>());
            var engine = all[0];
            Console.WriteLine($"engine process (pid {Environment.ProcessId}): {hosts.Count} IvrEngine host{(hosts.Count == 1 ? string.Empty : "s")}, the shipped flows (bank on {BurstPlan.BankNumber}), {where.Describe}, on {string.Join(" and ", all.Select(e => e.LocalEndPoint))}{(hosts.Count > 1 ? "; the callers go to them in turn" : string.Empty)}");
            Console.WriteLine($"caller process: a child 'burst-callers' process runs the FreeSwitchSimulator; the two processes share the {Environment.ProcessorCount} cores; .NET {Environment.Version}, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}");
            Console.WriteLine($"burst: {plan.Describe()} to the bank flow; prompts take {plan.Playback.TotalMilliseconds:0} ms in the simulator" +
                (plan.Playback == TimeSpan.Zero ? " (zero: the figures are the engine's work, not the recordings' length)" : string.Empty));
            Console.WriteLine($"mix: {plan.Mix.Describe()}");
            Console.WriteLine("[engine] = measured in the engine process alone; [callers] = measured by the simulated FreeSWITCH in the child process");
            Console.WriteLine();

            // The child's report is read (a JSON line) after the burst's last call and before the engine is measured
            // idle: reading it the first time compiles a couple of hundred serializer accessors, which were counted as
            // the engine's JIT and CPU (about 0.1 ms a call). Read one now, before anything is measured.
            _ = JsonSerializer.Deserialize<BurstReport>(JsonSerializer.Serialize(new BurstReport(), LoadProtocol.Json), LoadProtocol.Json);

            var servedBefore = 0L;
            var refusedBefore = 0L;
            var writerBefore = 0L;
            (report, var whole, _) = await CallerProcess.RunAsync<BurstReport>(engine, "burst-callers",
                ["--target", string.Join(',', all.Select(e => e.LocalEndPoint.ToString())), .. plan.ToArguments()], null,
                line =>
                {
                    if (line == BurstProtocol.Start)
                    {
                        (servedBefore, refusedBefore) = (all.Sum(e => e.ServedCalls), all.Sum(e => e.RefusedCalls));
                        writerBefore = WriterAllocated(storePath);
                        burst.Start();
                    }
                    else if (line != BurstProtocol.End)
                    {
                        Console.Error.WriteLine($"burst-callers: {line}");
                    }
                },
                question => warmth.AnswerAsync(question));

            // A call's record is written as its handler ends, after the caller saw the transfer: wait for the engines.
            await Task.WhenAll(all.Select(e => e.WhenLiveCallsAtMostAsync(0))).WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default);
            burst.Stop();
            writerBytes = WriterAllocated(storePath) - writerBefore;
            burst.ObserveLive(whole.PeakLive); // sampled over the child's whole run (the first engine's); the burst is its peak
            (served, refused) = (all.Sum(e => e.ServedCalls) - servedBefore, all.Sum(e => e.RefusedCalls) - refusedBefore);
            foreach (var (e, i) in all.Select((e, i) => (e, i)).Where(_ => all.Count > 1))
            {
                Console.WriteLine($"  [engine]  engine {i + 1} served {e.ServedCalls:N0} calls (warm-up included), refused {e.RefusedCalls:N0}");
            }

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            foreach (var host in hosts) await host.StopAsync(stop.Token);
        }
        finally
        {
            foreach (var host in hosts) host.Dispose();
        }

        var recorded = where.ConnectionString is { } connectionString
            ? await CountRecordedAsync(connectionString, report.CallUuids)
            : CountRecorded(storePath, report.CallUuids);
        Print(plan, report, burst, served, refused, recorded, writerBytes, where.ConnectionString is null);
        Console.WriteLine($"  [engine]  warm-up: {report.WarmupRounds} round(s) of {plan.Warmup:N0} calls; {warmth.Describe()}");
        var pass = report.Refused + report.Failed == 0 && report.Completed == plan.Calls && recorded == report.Started;
        var ic = CultureInfo.InvariantCulture;
        List<(string, string)> rows =
        [
            ("calls", plan.Calls.ToString("N0", ic)),
            ("completed (transferred to their queue)", report.Completed.ToString("N0", ic)),
            ("refused", report.Refused.ToString("N0", ic)),
            ("failed", report.Failed.ToString("N0", ic)),
            ("connect -> transfer p50 ms", report.ConnectToTransfer?.P50.ToString("F1", ic) ?? "-"),
            ("connect -> transfer p99 ms", report.ConnectToTransfer?.P99.ToString("F1", ic) ?? "-"),
            ("connect -> transfer max ms", report.ConnectToTransfer?.Max.ToString("F1", ic) ?? "-"),
            ("turnaround p99 ms", report.Turnaround?.P99.ToString("F2", ic) ?? "-"),
            ("interaction records in the store", recorded.ToString("N0", ic)),
            ("engine process CPU s (all its engines)", burst.CpuSeconds.ToString("F1", ic)),
        ];
        return (pass, rows);
    }

    /// <summary>How many of these calls have an interaction record in the PostgreSQL database.</summary>
    private static async Task<int> CountRecordedAsync(string connectionString, IReadOnlyList<string> callUuids)
    {
        await using var data = Npgsql.NpgsqlDataSource.Create(connectionString);
        await using var command = data.CreateCommand("SELECT count(DISTINCT call_uuid) FROM interactions WHERE call_uuid = ANY($1)");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = callUuids.ToArray() });
        return (int)(long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>How many of these calls have an interaction record in the store, opened afresh after the engine closed it.</summary>
    private static int CountRecorded(string storePath, IReadOnlyList<string> callUuids)
    {
        using var store = new LiteDbClientStore(storePath);
        var wanted = callUuids.ToHashSet(StringComparer.Ordinal);
        return store.Execute($"SELECT $.CallUuid FROM {LiteDbClientStore.Interactions}")
            .Count(row => row.TryGetValue(nameof(InteractionRecord.CallUuid), out var uuid) && uuid.IsString && wanted.Remove(uuid.AsString));
    }

    /// <summary>What the store's writer thread has allocated so far (LiteDB running and committing the records).</summary>
    private static long WriterAllocated(string storePath) => SharedClientStores.Find(storePath)?.WriterAllocatedBytes ?? 0;

    private static void Print(BurstPlan plan, BurstReport r, EngineUsage engine, long served, long refused, int recorded, long writerBytes, bool liteDb)
    {
        var ic = CultureInfo.InvariantCulture;
        Console.WriteLine($"warm-up: {r.WarmupCompleted:N0} calls, {r.WarmupErrors} errors (the same mix, 20 at a time; not measured)");
        Console.WriteLine(string.Create(ic,
            $"  [callers] calls: {plan.Calls:N0}   started: {r.Started:N0}   completed (transferred to the expected queue): {r.Completed:N0}   refused: {r.Refused:N0}   failed: {r.Failed:N0}"));
        Console.WriteLine(string.Create(ic,
            $"  [callers] last call over {r.Seconds:0.00} s after the first arrival; latest start {r.MaxStartLagMs:0.0} ms behind its arrival time; peak live (simulator side): {r.PeakLive:N0}; caller CPU: {r.CpuSeconds:0.00} s"));
        foreach (var e in r.FirstErrors) Console.WriteLine($"  [callers] error x{e.Count}: {e.Reason}");
        Console.WriteLine($"  [callers] destinations: {string.Join(", ", r.Destinations.Select(d => $"{d.Key} {d.Value:N0}"))}");
        PrintLatency("connect -> transfer (caller's TCP connect to the engine's transfer reaching the channel)", r.ConnectToTransfer);
        PrintLatency("turnaround (event sent -> next engine command received)", r.Turnaround);
        Console.WriteLine(engine.Describe(plan.Calls, "the burst alone, until the engine's last call ended"));
        Console.WriteLine($"  [engine]  served {served:N0} calls in the burst, refused {refused:N0}");
        Console.WriteLine($"  [store]   interaction records of the burst's calls, store opened afresh after the engine stopped: {recorded:N0} of {r.Started:N0}");
        if (liteDb)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  [store]   of what the engine allocated, the store's writer (LiteDB inserting and committing the records): {writerBytes / 1024.0 / Math.Max(1, plan.Calls):0.0} KB per call"));
        }
        Console.WriteLine();
        var bad = r.Refused + r.Failed + (plan.Calls - r.Started - r.Refused);
        Console.WriteLine($"goal: refused or failed: 0 -> {Stats.PassFail(bad == 0 && r.Completed == plan.Calls)} ({r.Refused:N0} refused, {r.Failed:N0} failed, {r.Completed:N0} of {plan.Calls:N0} transferred to their queue)");
        Console.WriteLine($"goal: every call recorded -> {Stats.PassFail(recorded == r.Started && r.Started > 0)} ({recorded:N0} interaction records for {r.Started:N0} calls)");
    }

    private static void PrintLatency(string title, TurnaroundSummary? t)
    {
        if (t is null) return;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  [callers] {title}, {t.Samples:N0} samples: p50 {t.P50:0.000} ms   p95 {t.P95:0.000} ms   p99 {t.P99:0.000} ms   max {t.Max:0.000} ms"));
    }
}
