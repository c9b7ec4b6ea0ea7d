using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.Cluster;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Statistics;
using IvrEngine.Web;
using IvrEngine.Web.Desk;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace IvrEngine.Tests.Cluster;

/// <summary>One engine's share of the live state, as the host wires it (Hosting/ClusterServices.cs) but without the
/// host: its contexts written through and mirrored, its desk, its box leases and its statistics collector, on a pool of
/// connections of its own to the test's database.</summary>
internal sealed class ClusterNode : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private ClusterNode(string name, NpgsqlDataSource data)
    {
        Name = name;
        Data = data;
        Writer = new PostgresContextWriter(data, name, TimeProvider.System, NullLogger<PostgresContextWriter>.Instance);
        Contexts = new CallContextRegistry(TimeProvider.System, new CallContextLimits(), _ => true, shared: Writer);
        Desk = new DeskService(TimeProvider.System);
        Listener = new PostgresChangeListener(data, name, TimeProvider.System, NullLogger<PostgresChangeListener>.Instance);
        Mirror = new SharedContextMirror(data, Listener, Contexts, Desk, name, TimeProvider.System, NullLogger<SharedContextMirror>.Instance);
        Leases = new BoxLeases(data, TimeProvider.System, NullLogger<BoxLeases>.Instance);
        Offers = new DeskOfferShare(data, Desk, Leases, Listener, name, TimeProvider.System, NullLogger<DeskOfferShare>.Instance);
        Statistics = new StatisticsCollector(TimeProvider.System, new StatisticsOptions { HangupGraceSeconds = 0 }, switchEvents: true)
        {
            ServedElsewhere = Mirror.ServedElsewhere,
        };
    }

    public string Name { get; }

    public NpgsqlDataSource Data { get; }

    public CallContextRegistry Contexts { get; }

    public DeskService Desk { get; }

    public PostgresContextWriter Writer { get; }

    public PostgresChangeListener Listener { get; }

    public SharedContextMirror Mirror { get; }

    public BoxLeases Leases { get; }

    public DeskOfferShare Offers { get; }

    public StatisticsCollector Statistics { get; }

    /// <summary>A database with the engine's schema.</summary>
    public static async Task<string> DatabaseAsync()
    {
        var connectionString = await Support.PostgresServer.CreateDatabaseAsync();
        await using var data = NpgsqlDataSource.Create(connectionString);
        await PostgresMigrations.MigrateAsync(data, "test");
        return connectionString;
    }

    /// <summary>Starts a node and waits until it hears the others (its first LISTEN took and the live rows were read).</summary>
    public static async Task<ClusterNode> StartAsync(string connectionString, string name)
    {
        var node = new ClusterNode(name, NpgsqlDataSource.Create(connectionString));
        var listening = node.NextApplied(c => c.Kind == StoreChangeKinds.Resync);
        var offersRead = node.Offers.Reloads.FirstAsync().Timeout(Patience).ToTask();
        await node.Mirror.StartAsync(CancellationToken.None);
        await node.Offers.StartAsync(CancellationToken.None);
        await node.Writer.StartAsync(CancellationToken.None);
        await node.Leases.StartAsync(CancellationToken.None);
        await node.Listener.StartAsync(CancellationToken.None);
        await listening;
        await offersRead;
        return node;
    }

    /// <summary>The next notice this node applied that matches (call it before the change it waits for).</summary>
    public Task<StoreChange> NextApplied(Func<StoreChange, bool> match) =>
        Mirror.Applied.Where(match).FirstAsync().Timeout(Patience).ToTask();

    /// <summary>An event as this engine's inbound connection to the box gives it to the desk.</summary>
    public void DeskHears(IvrEngine.EventSocket.EslEvent e)
    {
        Offers.Heard(e);
        if (e.EventName == "CUSTOM") Desk.Apply(IvrEngine.Hosting.StatisticsServices.CallcenterInfoOf(e));
        else Desk.ApplyChannel(e);
    }

    /// <summary>The next change of a lease of this node that matches.</summary>
    public Task<(string Box, bool Held)> NextLease(Func<(string Box, bool Held), bool> match) =>
        Leases.Changes.Where(match).FirstAsync().Timeout(Patience).ToTask();

    public async ValueTask DisposeAsync()
    {
        await Listener.StopAsync(CancellationToken.None);
        await Leases.StopAsync(CancellationToken.None);
        await Writer.StopAsync(CancellationToken.None);
        await Offers.StopAsync(CancellationToken.None);
        await Mirror.StopAsync(CancellationToken.None);
        Listener.Dispose();
        Leases.Dispose();
        Writer.Dispose();
        Mirror.Dispose();
        Offers.Dispose();
        Desk.Dispose();
        Statistics.Dispose();
        await Data.DisposeAsync();
    }
}
