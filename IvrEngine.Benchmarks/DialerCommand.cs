using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using IvrEngine.EventSocket;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Tests.RealFreeSwitch;

namespace IvrEngine.Benchmarks;

/// <summary><c>dialer</c>: a campaign of N contacts (default 10,000) dialed by the engine (a child process, LiteDB
/// store, <c>Dialer:Enabled</c>) through the FreeSWITCH simulator at a target rate (default 50 calls/s). Six contacts in
/// ten answer and take the survey flow (7001: keys 4 and 1), two are busy, two never answer (the ring time, one second,
/// ends them); one attempt each. Measures, from the simulator's side (each leg's CHANNEL_CREATE as a control
/// connection hears it): the rate held per second against the target, the engine's CPU per attempt, and the contacts
/// dialed twice or never (the switch's count and the store's).</summary>
internal static class DialerCommand
{
    private const string Password = "bench";
    private static readonly string[] Options = ["--contacts", "--cps", "--concurrent"];

    public static int Run(ReadOnlySpan<string> args)
    {
        var line = CommandLine.Parse(args, Options, positionals: 0);
        var contacts = line.GetInt("--contacts", 10_000, 10, 1_000_000);
        var cps = line.GetDouble("--cps", 50, 0.1, 1000);
        var concurrent = line.GetInt("--concurrent", 500, 1, 10_000);
        return RunAsync(contacts, cps, concurrent, "dialer " + string.Join(' ', args.ToArray())).GetAwaiter().GetResult();
    }

    private static SimulatedContact Behaviour(int i) => (i % 10) switch
    {
        < 6 => SimulatedContact.Answering(TimeSpan.Zero, new CallerScript { Inputs = [CallerInput.Keys("4"), CallerInput.Keys("1")] }),
        < 8 => SimulatedContact.Busy(),
        _ => SimulatedContact.NeverAnswering,
    };

    private static string Number(int i) => (100_000 + i).ToString(CultureInfo.InvariantCulture);

