using System.Diagnostics;
using System.Globalization;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Statistics;

namespace IvrEngine.Benchmarks;

/// <summary><c>report</c>: counts N generated calls over D days through the engine's <see cref="StatisticsCollector"/>
/// (as the IVR and mod_callcenter's events feed it: IVR start and end, queue start, offers to agents, answer, bridge
/// end, queue end, hangup; one answered call in ten offered first to an agent who does not answer), adding its slices
/// to a temporary LiteDB store every 2,500 calls (the engine adds them every 5 s: 2,500 calls at 500 calls/s) and the
/// pairs of dimensions every 30,000 (the engine's 60 s), measures what keeping them costs per call, then times the main
/// reports, unfiltered and filtered, over the whole period and over one day. Deletes the folder at the end.</summary>
internal static class ReportCommand
{
    private static readonly string[] Options = ["--interactions", "--days", "--rounds", "--store"];
    private const int FlushEvery = 2_500;
    private const int PairsEvery = 12;
    private const int Agents = 60;
    private static readonly string[] Queues = ["general@default", "vip@default", "collections@default", "spanish@default", "sales@default", "support@default"];
    private static readonly string[] Campaigns = ["5000", "5001", "5002", "5003", "5004"];
    private static readonly string[] FlowOfCampaign = ["bank", "taxi", "clinic", "bank", "default"];
    private static readonly string[] Codes = ["N", "E", "E", "E", "R", "V", "T"];
    private static readonly string[] Categories = ["regular", "vip", "problem", "partner"];

