using System.Diagnostics;
using System.Globalization;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;

namespace IvrEngine.Benchmarks;

/// <summary><c>lookup</c>: writes N generated clients to a CSV file in a temporary folder, imports it into an empty
/// store (<c>--store litedb</c>, the default: a LiteDB file; <c>postgres</c>: a database on a PostgreSQL server of the
/// benchmark's own; <c>both</c>, one after the other, then side by side) through the real importer (<see cref="ClientImporter"/>: parsing, phone normalization, checks,
/// batches through <see cref="IClientStore.InsertManyAsync"/>), then measures lookups by phone and by account (random
/// existing keys and some missing ones), on one thread and on two, over several rounds. Phones and accounts are in
/// random order in the file, as in a real client list: every batch lands all over the indexes. Deletes the folder
/// at the end.</summary>
internal static class LookupCommand
{
    private static readonly string[] Options = ["--clients", "--lookups", "--rounds", "--batch", "--missing-percent", "--cache-clients", "--store"];

    public static int Run(ReadOnlySpan<string> args)
    {
        var line = CommandLine.Parse(args, Options, positionals: 0);
        var clients = line.GetInt("--clients", 1_000_000, 1, 20_000_000);
        var lookups = line.GetInt("--lookups", 100_000, 100, 100_000_000);
        var rounds = line.GetInt("--rounds", 3, 1, 100);
        var batch = line.GetInt("--batch", ClientImporter.DefaultBatchSize, 1, 1_000_000);
        var missingPercent = line.GetInt("--missing-percent", 10, 0, 100);

        // 0 by default: the same keys are looked up in every round and on both thread counts, so with the store's
        // memory on (Store:CacheClients) every round after the first would measure memory, not the file.
        var cacheClients = line.GetInt("--cache-clients", 0, 0, StoreOptions.MaxCacheClients);
        var stores = BenchStores.Parse(line.Get("--store"));
        var settings = new Settings(clients, lookups, rounds, batch, missingPercent, cacheClients);
        return RunAsync(settings, stores, "lookup " + string.Join(' ', args.ToArray())).GetAwaiter().GetResult();
    }

    /// <summary>Phone number i: valid-length North American numbers, ten million per area code from 202 on.</summary>
    private static string Phone(long i) => string.Create(CultureInfo.InvariantCulture, $"+1{202 + i / 10_000_000}{i % 10_000_000:D7}");

    private static string Account(long i) => (100_000_000 + i).ToString(CultureInfo.InvariantCulture);

    private sealed record Settings(int Clients, int Lookups, int Rounds, int BatchSize, int MissingPercent, int CacheClients);