    private static async Task<int> RunAsync(int count, double cps, int concurrent, string commandLine)
    {
        var ic = CultureInfo.InvariantCulture;
        Console.WriteLine($"command: dotnet run -c Release --project IvrEngine.Benchmarks -- {commandLine}");
        Console.WriteLine($"dialer: {count:N0} contacts at {cps.ToString("0.##", ic)} calls/s, at most {concurrent:N0} at once; {Environment.ProcessorCount} cores, load average {BenchStores.LoadAverage()}");
        var folder = Directory.CreateTempSubdirectory("ivrengine-dialer-");
        try
        {
            var storePath = Path.Combine(folder.FullName, "clients.db");
            using (var store = new LiteDbClientStore(storePath))
            {
                await store.SaveCampaignAsync(new OutboundCampaign
                {
                    Id = "bench", Name = "Benchmark survey", CardDnis = "7001", CallerIdNumber = "5550100", DialString = "user/{number}", RingSeconds = 1,
                    Hours = new CallingHours { From = TimeOnly.MinValue, To = TimeOnly.MaxValue, Days = [.. Enum.GetValues<DayOfWeek>()], DefaultTimeZone = "UTC" },
                    Pacing = new DialPacing { CallsPerSecond = cps, MaxConcurrent = concurrent },
                    Busy = new RetryRule { MaxAttempts = 1 },
                    NoAnswer = new RetryRule { MaxAttempts = 1 },
                    Failed = new RetryRule { MaxAttempts = 1 },
                    State = OutboundCampaignState.Running,
                    CreatedAt = DateTimeOffset.UtcNow,
                });
                await store.AddContactsAsync("bench", [.. Enumerable.Range(0, count).Select(i => new CampaignContact
                {
                    Id = Guid.CreateVersion7(), CampaignId = "bench", Phone = Number(i), TimeZone = "UTC",
                })]);
            }

            var behaviours = Enumerable.Range(0, count).ToDictionary(Number, Behaviour, StringComparer.Ordinal);
            await using var simulator = new FreeSwitchSimulator(new SimulatorOptions { Contacts = n => behaviours.GetValueOrDefault(n) });
            await using var server = await simulator.StartInboundServerAsync(Password);

            // The switch's side: when each leg was created, each originate's reply, each hangup.
            var created = new ConcurrentQueue<long>();
            var replies = 0;
            var ended = 0;
            await using var watch = new EslInboundClient(new EslInboundOptions { Port = server.EndPoint.Port, Password = Password });
            using var listening = watch.Events.Subscribe(e =>
            {
                switch (e.EventName)
                {
                    case "CHANNEL_CREATE": created.Enqueue(Stopwatch.GetTimestamp()); break;
                    case "BACKGROUND_JOB": Interlocked.Increment(ref replies); break;
                    case "CHANNEL_HANGUP_COMPLETE": Interlocked.Increment(ref ended); break;
                    default: break;
                }
            });
            await watch.StartAsync();
            await watch.SubscribeAsync(["CHANNEL_CREATE", "BACKGROUND_JOB", "CHANNEL_HANGUP_COMPLETE"]);

            var flows = Path.Combine(AppContext.BaseDirectory, "flows");
            await using var engine = EngineChild.Start([
                "--Engine:Name=bench-dialer", "--Engine:ListenAddress=127.0.0.1", $"--Engine:ListenPort={RealFreeSwitchEnvironment.FreePort().ToString(ic)}",
                "--Web:Enabled=false", $"--Store:Path={storePath}", "--Store:SeedDemoData=false", $"--Flows:Path={flows}",
                "--Engine:Inbound:Enabled=true", $"--Engine:Inbound:Port={server.EndPoint.Port.ToString(ic)}", $"--Engine:Inbound:Password={Password}",
                "--Dialer:Enabled=true", "--Dialer:ScanSeconds=1", "--Logging:LogLevel:Default=Warning"]);

            // Until every contact was dialed, answered or not, and every leg ended.
            var started = Stopwatch.GetTimestamp();
            var limit = TimeSpan.FromSeconds((count / cps * 3) + 60);
            while (Volatile.Read(ref replies) < count || Volatile.Read(ref ended) < created.Count)
            {
                if (engine.HasExited) throw new InvalidOperationException("the engine exited:\n" + engine.Tail());
                if (Stopwatch.GetElapsedTime(started) > limit)
                {
                    Console.Error.WriteLine($"gave up after {limit.TotalSeconds:F0} s: {replies:N0} replies, {created.Count:N0} legs, {ended:N0} ended");
                    return 1;
                }

                await Task.Delay(100);
            }

            var cpu = engine.Cpu();
            await engine.DisposeAsync();

            var times = created.ToArray();
            var span = Stopwatch.GetElapsedTime(times[0], times[^1]);
            var perSecond = new int[(int)span.TotalSeconds];
            foreach (var t in times)
            {
                var second = (int)Stopwatch.GetElapsedTime(times[0], t).TotalSeconds;
                if (second < perSecond.Length) perSecond[second]++;
            }

            var sorted = perSecond.Select(n => (double)n).Order().ToArray();
            var dialed = simulator.DialedNumbers;
            var twice = dialed.Count(kv => kv.Value > 1);
            var never = count - dialed.Count;
            Dictionary<ContactStatus, int> statuses;
            using (var store = new LiteDbClientStore(storePath))
            {
                statuses = (await store.ContactsAsync("bench", 0, count)).GroupBy(c => c.Status).ToDictionary(g => g.Key, g => g.Count());
            }

            Console.WriteLine($"dialed: {times.Length:N0} legs in {span.TotalSeconds:F1} s, first to last: {(times.Length - 1) / span.TotalSeconds:F2} calls/s against {cps.ToString("0.##", ic)} ({100 * ((times.Length - 1) / span.TotalSeconds) / cps:F1}%)");
            Console.WriteLine($"per whole second ({perSecond.Length} seconds): median {Stats.Median(sorted):F0}, min {sorted[0]:F0}, p5 {Stats.Percentile(sorted, 5):F0}, p95 {Stats.Percentile(sorted, 95):F0}, max {sorted[^1]:F0}");
            Console.WriteLine($"seconds: {string.Join(' ', perSecond)}");
            Console.WriteLine($"engine CPU: {cpu.TotalSeconds:F1} s in all, {cpu.TotalMilliseconds / count:F2} ms per attempt (the process from its start; {count * 6 / 10:N0} answered calls ran the survey flow)");
            Console.WriteLine($"contacts: dialed twice {twice}, never dialed {never}; in the store: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key.ToString().ToLowerInvariant()} {s.Value:N0}"))}");
            var pass = twice == 0 && never == 0 && statuses.GetValueOrDefault(ContactStatus.Dialing) == 0;
            Console.WriteLine($"goal: 0 contacts dialed twice or left behind: {Stats.PassFail(pass)}");
            return pass ? 0 : 1;
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