    public static int Run(ReadOnlySpan<string> args)
    {
        var line = CommandLine.Parse(args, Options, positionals: 0);
        var interactions = line.GetInt("--interactions", 1_000_000, 1_000, 50_000_000);
        var days = line.GetInt("--days", 90, 1, 3650);
        var rounds = line.GetInt("--rounds", 5, 1, 100);
        var stores = BenchStores.Parse(line.Get("--store"));
        return RunAsync(interactions, days, rounds, stores, "report " + string.Join(' ', args.ToArray())).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int interactions, int days, int rounds, IReadOnlyList<string> kinds, string commandLine)
    {
        var folder = Directory.CreateTempSubdirectory("ivrengine-report-");
        BenchPostgres? postgres = null;
        var opened = new List<(string Kind, IStatisticsStore Store)>();
        try
        {
            var end = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
            var start = end.AddDays(-days);
            Console.WriteLine($"command: dotnet run -c Release --project IvrEngine.Benchmarks -- {commandLine}");
            Console.WriteLine($"report: {interactions:N0} calls over {days} days ({start:yyyy-MM-dd} to {end:yyyy-MM-dd}) counted by the statistics' collector into {string.Join(" and ", kinds)}; {rounds} rounds per report; .NET {Environment.Version}, {Environment.ProcessorCount} cores, load average {BenchStores.LoadAverage()}");
            string? connectionString = null;
            foreach (var kind in kinds)
            {
                if (kind == BenchStores.LiteDb)
                {
                    opened.Add((kind, new LiteDbClientStore(Path.Combine(folder.FullName, "report.db"))));
                    continue;
                }

                postgres = await BenchPostgres.StartAsync();
                if (postgres is null) return 1;
                Console.WriteLine(postgres.Description);
                connectionString = await postgres.CreateDatabaseAsync("report");
                opened.Add((kind, new PostgresStatisticsStore(Npgsql.NpgsqlDataSource.Create(connectionString))));
            }

            // Every flush goes to each store in turn, timed per store.
            var store = new TeeStore([.. opened.Select(o => o.Store)]);
            var clock = new Clock(start);
            using var collector = new StatisticsCollector(clock, new StatisticsOptions(), switchEvents: true);

            // The calls in time order (each starts 0 to 2 s after the one before, scaled to the period), as the engine
            // meets them. Generating the inputs is timed apart from counting them.
            var random = new Random(1);
            var spacing = (end - start).TotalSeconds / interactions;
            var calls = new List<GeneratedCall>(Math.Min(interactions, 100_000));
            double generateSeconds = 0, countSeconds = 0, flushSeconds = 0;
            long countAllocated = 0, flushAllocated = 0, flushedSlices = 0, flushes = 0;
            var at = start;
            for (var done = 0; done < interactions;)
            {
                var batch = Math.Min(FlushEvery, interactions - done);
                var generated = Stopwatch.StartNew();
                calls.Clear();
                for (var i = 0; i < batch; i++)
                {
                    at = at.AddSeconds(random.NextDouble() * 2 * spacing);
                    calls.Add(Generate(random, done + i, at));
                }

                generateSeconds += generated.Elapsed.TotalSeconds;

                var thread = Stopwatch.StartNew();
                var before = GC.GetAllocatedBytesForCurrentThread();
                foreach (var call in calls) Feed(collector, clock, call);
                countAllocated += GC.GetAllocatedBytesForCurrentThread() - before;
                countSeconds += thread.Elapsed.TotalSeconds;

                clock.Set(at);
                var flushed = Stopwatch.StartNew();
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                // The pairs of dimensions every 12 flushes: the engine's 60 s (Statistics:PairFlushSeconds) at 500 calls/s.
                flushedSlices += await collector.FlushAsync(store, pairs: ++flushes % PairsEvery == 0);
                flushAllocated += GC.GetTotalAllocatedBytes(precise: true) - allocated;
                flushSeconds += flushed.Elapsed.TotalSeconds;
                done += batch;
            }

            clock.Set(at.AddHours(5));
            await collector.FlushAsync(store);
            var slices = 0;
            foreach (var dimension in SliceDimensions.Cut.Prepend(SliceDimensions.Total))
            {
                slices += (await store.ReadHoursAsync(dimension, start, end.AddDays(1))).Count;
            }

            var sizes = new List<string>();
            foreach (var (kind, _) in opened)
            {
                sizes.Add(kind == BenchStores.LiteDb
                    ? $"the LiteDB file {new FileInfo(Path.Combine(folder.FullName, "report.db")).Length / 1048576.0:F0} MB"
                    : $"the PostgreSQL database {await BenchPostgres.SizeAsync(connectionString!) / 1048576.0:F0} MB");
            }

            Console.WriteLine($"counted: {collector.Counted:N0} calls, {slices:N0} hourly slices in the store (and their days', and the days' of the {SliceDimensions.Pairs.Count} pairs of dimensions); "
                + $"generating the inputs took {generateSeconds:F1} s (not counted below); {string.Join(", ", sizes)}");
            var perStore = string.Join("; ", opened.Select((o, i) => $"{o.Kind} {store.Seconds[i] / interactions * 1e6:F2} µs"));
            Console.WriteLine($"keeping the statistics, per call: the collector {countSeconds / interactions * 1e6:F2} µs and {countAllocated / (double)interactions:F0} B allocated (the inputs' records included); adding its slices to the store: {perStore} ({flushAllocated / (double)interactions:F0} B allocated in all; every {FlushEvery:N0} calls, the pairs' every {FlushEvery * PairsEvery:N0}: {flushedSlices / (double)flushes:N0} slices a flush, as the {FlushEvery:N0} calls span {spacing * FlushEvery / 3600:F1} hours here; at 500 calls/s they fall within one hour: see the burst for the cost on the call path)");

            var zone = TimeZoneInfo.Utc;
            var whole = (Since: start, Until: end);
            var lastDay = (Since: end.AddDays(-1), Until: end);
            var worst = new double[opened.Count];
            Console.WriteLine("report (whole period unless said)           rows   docs read" + string.Concat(opened.Select(o => $"   {o.Kind + " ms",13}")) + "   (all rounds)");
            var vip = new ReportFilter(ReportDimension.Cti, "V");
            var campaign = new ReportFilter(ReportDimension.Campaign, Campaigns[0]);
            foreach (var (name, by, period, where) in new (string, ReportDimension, (DateTimeOffset Since, DateTimeOffset Until), ReportFilter?)[]
            {
                ("total", ReportDimension.Total, whole, null),
                ("by queue", ReportDimension.Queue, whole, null),
                ("by agent", ReportDimension.Agent, whole, null),
                ("by campaign", ReportDimension.Campaign, whole, null),
                ("by cti", ReportDimension.Cti, whole, null),
                ("by hour of day", ReportDimension.Hour, whole, null),
                ("by day", ReportDimension.Day, whole, null),
                ("by agent, last day", ReportDimension.Agent, lastDay, null),
                ("by queue, only cti=V", ReportDimension.Queue, whole, vip),
                ("by agent, only campaign=" + Campaigns[0], ReportDimension.Agent, whole, campaign),
                ("by hour of day, only cti=V", ReportDimension.Hour, whole, vip),
                ("by agent, only cti=V, last day", ReportDimension.Agent, lastDay, vip),
            })
            {
                var query = new ReportQuery(period.Since, period.Until, by, StatisticsReport.DefaultServiceLevelSeconds, zone, where);
                var medians = new List<double>();
                var all = new List<string>();
                IReadOnlyList<ReportRow> rows = [];
                var read = 0;
                for (var i = 0; i < opened.Count; i++)
                {
                    var one = opened[i].Store;
                    var times = new List<double>(rounds);
                    for (var r = 0; r < rounds; r++)
                    {
                        var timer = Stopwatch.StartNew();
                        rows = await StatisticsReport.RunAsync(one, query);
                        times.Add(timer.Elapsed.TotalMilliseconds);
                    }

                    var (dimension, pair) = StatisticsReport.Source(by, where);
                    read = (pair ? await one.ReadPairDaysAsync(dimension, where!.Value, period.Since, period.Until)
                        : by is ReportDimension.Hour or ReportDimension.Day
                        ? await one.ReadHoursAsync(dimension, period.Since, period.Until, where?.Value)
                        : await one.ReadPeriodAsync(dimension, period.Since, period.Until, where?.Value)).Count;
                    var median = Stats.Median(times);
                    worst[i] = Math.Max(worst[i], median);
                    medians.Add(median);
                    all.Add(string.Join(", ", times.Select(t => t.ToString("F1", CultureInfo.InvariantCulture))));
                }

                Console.WriteLine($"{name,-43} {rows.Count,5} {read,11:N0}" + string.Concat(medians.Select(m => $"   {m,13:F1}")) + $"   ({string.Join("; ", all)})");
            }

            for (var i = 0; i < opened.Count; i++)
            {
                Console.WriteLine($"goal ({opened[i].Kind}): every report over {interactions:N0} interactions under 1 s -> {Stats.PassFail(worst[i] < 1000)} (slowest median {worst[i]:F0} ms)");
            }

            return 0;
        }
        finally
        {
            foreach (var (_, one) in opened) (one as IDisposable)?.Dispose();
            if (postgres is not null) await postgres.DisposeAsync();
            folder.Delete(recursive: true);
        }
    }

