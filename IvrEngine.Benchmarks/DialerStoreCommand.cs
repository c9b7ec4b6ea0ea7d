using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;

namespace IvrEngine.Benchmarks;

/// <summary><c>dialer-store</c>: the dialer's store alone. Adds N contacts to a campaign in Z time zones, then W tasks
/// (on PostgreSQL: half of them on each of two engines' stores) claim B contacts at a time from the first O zones
/// (the open ones) and record each claimed contact as answered, until nothing is due; prints the time to add, the
/// claims' latency and throughput, the totals' and pending zones' times, and how many contacts were claimed twice
/// (must be 0) or never (must be 0 in the open zones). Deletes its store at the end.</summary>
internal static class DialerStoreCommand
{
    private static readonly string[] Options = ["--contacts", "--batch", "--zones", "--open", "--workers", "--store"];
    private static readonly string[] ZoneNames =
        ["UTC", "Europe/Moscow", "Asia/Tbilisi", "America/New_York", "Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney"];

    public static int Run(ReadOnlySpan<string> args)
    {
        var line = CommandLine.Parse(args, Options, positionals: 0);
        var contacts = line.GetInt("--contacts", 10_000, 10, 2_000_000);
        var batch = line.GetInt("--batch", 10, 1, 1_000);
        var zones = line.GetInt("--zones", 5, 1, ZoneNames.Length);
        var open = line.GetInt("--open", 2, 1, zones);
        var workers = line.GetInt("--workers", 4, 1, 64);
        var stores = BenchStores.Parse(line.Get("--store"));
        return RunAsync(new Setup(contacts, batch, zones, open, workers), stores, "dialer-store " + string.Join(' ', args.ToArray())).GetAwaiter().GetResult();
    }

    private sealed record Setup(int Contacts, int Batch, int Zones, int Open, int Workers);

    private static async Task<int> RunAsync(Setup setup, IReadOnlyList<string> kinds, string commandLine)
    {
        Console.WriteLine($"command: dotnet run -c Release --project IvrEngine.Benchmarks -- {commandLine}");
        Console.WriteLine($"dialer-store: {setup.Contacts:N0} contacts in {setup.Zones} time zones, {setup.Open} open; {setup.Workers} tasks claim {setup.Batch} at a time "
            + $"and record each as answered; .NET {Environment.Version}, {Environment.ProcessorCount} cores, load average {BenchStores.LoadAverage()}");
        var results = new List<(string Store, IReadOnlyList<(string Figure, string Value)> Rows)>();
        var failed = false;
        foreach (var kind in kinds)
        {
            var folder = Directory.CreateTempSubdirectory("ivrengine-dialer-");
            BenchPostgres? postgres = null;
            var engines = new List<IDialerStore>();
            try
            {
                if (kind == BenchStores.LiteDb)
                {
                    engines.Add(new LiteDbClientStore(Path.Combine(folder.FullName, "dialer.db")));
                }
                else
                {
                    postgres = await BenchPostgres.StartAsync();
                    if (postgres is null) return 1;
                    Console.WriteLine(postgres.Description);
                    var database = await postgres.CreateDatabaseAsync("dialer");
                    engines.Add(new PostgresClientStore(PostgresClientStore.CreateDataSource(database, "engine-a"), "engine-a", ownsDataSource: true));
                    engines.Add(new PostgresClientStore(PostgresClientStore.CreateDataSource(database, "engine-b"), "engine-b", ownsDataSource: true));
                }

                var (rows, ok) = await MeasureAsync(setup, engines);
                failed |= !ok;
                Console.WriteLine();
                Console.WriteLine(kind);
                foreach (var (figure, value) in rows) Console.WriteLine($"  {figure,-40} {value}");
                results.Add((kind, rows));
            }
            finally
            {
                foreach (var engine in engines) ((IDisposable)engine).Dispose();
                if (postgres is not null) await postgres.DisposeAsync();
                folder.Delete(recursive: true);
            }
        }

        if (results.Count > 1) BenchStores.PrintSideBySide(results);
        return failed ? 1 : 0;
    }

