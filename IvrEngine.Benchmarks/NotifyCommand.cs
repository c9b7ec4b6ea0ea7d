using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using IvrEngine.Cluster;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Tests.Support;
using IvrEngine.Web;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace IvrEngine.Benchmarks;

/// <summary><c>notify</c>: how long a call's context takes from one engine to another through PostgreSQL. Two engines'
/// shares of the live state in this process, each with its own connections (Hosting/ClusterServices.cs wires the same
/// parts): engine B opens N contexts at R a second (its registry, its writer); engine A's listener hears each notice,
/// its mirror reads the row and opens the context in A's registry. Prints p50/p90/p99/max of B's open -> the context
/// found on A, and the same with an agent's edit on A -> seen on B.</summary>
internal static class NotifyCommand
{
    private static readonly string[] Options = ["--writes", "--rate", "--connection"];

    public static int Run(ReadOnlySpan<string> args)
    {
        var line = CommandLine.Parse(args, Options, positionals: 0);
        var writes = line.GetInt("--writes", 2000, 1, 1_000_000);
        var rate = line.GetInt("--rate", 200, 1, 100_000);
        var connection = line.Get("--connection");
        return RunAsync(writes, rate, connection).GetAwaiter().GetResult();
    }

    private static async Task<int> RunAsync(int writes, int rate, string? connection)
    {
        PostgresServer? server = null;
        if (connection is null)
        {
            server = await PostgresServer.StartAsync(durable: true);
            connection = server.ConnectionStringOf("postgres");
            Console.WriteLine($"PostgreSQL: a server of this run on 127.0.0.1:{server.Port} (fsync on)");
        }

        try
        {
            await using (var migrate = NpgsqlDataSource.Create(connection))
            {
                await PostgresMigrations.MigrateAsync(migrate, "notify-benchmark");
            }

            await using var a = await Engine.StartAsync(connection, "bench-a");
            await using var b = await Engine.StartAsync(connection, "bench-b");
            Console.WriteLine($"{writes:N0} contexts opened on engine B at {rate}/s; {Environment.ProcessorCount} cores");

            var opened = await MeasureAsync(writes, rate, b, a, "open-", (uuid) => b.Contexts.Open(uuid, "+15551230000", "5000", () => null));
            Print("B opens a context -> found on A", opened);

            // Every context B opened is on A now: an agent on A edits each; B hears it.
            var edited = await MeasureAsync(writes, rate, a, b, "open-", uuid =>
                a.Contexts.Attach(a.Contexts.Find(uuid)!, [new(Calls.ContextVariables.ClientName, "Edited " + uuid)]));
            Print("agent's edit on A -> on B", edited);
            return 0;
        }
        finally
        {
            if (server is not null) await server.DisposeAsync();
        }
    }

    private static async Task<List<double>> MeasureAsync(int writes, int rate, Engine from, Engine to, string prefix, Action<string> write)
    {
        var started = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var latencies = new ConcurrentBag<double>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = to.Mirror.Applied.Subscribe(change =>
        {
            if (change.Kind != StoreChangeKinds.Context || change.Engine != from.Name || !started.TryRemove(change.Id, out var at)) return;
            latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
            if (latencies.Count == writes) all.TrySetResult();
        });

        var clock = Stopwatch.StartNew();
        for (var i = 0; i < writes; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            if (clock.Elapsed < due) await Task.Delay(due - clock.Elapsed);
            var uuid = prefix + i.ToString("D7", CultureInfo.InvariantCulture);
            started[uuid] = Stopwatch.GetTimestamp();
            write(uuid);
        }

        await all.Task.WaitAsync(TimeSpan.FromSeconds(60));
        return [.. latencies.Order()];
    }

    private static void Print(string what, List<double> sorted)
    {
        double At(double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: n={sorted.Count} p50={At(0.50):0.0} ms p90={At(0.90):0.0} ms p99={At(0.99):0.0} ms max={sorted[^1]:0.0} ms"));
    }

    /// <summary>One engine's share of the live state.</summary>
    private sealed class Engine : IAsyncDisposable
    {
        private Engine(string name, NpgsqlDataSource data)
        {
            Name = name;
            Data = data;
            Writer = new PostgresContextWriter(data, name, TimeProvider.System, NullLogger<PostgresContextWriter>.Instance);
            Contexts = new CallContextRegistry(TimeProvider.System, new CallContextLimits { MaxContexts = 1_000_000 }, _ => true, shared: Writer);
            Listener = new PostgresChangeListener(data, name, TimeProvider.System, NullLogger<PostgresChangeListener>.Instance);
            Mirror = new SharedContextMirror(data, Listener, Contexts, null, name, TimeProvider.System, NullLogger<SharedContextMirror>.Instance);
        }

        public string Name { get; }

        public NpgsqlDataSource Data { get; }

        public CallContextRegistry Contexts { get; }

        public PostgresContextWriter Writer { get; }

        public PostgresChangeListener Listener { get; }

        public SharedContextMirror Mirror { get; }

        public static async Task<Engine> StartAsync(string connection, string name)
        {
            var engine = new Engine(name, NpgsqlDataSource.Create(connection));
            var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var first = engine.Mirror.Applied.Subscribe(c => { if (c.Kind == StoreChangeKinds.Resync) listening.TrySetResult(); });
            await engine.Mirror.StartAsync(CancellationToken.None);
            await engine.Writer.StartAsync(CancellationToken.None);
            await engine.Listener.StartAsync(CancellationToken.None);
            await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return engine;
        }

        public async ValueTask DisposeAsync()
        {
            await Listener.StopAsync(CancellationToken.None);
            await Writer.StopAsync(CancellationToken.None);
            await Mirror.StopAsync(CancellationToken.None);
            Listener.Dispose();
            Writer.Dispose();
            Mirror.Dispose();
            await Data.DisposeAsync();
        }
    }
}
