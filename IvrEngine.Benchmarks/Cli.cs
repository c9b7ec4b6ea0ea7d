namespace IvrEngine.Benchmarks;

internal static class Cli
{
    private const string Usage = """
        usage: IvrEngine.Benchmarks <command> [options]

          parse <capture.txt> [--seconds N] [--rounds N]
              Parse the capture's FS->APP stream in memory with the engine's frame reader (single segment and
              4 KB segments); prints events/s, frames/s, MB/s and bytes allocated per event, per round and median.
          parse-naive <capture.txt> [--seconds N] [--rounds N]
              The same stream through a toy Dictionary<string,string> parser, next to the engine reader.
          load --calls N --concurrency C [--keys DIGITS] [--hold-seconds S]
              N simulated calls through the real engine over loopback TCP, at most C live at once. This process
              hosts the engine; the simulated FreeSWITCH runs in a child process (the hidden 'load-callers').
          burst [--calls N] [--seconds S] [--arrivals poisson|even] [--mix known=40,card=40,account=20]
                [--playback-ms MS] [--warmup N] [--seed N] [--store litedb|postgres|both] [--engines N] [--max-pool N]
              An advertising spike: N callers (default 500) arrive within S seconds (default 1; Poisson arrivals by
              default) and run the bank sample (5000) to a queue, against a temporary store seeded with the demo data.
              Prompts take MS ms (default 0). The simulated FreeSWITCH runs in a child process (the hidden
              'burst-callers'). Prints refused/failed calls, destinations, connect -> transfer percentiles, the
              engine's CPU and allocations per call, and whether every call has its interaction record.
              --store postgres: the engines on a PostgreSQL server of the benchmark's own; --engines N (PostgreSQL
              only): N engines on its one database, the callers sent to them in turn; --max-pool N: each engine's most
              connections; --store both: LiteDB's one engine, then PostgreSQL's, side by side.
          lookup [--clients N] [--lookups N] [--rounds N] [--batch N] [--missing-percent P] [--cache-clients N]
                 [--store litedb|postgres|both]
              N generated clients (default 1,000,000) imported from CSV through the import path, then lookups by
              phone and account (p50/p99, one and two threads) and call records; on LiteDB, PostgreSQL (binary COPY),
              or both side by side. See docs/benchmarks.md.
          dialer [--contacts N] [--cps R] [--concurrent C]
              A campaign of N contacts (default 10,000) dialed by the engine (a child process) through the FreeSWITCH
              simulator at R calls/s (default 50): the rate held per second, the engine's CPU per attempt, contacts
              dialed twice or never.
          record --esl IP:PORT --password PW [--listen IP:PORT] [--out FOLDER] [--only NAME,NAME]
              Records the event-socket transcripts of IvrEngine.Tests/Transcripts from a real FreeSWITCH running the
              repository's freeswitch-conf/ with IVR_ENGINE_HOST set to the --listen address (default 127.0.0.1:9184);
              --out defaults to IvrEngine.Tests/Transcripts. See that folder's README.md.
          burst --freeswitch [--calls N] [--seconds S] [--warmup N] [--fs-loglevel LEVEL] [--no-engine]
              The burst against a real FreeSWITCH (IVR_FREESWITCH_PREFIX, default /opt/freeswitch) with
              freeswitch-conf/ as shipped, on free ports, and the engine as a child process: N callers (default 500)
              placed by loopback originate, evenly within S seconds (default 10), into the bank (5000) from demo
              clients routed by their number (VIPs -> vip, overdue -> collections); each call is hung up once
              mod_callcenter queued it. After an unmeasured warm-up (default 50 calls) prints: calls placed; what
              FreeSWITCH refused (originate failures, "Throttle Error"/"Lost events"/"Max queue size"/"Over Session Limit" log lines,
              hangup causes); what the engine refused or failed (calls it did not keep, warn/fail lines in its log,
              callers that never reached a queue); connect -> queue latency p50/p90/p99/max from FreeSWITCH's events
              and where that time goes (dialplan, engine connect, engine flow, transfer -> queue); CPU per call of
              FreeSWITCH and of the engine (process CPU time / calls). --fs-loglevel sets FreeSWITCH's core log
              level for the run (shipped: debug). --no-engine: the reference, the same calls dialed straight to
              queue_general (no socket, no engine). Exit code 0 when nothing was refused or failed.
              See docs/benchmarks.md.
          screenpop [--agents N] [--calls N] [--rate R] [--warmup N] [--json]
              The agent desktop's screen pop: the engine as a child process (a temporary store with N agents, default
              200, one API token each, and the demo data; inbound connection to this process's simulated FreeSWITCH).
              Opens one desk stream per agent and reads the engine's memory per signed-in agent (RSS); then N calls
              (default 1000) at R per second (default 20) through the bank flow (5000) to a queue, each offered to
              agent i % N (callcenter::info agent-offering): prints p50/p90/p99/max of offer -> ringing on the agent's
              stream and of offer -> card answered, and whether p99 < 250 ms. --json: the report as JSON on stdout.
              See docs/benchmarks.md.
          flood [--sockets N] [--calls M] [--rounds R] [--mode silent|answer]
              Availability under a socket flood: the engine as a child process (default settings, the default flow);
              each round opens N loopback sockets (default 5000) that never answer connect (answer: answer it, then go
              silent), runs M real calls (default 200) one after another while they are open, and prints the calls
              served, the engine's /health, its RSS with the flood open and its CPU per call; R rounds (default 3)
              and their median. Exit code 0 when every call was served. See docs/benchmarks.md.
          contexts [--calls N] [--notes N] [--note-chars N] [--concurrency C] [--max-contexts N]
              Memory per live call with a large card: the engine in this process without an inbound connection (so
              every context stays for its time-to-live), one client with N notes (default 4020) of --note-chars
              characters (default 200), N calls (default 7500) from its number through the default flow to a queue,
              at most C live (default 16). After full collections prints the managed heap and RSS per kept context,
              the contexts kept and evicted (Web:MaxContexts, default 10000), CPU and allocations per call.
              See docs/benchmarks.md.
          notify [--writes N] [--rate R] [--connection CS]
              Cross-engine latency through PostgreSQL's LISTEN/NOTIFY: two engines' shares of the live state in this
              process (a PostgreSQL of the run's own, fsync on, unless --connection names one): engine B opens N call
              contexts (default 2000) at R a second (default 200); prints p50/p90/p99/max of B's open -> the context
              found on engine A, then of an agent's edit on A -> seen on B. See docs/architecture.md, "Several engines".
          report [--interactions 1000000] [--days 90] [--rounds 5] [--store litedb|postgres|both]
              N generated calls counted by the statistics' collector into a temporary store (or both, side by side):
              what keeping the statistics costs per call, and the time of the main reports over the period.
              See docs/benchmarks.md.
          dialer-store [--contacts N] [--batch B] [--zones Z] [--open O] [--workers W] [--store litedb|postgres|both]
              The dialer's store alone: N contacts (default 10,000) in Z time zones (default 5), then W tasks (default
              4; on PostgreSQL on two engines' stores) claim B at a time (default 10) from the O open zones (default 2)
              and record each as answered until none is due: time to add, claim latency and throughput, totals, and
              contacts claimed twice or never (exit code 1 unless both are 0). See docs/store.md, "Outgoing campaigns".
          micro [BenchmarkDotNet arguments]
              BenchmarkDotNet suite for the frame reader, EslEvent.GetHeader and the store's lookups (e.g. micro --filter '*').
        """;

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }

        try
        {
            var rest = args.AsSpan(1);
            return args[0] switch
            {
                "parse" => ParseCommand.Run(rest, naive: false),
                "parse-naive" => ParseCommand.Run(rest, naive: true),
                "load" => LoadCommand.Run(rest),
                "load-callers" => LoadCallers.Run(rest), // hidden: the child process of 'load'
                "lookup" => LookupCommand.Run(rest),
                "burst" => BurstCommand.Run(rest),
                "burst-callers" => BurstCallers.Run(rest), // hidden: the child process of 'burst'
                "screenpop" => ScreenPopCommand.Run(rest),
                "flood" => FloodCommand.Run(rest),
                "contexts" => ContextsCommand.Run(rest),
                "notify" => NotifyCommand.Run(rest),
                "report" => ReportCommand.Run(rest),
                "dialer-store" => DialerStoreCommand.Run(rest),
                "dialer" => DialerCommand.Run(rest),

                "record" => Record.RecordCommand.Run(rest),
                "micro" => Micro.MicroCommand.Run(rest.ToArray()),
                _ => throw new UsageException($"Unknown command '{args[0]}'."),
            };
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            Console.Error.WriteLine();
            Console.Error.WriteLine(Usage);
            return 2;
        }
    }
}
