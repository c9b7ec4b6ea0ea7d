using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.Cluster;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Tests.Profiles;
using IvrEngine.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace IvrEngine.Tests.Postgres;

/// <summary>What keeps a burst of calls quick on PostgreSQL: call records committed in groups, the pool sized and opened
/// at start, campaigns read from memory while the engines' notices are heard.</summary>
public sealed class PostgresBurstTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private string _database = null!;

    public async Task InitializeAsync()
    {
        if (PostgresServer.Missing is not null) return;
        var storage = new PostgresStorage();
        await storage.InitializeAsync();
        _database = storage.ConnectionString;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private PostgresClientStore Open(string engine, TimeSpan groupCommit = default, TimeProvider? clock = null) =>
        new(PostgresClientStore.CreateDataSource(_database, engine), engine, ownsDataSource: true, groupCommit: groupCommit, groupCommitClock: clock);

    [PostgresFact]
    public async Task Records_written_at_once_are_all_stored_in_fewer_commits_than_records()
    {
        using var store = Open("burst-a");
        var client = await store.InsertAsync(StoreCards.New());
        var now = DateTimeOffset.UtcNow;
        var writes = Enumerable.Range(0, 300).Select(i => store.AddInteractionAsync(StoreCards.Call(client, "call-" + i, now.AddSeconds(i)))).ToArray();
        await Task.WhenAll(writes).WaitAsync(Patience);

        (await store.GetInteractionsAsync(client.Id, max: 1000)).Select(r => r.CallUuid)
            .Should().BeEquivalentTo(Enumerable.Range(0, 300).Select(i => "call-" + i), "every acknowledged record is in the database");
        store.RecordCommits.Should().BeLessThan(300, "records queued together share a commit");
    }

    [PostgresFact]
    public async Task A_record_that_finds_the_writer_idle_waits_the_window_on_its_clock_and_commits_with_those_that_come_within_it()
    {
        var time = new TimerWatchingTimeProvider();
        var window = TimeSpan.FromMilliseconds(StoreOptions.DefaultGroupCommitMilliseconds);
        using var store = Open("burst-b", window, time);
        var client = await store.InsertAsync(StoreCards.New());
        var now = DateTimeOffset.UtcNow;

        var first = store.AddInteractionAsync(StoreCards.Call(client, "w-1", now));
        await time.WaitForTimerAsync(window);
        Task[] within = [store.AddInteractionAsync(StoreCards.Call(client, "w-2", now)), store.AddInteractionAsync(StoreCards.Call(client, "w-3", now))];
        first.IsCompleted.Should().BeFalse("the window has not passed");
        store.RecordCommits.Should().Be(0);

        time.Advance(window);
        await Task.WhenAll([first, .. within]).WaitAsync(Patience);
        store.RecordCommits.Should().Be(1, "the records that came within the window share the first one's commit");
        (await store.GetInteractionsAsync(client.Id, max: 10)).Should().HaveCount(3);
    }

    [PostgresFact]
    public async Task A_bad_record_in_a_group_fails_its_own_write_and_the_others_are_stored()
    {
        var time = new TimerWatchingTimeProvider();
        var window = TimeSpan.FromMilliseconds(50);
        using var store = Open("burst-c", window, time);
        var client = await store.InsertAsync(StoreCards.New());
        var now = DateTimeOffset.UtcNow;
        var taken = StoreCards.Call(client, "taken", now);
        var alone = store.AddInteractionAsync(taken);
        await time.WaitForTimerAsync(window);
        time.Advance(window);
        await alone.WaitAsync(Patience);

        var first = store.AddInteractionAsync(StoreCards.Call(client, "g-1", now));
        await time.WaitForTimerAsync(window);
        var again = StoreCards.Call(client, "dup", now);
        again.Id = taken.Id;
        var duplicate = store.AddInteractionAsync(again);
        var last = store.AddInteractionAsync(StoreCards.Call(client, "g-2", now));
        time.Advance(window);

        await Task.WhenAll(first, last).WaitAsync(Patience);
        var refused = await duplicate.Invoking(d => d.WaitAsync(Patience)).Should().ThrowAsync<PostgresException>();
        refused.Which.SqlState.Should().Be(PostgresErrorCodes.UniqueViolation, "the record's id is taken: its caller hears it, nothing is dropped silently");
        (await store.GetInteractionsAsync(client.Id, max: 10)).Select(r => r.CallUuid).Should().BeEquivalentTo(["taken", "g-1", "g-2"]);
    }

    [Fact]
    public async Task Records_that_cannot_reach_the_database_each_fail_their_write()
    {
        // A port nothing listens on: every connection is refused at once.
        var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var store = new PostgresClientStore(
            PostgresClientStore.CreateDataSource($"Host=127.0.0.1;Port={port};Username=nobody;Database=none;Timeout=5", "unreachable"), "unreachable",
            ownsDataSource: true);
        var client = StoreCards.New();
        var now = DateTimeOffset.UtcNow;

        var writes = Enumerable.Range(0, 5).Select(i => store.AddInteractionAsync(StoreCards.Call(client, "lost-" + i, now))).ToArray();
        foreach (var write in writes)
        {
            await write.Invoking(w => w.WaitAsync(Patience)).Should().ThrowAsync<NpgsqlException>("a record that is not committed is never acknowledged");
        }

        store.RecordCommits.Should().Be(0);
    }

    [Fact]
    public void The_pool_is_sized_for_the_engine_unless_the_connection_string_sizes_it()
    {
        const string Plain = "Host=db1;Database=ivrengine;Username=ivrengine";
        using (var data = PostgresClientStore.CreateDataSource(Plain, "engine"))
        {
            var pool = new NpgsqlConnectionStringBuilder(data.ConnectionString);
            pool.MaxPoolSize.Should().Be(PostgresClientStore.DefaultMaxPoolSize);
            pool.MinPoolSize.Should().Be(PostgresClientStore.DefaultMaxPoolSize, "every connection is opened at start and kept");
        }

        using (var data = PostgresClientStore.CreateDataSource(Plain + ";Maximum Pool Size=4", "engine"))
        {
            var pool = new NpgsqlConnectionStringBuilder(data.ConnectionString);
            (pool.MaxPoolSize, pool.MinPoolSize).Should().Be((4, 4));
        }

        using (var data = PostgresClientStore.CreateDataSource(Plain + ";MinPoolSize=0;MaxPoolSize=100", "engine"))
        {
            var pool = new NpgsqlConnectionStringBuilder(data.ConnectionString);
            (pool.MaxPoolSize, pool.MinPoolSize).Should().Be((100, 0), "what the string says is kept");
        }

        PostgresClientStore.DefaultMaxPoolSize.Should().BeInRange(10, 50);
    }

    [PostgresFact]
    public async Task Warming_opens_the_minimum_pool_size_connections_and_keeps_them()
    {
        const string Name = "warm-engine";
        using var store = new PostgresClientStore(
            PostgresClientStore.CreateDataSource(_database + ";Minimum Pool Size=6;Maximum Pool Size=8", Name), Name, ownsDataSource: true);

        (await store.WarmAsync()).Should().Be(6);
        await using var count = store.DataSource.CreateCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()");
        count.Parameters.Add(new NpgsqlParameter { Value = Name });
        ((long)(await count.ExecuteScalarAsync())!).Should().BeGreaterThanOrEqualTo(5, "the warmed connections stay open in the pool (the one asking is one of them)");
    }

    [PostgresFact]
    public async Task Campaigns_are_read_from_memory_while_notices_are_heard_and_another_engines_change_empties_it()
    {
        using var a = Open("campaign-a");
        using var b = Open("campaign-b");
        await b.UpsertCampaignAsync(new Campaign { Dnis = "7000", Name = "first", Direction = "inbound" });
        var listener = new PostgresChangeListener(a.DataSource, "campaign-a", TimeProvider.System, NullLogger<PostgresChangeListener>.Instance);
        // The store subscribes first, so it has handled a notice by the time the test hears it.
        using var following = a.FollowChanges(listener, () => listener.ProcessId != 0);
        var heard = listener.FirstAsync(c => c.Kind == StoreChangeKinds.Resync).ToTask();
        await listener.StartAsync(CancellationToken.None);
        try
        {
            await heard.WaitAsync(Patience);
            (await a.FindCampaignAsync("7000"))!.Name.Should().Be("first");

            // Changed behind the store's back (no notice): the store answers from memory.
            await using (var quiet = a.DataSource.CreateCommand("UPDATE campaigns SET name = 'unseen' WHERE dnis = '7000'"))
            {
                await quiet.ExecuteNonQueryAsync();
            }

            (await a.FindCampaignAsync("7000"))!.Name.Should().Be("first", "the campaign is cached while notices are heard");

            // Another engine's write sends a notice: once heard, the store reads the campaign again.
            var notice = listener.FirstAsync(c => c.Kind == StoreChangeKinds.Campaign && c.Engine == "campaign-b").ToTask();
            await b.UpsertCampaignAsync(new Campaign { Dnis = "7000", Name = "second", Direction = "inbound" });
            await notice.WaitAsync(Patience);
            (await a.FindCampaignAsync("7000"))!.Name.Should().Be("second");

            // Its own write it reads at once.
            await a.UpsertCampaignAsync(new Campaign { Dnis = "7000", Name = "third", Direction = "inbound" });
            (await a.FindCampaignAsync("7000"))!.Name.Should().Be("third");
        }
        finally
        {
            await listener.StopAsync(CancellationToken.None);
            listener.Dispose();
        }
    }

    [PostgresFact]
    public async Task Campaigns_are_read_from_the_database_while_the_notices_are_not_heard()
    {
        using var a = Open("deaf-a");
        await a.UpsertCampaignAsync(new Campaign { Dnis = "7001", Name = "first", Direction = "inbound" });
        var changes = new System.Reactive.Subjects.Subject<StoreChange>();
        var hearing = true;
        using var following = a.FollowChanges(changes, () => hearing);
        (await a.FindCampaignAsync("7001"))!.Name.Should().Be("first");
        await using (var quiet = a.DataSource.CreateCommand("UPDATE campaigns SET name = 'second' WHERE dnis = '7001'"))
        {
            await quiet.ExecuteNonQueryAsync();
        }

        hearing = false;
        (await a.FindCampaignAsync("7001"))!.Name.Should().Be("second", "a store that may miss notices keeps nothing");
    }
}