    private static async Task<int> RunAsync(Settings s, IReadOnlyList<string> stores, string commandLine)
    {
        var folder = Path.Combine(Path.GetTempPath(), "ivrengine-lookup-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var csv = Path.Combine(folder, "clients.csv");
        BenchPostgres? postgres = null;
        try
        {
            Console.WriteLine($"command: dotnet run -c Release --project IvrEngine.Benchmarks -- {commandLine}");
            Console.WriteLine($"lookup: {s.Clients:N0} clients imported from CSV into each store ({string.Join(", ", stores)}); {s.Lookups:N0} lookups per round and kind ({s.MissingPercent}% missing keys), {s.Rounds} rounds, {Environment.ProcessorCount} cores, load average {BenchStores.LoadAverage()}; LiteDB's Store:CacheClients={s.CacheClients}{(s.CacheClients == 0 ? " (every lookup reads the file)" : string.Empty)}");
            var written = Stopwatch.StartNew();
            await WriteCsvAsync(csv, s.Clients);
            Console.WriteLine($"csv: {new FileInfo(csv).Length / 1048576.0:N1} MB written in {written.Elapsed.TotalSeconds:F1} s (not part of the import time)");
            if (stores.Contains(BenchStores.Postgres))
            {
                postgres = await BenchPostgres.StartAsync();
                if (postgres is null) return 1;
                Console.WriteLine(postgres.Description);
            }

            var results = new List<StoreFigures>();
            foreach (var kind in stores)
            {
                Console.WriteLine($"--- {kind}");
                var figures = kind == BenchStores.Postgres
                    ? await RunOneAsync(kind, s, csv, PostgresStoreFactory(await postgres!.CreateDatabaseAsync("lookup")))
                    : await RunOneAsync(kind, s, csv, LiteDbStoreFactory(Path.Combine(folder, "clients.db"), s.CacheClients));
                if (figures is null) return 1;
                results.Add(figures);
            }

            if (results.Count > 1) BenchStores.PrintSideBySide(results.Select(r => (r.Store, (IReadOnlyList<(string, string)>)r.Rows)).ToList());
            foreach (var r in results)
            {
                var goal = r.Store == BenchStores.Postgres ? 2.0 : 1.0;
                var importGoal = r.Store == BenchStores.Postgres ? 100_000 : 20_000;
                Console.WriteLine($"goal ({r.Store}): p99 lookup < {goal:F0} ms at {s.Clients:N0} clients: {Stats.PassFail(r.WorstP99 < goal)} (worst p99 {r.WorstP99:F3} ms)");
                Console.WriteLine($"goal ({r.Store}): import > {importGoal:N0} clients/s: {Stats.PassFail(r.ImportRate > importGoal)} ({r.ImportRate:N0} clients/s)");
            }

            return 0;
        }
        finally
        {
            if (postgres is not null) await postgres.DisposeAsync();
            try
            {
                Directory.Delete(folder, recursive: true);
                Console.WriteLine("temporary stores deleted");
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"could not delete the temporary store {folder}: {ex.Message}");
            }
        }
    }

    /// <summary>Opens a store of one kind on the benchmark's data (again after the previous one is disposed), and says
    /// how big it is.</summary>
    private sealed record StoreFactory(Func<IClientStore> Open, Func<int, Task<string>> SizeAsync, string Import);

    private static StoreFactory LiteDbStoreFactory(string path, int cacheClients) => new(
        () => new LiteDbClientStore(path, cacheClients: cacheClients),
        stored =>
        {
            var size = new FileInfo(path).Length;
            var logPath = path[..^3] + "-log.db";
            var logSize = File.Exists(logPath) ? new FileInfo(logPath).Length : 0;
            return Task.FromResult($"file: {size / 1048576.0:N1} MB (log file {logSize / 1048576.0:N1} MB), {(double)(size + logSize) / stored:N0} bytes per client");
        },
        "batches through InsertManyAsync, one LiteDB transaction each");

    private static StoreFactory PostgresStoreFactory(string connectionString) => new(
        () => new PostgresClientStore(PostgresClientStore.CreateDataSource(connectionString, "bench"), "bench", ownsDataSource: true),
        async stored =>
        {
            var size = await BenchPostgres.SizeAsync(connectionString);
            return $"database: {size / 1048576.0:N1} MB, {(double)size / stored:N0} bytes per client";
        },
        "batches through InsertManyAsync, each a binary COPY into clients and one into client_keys (keys sorted), one transaction");

    private sealed record StoreFigures(string Store, double ImportRate, double WorstP99, List<(string, string)> Rows);