    private static GeneratedCall Generate(Random random, int n, DateTimeOffset at)
    {
        var campaign = random.Next(Campaigns.Length);
        var roll = random.NextDouble();
        var outcome = roll < 0.10 ? "hangup" : roll < 0.15 ? "hung-up" : "transferred";
        var queue = Queues[random.Next(Queues.Length)];
        var second = random.NextDouble() < 0.05 ? Queues[random.Next(Queues.Length)] : null;
        var end = random.NextDouble();
        return new GeneratedCall(
            "call-" + n.ToString(CultureInfo.InvariantCulture), at, TimeSpan.FromSeconds(10 + random.Next(50)), Campaigns[campaign], FlowOfCampaign[campaign], outcome,
            Codes[random.Next(Codes.Length)], Categories[random.Next(Categories.Length)], queue, second,
            Wait: -25 * Math.Log(1 - random.NextDouble()), Talk: 30 + random.Next(300),
            Ending: end < 0.80 ? Ending.Answered : end < 0.95 ? Ending.Abandoned : Ending.Overflowed,
            Agent: (1001 + random.Next(Agents)).ToString(CultureInfo.InvariantCulture) + "@default",
            MissedBy: random.NextDouble() < 0.10 ? (1001 + random.Next(Agents)).ToString(CultureInfo.InvariantCulture) + "@default" : null);
    }