    private static async Task<(IReadOnlyList<(string, string)> Rows, bool Ok)> MeasureAsync(Setup setup, List<IDialerStore> engines)
    {
        var store = engines[0];
        var now = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        await store.SaveCampaignAsync(new OutboundCampaign { Id = "bench", Name = "Benchmark", State = OutboundCampaignState.Running });
        var list = Enumerable.Range(0, setup.Contacts)
            .Select(i => new CampaignContact { Phone = "+1555" + i.ToString("D7", CultureInfo.InvariantCulture), TimeZone = ZoneNames[i % setup.Zones] })
            .ToList();
        var adding = Stopwatch.StartNew();
        var added = await store.AddContactsAsync("bench", list);
        adding.Stop();

        var open = ZoneNames.Take(setup.Open).ToArray();
        var zoning = Stopwatch.StartNew();
        await store.PendingTimeZonesAsync("bench");
        zoning.Stop();

        var claimTimes = new ConcurrentBag<double>();
        var recordTimes = new ConcurrentBag<double>();
        var claimed = new ConcurrentDictionary<Guid, int>();
        using var go = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, setup.Workers).Select(w => Task.Run(async () =>
        {
            var engine = engines[w % engines.Count];
            var name = "engine-" + (char)('a' + (w % engines.Count));
            go.Wait();
            while (true)
            {
                var started = Stopwatch.GetTimestamp();
                var got = await engine.ClaimDueAsync("bench", name, now, setup.Batch, open);
                claimTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (got.Count == 0) return;
                foreach (var contact in got)
                {
                    claimed.AddOrUpdate(contact.Id, 1, (_, n) => n + 1);
                    started = Stopwatch.GetTimestamp();
                    await engine.RecordAttemptAsync(contact.Id, contact.CallUuid!, AttemptOutcomes.Answered, "NORMAL_CLEARING", ContactStatus.Done, null);
                    recordTimes.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }
        })).ToList();
        var claiming = Stopwatch.StartNew();
        go.Set();
        await Task.WhenAll(tasks);
        claiming.Stop();

        var totaling = Stopwatch.StartNew();
        var totals = await store.TotalsAsync("bench");
        totaling.Stop();

        var expected = list.Count(c => open.Contains(c.TimeZone));
        var twice = claimed.Values.Count(n => n > 1);
        var never = expected - claimed.Count;
        var claims = claimTimes.Order().ToArray();
        var records = recordTimes.Order().ToArray();
        var rows = new List<(string, string)>
        {
            ("contacts added", $"{added:N0} in {adding.Elapsed.TotalSeconds:F2} s ({added / adding.Elapsed.TotalSeconds:N0}/s)"),
            ("pending time zones", $"{zoning.Elapsed.TotalMilliseconds:F1} ms"),
            ("contacts claimed and recorded", $"{claimed.Count:N0} in {claiming.Elapsed.TotalSeconds:F2} s ({claimed.Count / claiming.Elapsed.TotalSeconds:N0}/s)"),
            ("claim p50 / p99 / max", $"{Stats.Percentile(claims, 50):F2} / {Stats.Percentile(claims, 99):F2} / {claims[^1]:F2} ms"),
            ("record p50 / p99", $"{Stats.Percentile(records, 50):F2} / {Stats.Percentile(records, 99):F2} ms"),
            ("totals", $"{totaling.Elapsed.TotalMilliseconds:F1} ms ({totals.Contacts:N0} contacts, {totals.Answered:N0} answered)"),
            ("claimed twice / never (open zones)", $"{twice} / {never} {Stats.PassFail(twice == 0 && never == 0)}"),
        };
        return (rows, twice == 0 && never == 0 && totals.Answered == expected);
    }
}