    private static async Task<StoreFigures?> RunOneAsync(string kind, Settings s, string csv, StoreFactory factory)
    {
        var rows = new List<(string, string)>();

        // Import: the file through the importer the import command uses, as a user runs it (into a store of its own:
        // the engine holds a LiteDB file while it runs, so an import is always a separate opening).
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var pause = GC.GetTotalPauseDuration();
        var allocated = GC.GetTotalAllocatedBytes();
        var collections = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) };
        var total = Stopwatch.StartNew();
        ImportReport report;
        using (var imported = factory.Open())
        {
            report = await new ClientImporter(imported, new StoreOptions()) { BatchSize = s.BatchSize }.ImportFileAsync(csv);
        }

        total.Stop();
        cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        pause = GC.GetTotalPauseDuration() - pause;
        allocated = GC.GetTotalAllocatedBytes() - allocated;
        var gcs = string.Join("/", Enumerable.Range(0, 3).Select(g => GC.CollectionCount(g) - collections[g]));
        var stored = report.Imported;
        if (report.Rejected.Count > 0)
        {
            Console.Error.WriteLine($"the import rejected {report.Rejected.Count:N0} rows, first: line {report.Rejected[0].Line}: {report.Rejected[0].Reason}");
            return null;
        }

        var importRate = stored / total.Elapsed.TotalSeconds;
        Console.WriteLine($"import: {stored:N0} clients in {total.Elapsed.TotalSeconds:F1} s through ClientImporter (batches of {s.BatchSize:N0}, {factory.Import}; opening to closing the store): {importRate:N0} clients/s ({cpu.TotalSeconds:F1} s CPU in this process; {allocated / stored / 1024.0:N1} KB allocated per client; GC paused {pause.TotalSeconds:F1} s in {gcs} gen0/1/2 collections)");
        rows.Add(("import clients/s", importRate.ToString("N0", CultureInfo.InvariantCulture)));
        rows.Add(("import s", total.Elapsed.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)));
        var size = await factory.SizeAsync(stored);
        Console.WriteLine(size);

        // Lookups as the engine makes them: the store opened afresh, as the engine opens it after an import.
        using var store = factory.Open();
        var random = new Random(42);
        string[] Keys(Func<long, string> existing, Func<long, string> missing) =>
            [.. Enumerable.Range(0, s.Lookups).Select(_ => random.Next(100) < s.MissingPercent ? missing(s.Clients + random.Next(s.Clients)) : existing(random.Next(s.Clients)))];
        var phoneKeys = Keys(Phone, Phone);
        var accountKeys = Keys(Account, Account);

        // Warm-up: JIT and the page cache.
        await MeasureAsync(k => store.FindByPhoneAsync(k), phoneKeys[..Math.Min(10_000, s.Lookups)], 1);
        await MeasureAsync(k => store.FindByAccountAsync(k), accountKeys[..Math.Min(10_000, s.Lookups)], 1);

        Console.WriteLine($"lookups (median of {s.Rounds} rounds; latency per lookup):");
        var worstP99 = 0.0;
        foreach (var (what, keys, find) in new (string, string[], Func<string, Task<ClientCard?>>)[]
        {
            ("by phone", phoneKeys, k => store.FindByPhoneAsync(k)),
            ("by account", accountKeys, k => store.FindByAccountAsync(k)),
        })
        {
            foreach (var threads in new[] { 1, 2 })
            {
                var results = new List<Result>(s.Rounds);
                for (var r = 0; r < s.Rounds; r++) results.Add(await MeasureAsync(find, keys, threads));
                var rate = Stats.Median(results.ConvertAll(x => x.PerSecond));
                var p50 = Stats.Median(results.ConvertAll(x => x.P50Ms));
                var p99 = Stats.Median(results.ConvertAll(x => x.P99Ms));
                var found = results[0].Found;
                worstP99 = Math.Max(worstP99, p99);
                Console.WriteLine($"  {what,-10}  {threads} thread{(threads == 1 ? " " : "s")}: {rate,10:N0} lookups/s  p50 {p50:F3} ms  p99 {p99:F3} ms  ({found:N0} of {keys.Length:N0} found)");
                rows.Add(($"{what}, {threads} thread{(threads == 1 ? "" : "s")}: lookups/s", rate.ToString("N0", CultureInfo.InvariantCulture)));
                rows.Add(($"{what}, {threads} thread{(threads == 1 ? "" : "s")}: p50 / p99 ms", string.Create(CultureInfo.InvariantCulture, $"{p50:F3} / {p99:F3}")));
            }
        }

        var records = await MeasureCallRecordsAsync(store);
        rows.Add(("500 call records at once: p99 ms", records.BurstP99Ms.ToString("F1", CultureInfo.InvariantCulture)));
        rows.Add(("call records one by one: ms each", records.SequentialMs.ToString("F2", CultureInfo.InvariantCulture)));
        return new StoreFigures(kind, importRate, worstP99, rows);
    }

    /// <summary>Client i gets phone perm(i) and account perm'(i) of two random permutations of 0..N-1, so the keys
    /// are all there (lookups pick any key below N) but in random order.</summary>
    private static async Task WriteCsvAsync(string path, int clients)
    {
        var random = new Random(7);
        var phones = Enumerable.Range(0, clients).ToArray();
        var accounts = Enumerable.Range(0, clients).ToArray();
        random.Shuffle(phones);
        random.Shuffle(accounts);
        await using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false), 1 << 16);
        await writer.WriteLineAsync("name,phones,accounts,category,language,city,country,timezone,manager,balance,has_contract");
        for (var i = 0; i < clients; i++)
        {
            var category = (i % 10) switch { 0 => ClientCategories.Vip, 1 => ClientCategories.Prospect, 2 => ClientCategories.Problem, _ => ClientCategories.Regular };
            var language = (i % 3) switch { 0 => "en", 1 => "ru", _ => "ka" };
            await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Client {i},{Phone(phones[i])},{Account(accounts[i])},{category},{language},Tbilisi,GE,Asia/Tbilisi,agent-{i % 50},{i % 1000}.00,{(i % 10 != 1 ? "yes" : "no")}"));
        }
    }

    private sealed record Result(double PerSecond, double P50Ms, double P99Ms, int Found);

    /// <summary>Call records, what every call writes as it ends (<see cref="IClientStore.AddInteractionAsync"/>, each
    /// acknowledged once durable): a burst of 500 at once, as 500 calls ending in the same second, and 1,000 one
    /// after another.</summary>
    public static async Task<(double BurstP99Ms, double SequentialMs)> MeasureCallRecordsAsync(IClientStore store)
    {
        static InteractionRecord Record(int i) => new()
        {
            CallUuid = "bench-" + i.ToString(CultureInfo.InvariantCulture),
            At = DateTimeOffset.UtcNow,
            CallerNumber = Phone(i),
            DialedNumber = "5000",
            Outcome = "self-service",
            Steps = ["greeting", "menu", "transfer"],
        };

        var burstP99 = 0.0;
        for (var round = 0; round < 2; round++)
        {
            var latencies = new double[500];
            var start = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, latencies.Length).Select(async i =>
            {
                await store.AddInteractionAsync(Record(i));
                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }));
            var elapsed = Stopwatch.GetElapsedTime(start);
            Array.Sort(latencies);
            if (round == 0) continue; // the first burst warms up
            burstP99 = Stats.Percentile(latencies, 99);
            Console.WriteLine($"call records: a burst of {latencies.Length} at once all acknowledged in {elapsed.TotalMilliseconds:F0} ms ({latencies.Length / elapsed.TotalSeconds:N0} records/s; acknowledged after p50 {Stats.Percentile(latencies, 50):F1} ms, p99 {Stats.Percentile(latencies, 99):F1} ms)");
        }

        var sequential = Stopwatch.StartNew();
        for (var i = 0; i < 1_000; i++) await store.AddInteractionAsync(Record(i));
        Console.WriteLine($"call records: 1,000 one after another: {1_000 / sequential.Elapsed.TotalSeconds:N0} records/s ({sequential.Elapsed.TotalMilliseconds / 1_000:F2} ms each)");
        return (burstP99, sequential.Elapsed.TotalMilliseconds / 1_000);
    }

    private static async Task<Result> MeasureAsync(Func<string, Task<ClientCard?>> find, string[] keys, int threads)
    {
        var latencies = new double[keys.Length];
        var found = 0;
        var share = (keys.Length + threads - 1) / threads;
        var start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, threads).Select(t => Task.Run(async () =>
        {
            var from = t * share;
            var to = Math.Min(keys.Length, from + share);
            var mine = 0;
            for (var i = from; i < to; i++)
            {
                var before = Stopwatch.GetTimestamp();
                if (await find(keys[i]) is not null) mine++;
                latencies[i] = Stopwatch.GetElapsedTime(before).TotalMilliseconds;
            }

            Interlocked.Add(ref found, mine);
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(start);
        Array.Sort(latencies);
        return new Result(keys.Length / elapsed.TotalSeconds, Stats.Percentile(latencies, 50), Stats.Percentile(latencies, 99), found);
    }
}