    /// <summary>What the engine and the inbound connection tell the collector of one call, in their order.</summary>
    private static void Feed(StatisticsCollector collector, Clock clock, GeneratedCall c)
    {
        clock.Set(c.At);
        collector.IvrStarted(c.Uuid);
        var left = c.At + c.Ivr;
        collector.IvrEnded(new IvrLeg(c.Uuid, c.At, c.Ivr, c.Campaign, c.Flow, c.Outcome, c.Outcome == "transferred" ? "queue" : null, c.Code, c.Category,
            [c.Flow + "/welcome", c.Flow + "/identify", c.Flow + "/route"]));
        if (c.Outcome != "transferred")
        {
            collector.Hangup(c.Uuid, left);
            return;
        }

        var joined = left;
        if (c.SecondQueue is { } second)
        {
            var moved = joined.AddSeconds(c.Wait / 2);
            collector.Queue(new QueueEvent(QueueActions.MemberQueueStart, c.Uuid, c.Queue, null, joined, JoinedAt: joined));
            collector.Queue(new QueueEvent(QueueActions.MemberQueueEnd, c.Uuid, c.Queue, null, moved, QueueActions.Cancel, "BREAK_OUT", joined, null, moved));
            joined = moved;
            c = c with { Queue = second };
        }

        var waited = joined.AddSeconds(c.Wait);
        collector.Queue(new QueueEvent(QueueActions.MemberQueueStart, c.Uuid, c.Queue, null, joined, JoinedAt: joined));
        if (c.Ending == Ending.Answered)
        {
            // One call in ten rings another agent first, who does not answer.
            if (c.MissedBy is { } missed)
            {
                collector.Queue(new QueueEvent(QueueActions.AgentOffering, c.Uuid, c.Queue, missed, joined));
                collector.Queue(new QueueEvent(QueueActions.BridgeAgentFail, c.Uuid, c.Queue, missed, joined.AddSeconds(Math.Min(c.Wait, 15)), "NO_ANSWER"));
            }

            collector.Queue(new QueueEvent(QueueActions.AgentOffering, c.Uuid, c.Queue, c.Agent, waited));
            var over = waited.AddSeconds(c.Talk);
            collector.Queue(new QueueEvent(QueueActions.BridgeAgentStart, c.Uuid, c.Queue, c.Agent, waited, JoinedAt: joined, AnsweredAt: waited));
            collector.Queue(new QueueEvent(QueueActions.BridgeAgentEnd, c.Uuid, c.Queue, c.Agent, over, null, null, joined, waited, over));
            collector.Queue(new QueueEvent(QueueActions.MemberQueueEnd, c.Uuid, c.Queue, c.Agent, over, QueueActions.Terminated, null, joined, waited, over));
            collector.Hangup(c.Uuid, over);
        }
        else
        {
            var reason = c.Ending == Ending.Abandoned ? "BREAK_OUT" : "TIMEOUT";
            collector.Queue(new QueueEvent(QueueActions.MemberQueueEnd, c.Uuid, c.Queue, null, waited, QueueActions.Cancel, reason, joined, null, waited));
            collector.Hangup(c.Uuid, waited);
        }
    }

    private enum Ending
    {
        Answered,
        Abandoned,
        Overflowed,
    }

    private sealed record GeneratedCall(string Uuid, DateTimeOffset At, TimeSpan Ivr, string Campaign, string Flow, string Outcome, string Code, string Category,
        string Queue, string? SecondQueue, double Wait, int Talk, Ending Ending, string? Agent, string? MissedBy);

    /// <summary>Adds each flush to every store, one after the other, and keeps each one's time; reads from the first.</summary>
    private sealed class TeeStore(IReadOnlyList<IStatisticsStore> stores) : IStatisticsStore
    {
        public double[] Seconds { get; } = new double[stores.Count];

        public async Task AddHoursAsync(IReadOnlyCollection<KeyValuePair<SliceKey, HourTotals>> totals, IReadOnlyCollection<KeyValuePair<StepKey, StepTotals>> steps,
            CancellationToken cancellationToken = default)
        {
            for (var i = 0; i < stores.Count; i++)
            {
                var timer = Stopwatch.StartNew();
                await stores[i].AddHoursAsync(totals, steps, cancellationToken);
                Seconds[i] += timer.Elapsed.TotalSeconds;
            }
        }

        public Task<IReadOnlyList<KeyValuePair<StepKey, StepTotals>>> ReadStepsAsync(string flow, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default) =>
            stores[0].ReadStepsAsync(flow, since, until, cancellationToken);

        public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadHoursAsync(string dimension, DateTimeOffset since, DateTimeOffset until, string? value = null,
            CancellationToken cancellationToken = default) => stores[0].ReadHoursAsync(dimension, since, until, value, cancellationToken);

        public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPairDaysAsync(string pair, string value, DateTimeOffset since, DateTimeOffset until,
            CancellationToken cancellationToken = default) => stores[0].ReadPairDaysAsync(pair, value, since, until, cancellationToken);

        public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPeriodAsync(string dimension, DateTimeOffset since, DateTimeOffset until, string? value = null,
            CancellationToken cancellationToken = default) => stores[0].ReadPeriodAsync(dimension, since, until, value, cancellationToken);
    }

    /// <summary>The collector's clock, set to each call's time (it forgets silent calls by it).</summary>
    private sealed class Clock(DateTimeOffset now) : TimeProvider
    {
        private DateTimeOffset _now = now;

        public void Set(DateTimeOffset now) => _now = now;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
