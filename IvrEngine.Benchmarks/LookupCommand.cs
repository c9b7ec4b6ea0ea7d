using System.Diagnostics;
using System.Globalization;
using IvrEngine.Profiles;

namespace IvrEngine.Benchmarks;

/// <summary><c>lookup</c>: writes N generated clients to a CSV file in a temporary folder, imports it into an empty
/// LiteDB store through the real importer (<see cref="ClientImporter"/>: parsing, phone normalization, checks,
/// batches through <see cref="IClientStore.InsertManyAsync"/>), then measures lookups by phone and by account (random
/// existing keys and some missing ones), on one thread and on two, over several rounds. Phones and accounts are in
/// random order in the file, as in a real client list: every batch lands all over the indexes. Deletes the folder
/// at the end.</summary>
internal static class LookupCommand
{
    private static readonly string[] Options = ["--clients", "--lookups", "--rounds", "--batch", "--missing-percent", "--cache-clients"];

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
        return RunAsync(clients, lookups, rounds, batch, missingPercent, cacheClients).GetAwaiter().GetResult();
    }

    /// <summary>Phone number i: valid-length North American numbers, ten million per area code from 202 on.</summary>
    private static string Phone(long i) => string.Create(CultureInfo.InvariantCulture, $"+1{202 + i / 10_000_000}{i % 10_000_000:D7}");

    private static string Account(long i) => (100_000_000 + i).ToString(CultureInfo.InvariantCulture);

    private static async Task<int> RunAsync(int clients, int lookups, int rounds, int batchSize, int missingPercent, int cacheClients)
    {
        var folder = Path.Combine(Path.GetTempPath(), "ivrengine-lookup-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "clients.db");
        var csv = Path.Combine(folder, "clients.csv");
        try
        {
            Console.WriteLine($"lookup: {clients:N0} clients imported from CSV into a temporary LiteDB file; {lookups:N0} lookups per round and kind ({missingPercent}% missing keys), {rounds} rounds, {Environment.ProcessorCount} cores; Store:CacheClients={cacheClients}{(cacheClients == 0 ? " (every lookup reads the file)" : string.Empty)}");
            var written = Stopwatch.StartNew();
            await WriteCsvAsync(csv, clients);
            Console.WriteLine($"csv: {new FileInfo(csv).Length / 1048576.0:N1} MB written in {written.Elapsed.TotalSeconds:F1} s (not part of the import time)");

            // Import: the file through the importer the import command uses, as a user runs it (into a store of its
            // own: the engine holds the file while it runs, so an import is always a separate opening).
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var pause = GC.GetTotalPauseDuration();
            var allocated = GC.GetTotalAllocatedBytes();
            var collections = new[] { GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2) };
            var total = Stopwatch.StartNew();
            ImportReport report;
            using (var imported = new LiteDbClientStore(path))
            {
                report = await new ClientImporter(imported, new StoreOptions()) { BatchSize = batchSize }.ImportFileAsync(csv);
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
                return 1;
            }

            var importRate = stored / total.Elapsed.TotalSeconds;
            Console.WriteLine($"import: {stored:N0} clients in {total.Elapsed.TotalSeconds:F1} s through ClientImporter (batches of {batchSize:N0}; opening to closing the store): {importRate:N0} clients/s ({cpu.TotalSeconds:F1} s CPU; {allocated / stored / 1024.0:N1} KB allocated per client; GC paused {pause.TotalSeconds:F1} s in {gcs} gen0/1/2 collections)");
            var size = new FileInfo(path).Length;
            var logPath = path[..^3] + "-log.db";
            var logSize = File.Exists(logPath) ? new FileInfo(logPath).Length : 0;
            Console.WriteLine($"file: {size / 1048576.0:N1} MB (log file {logSize / 1048576.0:N1} MB), {(double)(size + logSize) / stored:N0} bytes per client");

            // Lookups as the engine makes them: the store opened afresh, as the engine opens it after an import.
            using var store = new LiteDbClientStore(path, cacheClients: cacheClients);
            var random = new Random(42);
            string[] Keys(Func<long, string> existing, Func<long, string> missing) =>
                [.. Enumerable.Range(0, lookups).Select(_ => random.Next(100) < missingPercent ? missing(clients + random.Next(clients)) : existing(random.Next(clients)))];
            var phoneKeys = Keys(Phone, Phone);
            var accountKeys = Keys(Account, Account);

            // Warm-up: JIT and the page cache.
            await MeasureAsync(k => store.FindByPhoneAsync(k), phoneKeys[..Math.Min(10_000, lookups)], 1);
            await MeasureAsync(k => store.FindByAccountAsync(k), accountKeys[..Math.Min(10_000, lookups)], 1);

            Console.WriteLine($"lookups (median of {rounds} rounds; latency per lookup):");
            var worstP99 = 0.0;
            foreach (var (kind, keys, find) in new (string, string[], Func<string, Task<ClientCard?>>)[]
            {
                ("by phone", phoneKeys, k => store.FindByPhoneAsync(k)),
                ("by account", accountKeys, k => store.FindByAccountAsync(k)),
            })
            {
                foreach (var threads in new[] { 1, 2 })
                {
                    var results = new List<Result>(rounds);
                    for (var r = 0; r < rounds; r++) results.Add(await MeasureAsync(find, keys, threads));
                    var rate = Stats.Median(results.ConvertAll(x => x.PerSecond));
                    var p50 = Stats.Median(results.ConvertAll(x => x.P50Ms));
                    var p99 = Stats.Median(results.ConvertAll(x => x.P99Ms));
                    var found = results[0].Found;
                    worstP99 = Math.Max(worstP99, p99);
                    Console.WriteLine($"  {kind,-10}  {threads} thread{(threads == 1 ? " " : "s")}: {rate,10:N0} lookups/s  p50 {p50:F3} ms  p99 {p99:F3} ms  ({found:N0} of {keys.Length:N0} found)");
                }
            }

            await MeasureCallRecordsAsync(store);
            Console.WriteLine($"goal: p99 lookup < 1 ms at 1M clients: {Stats.PassFail(worstP99 < 1.0)} (worst p99 {worstP99:F3} ms at {stored:N0} clients)");
            Console.WriteLine($"goal: import > 20,000 clients/s: {Stats.PassFail(importRate > 20_000)} ({importRate:N0} clients/s)");
            return 0;
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
                Console.WriteLine("temporary store deleted");
            }
            catch (IOException ex)
            {
                Console.Error.WriteLine($"could not delete the temporary store {folder}: {ex.Message}");
            }
        }
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
    public static async Task MeasureCallRecordsAsync(IClientStore store)
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
            Console.WriteLine($"call records: a burst of {latencies.Length} at once all acknowledged in {elapsed.TotalMilliseconds:F0} ms ({latencies.Length / elapsed.TotalSeconds:N0} records/s; acknowledged after p50 {Stats.Percentile(latencies, 50):F1} ms, p99 {Stats.Percentile(latencies, 99):F1} ms)");
        }

        var sequential = Stopwatch.StartNew();
        for (var i = 0; i < 1_000; i++) await store.AddInteractionAsync(Record(i));
        Console.WriteLine($"call records: 1,000 one after another: {1_000 / sequential.Elapsed.TotalSeconds:N0} records/s ({sequential.Elapsed.TotalMilliseconds / 1_000:F2} ms each)");
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
