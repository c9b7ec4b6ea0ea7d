using System.Threading.Channels;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Statistics;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Tests.Ivr;
using IvrEngine.Tests.Profiles;
using IvrEngine.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IvrEngine.Tests.Postgres;

/// <summary>What only a shared store has: two engines (two stores, two connection pools) on one PostgreSQL database,
/// the change notices they send, and the engine's start against PostgreSQL.</summary>
public sealed class SharedStoreTests : TwoEngineStores
{
    [PostgresFact]
    public async Task Two_engines_inserting_the_same_phone_at_once_store_it_once()
    {
        for (var round = 0; round < 20; round++)
        {
            var first = StoreCards.New("A " + round);
            var second = StoreCards.New("B " + round);
            second.Phones = [first.Phones[0]];
            using var go = new ManualResetEventSlim();
            var inserts = new[] { (A, first), (B, second) }.Select(pair => Task.Run(async () =>
            {
                go.Wait();
                try
                {
                    await pair.Item1.InsertAsync(pair.Item2);
                    return (Exception?)null;
                }
                catch (DuplicateClientException ex)
                {
                    return ex;
                }
            })).ToArray();
            go.Set();
            var outcomes = await Task.WhenAll(inserts).WaitAsync(Patience);

            outcomes.Count(o => o is null).Should().Be(1, "exactly one engine stores the phone (round {0})", round);
            var refused = outcomes.Single(o => o is not null)!;
            var winner = outcomes[0] is null ? first : second;
            refused.Message.Should().Contain("Phone " + first.Phones[0]).And.Contain("client " + winner.Id);
            (await B.FindByPhoneAsync(first.Phones[0]))!.Id.Should().Be(winner.Id);
        }

        (await A.CountAsync()).Should().Be(20, "a refused insert leaves no card behind");
    }

    [PostgresFact]
    public async Task An_update_through_one_engine_is_read_by_the_other_and_a_stale_edit_there_is_refused()
    {
        var card = await A.InsertAsync(StoreCards.New("Before"));
        var readByB = (await B.GetAsync(card.Id))!;

        card.Name = "After";
        card.Phones.Add("+995599000111");
        await A.UpdateAsync(card);

        var seen = (await B.FindByPhoneAsync("+995599000111"))!;
        seen.Name.Should().Be("After");
        seen.Version.Should().Be(2);

        readByB.Name = "Stale edit";
        var conflict = (await B.Invoking(s => s.UpdateAsync(readByB)).Should().ThrowAsync<ConcurrencyConflictException>()).Which;
        conflict.ExpectedVersion.Should().Be(1);
        conflict.ActualVersion.Should().Be(2);
        (await A.GetAsync(card.Id))!.Name.Should().Be("After");
    }

    [PostgresFact]
    public async Task A_client_edit_is_heard_by_a_listener_with_its_payload_and_a_refused_one_is_not()
    {
        await using var listener = await ListenAsync();
        var first = await A.InsertAsync(StoreCards.New());
        (await listener.NextAsync()).Should().Be(new StoreChange(StoreChangeKinds.Client, "engine-a", first.Id.ToString()));

        // Refused: the card row and its notice were written, then the phone's unique key rolled both back.
        var clash = StoreCards.New();
        clash.Phones.Add(first.Phones[0]);
        await B.Invoking(s => s.InsertAsync(clash)).Should().ThrowAsync<DuplicateClientException>();
        var takeOver = await B.GetAsync(first.Id);
        takeOver!.Phones.Add(StoreCards.New().Phones[0]);
        takeOver.AccountNumbers.Add(clash.AccountNumbers[0]);
        await B.UpdateAsync(takeOver);

        (await listener.NextAsync()).Should().Be(new StoreChange(StoreChangeKinds.Client, "engine-b", first.Id.ToString()),
            "the next notice is the edit that was committed: the refused insert sent none");
        listener.Pending.Should().Be(0);
    }

    [PostgresFact]
    public async Task Calls_tickets_users_and_campaigns_are_announced_too()
    {
        await using var listener = await ListenAsync();
        var client = await A.InsertAsync(StoreCards.New());
        await listener.NextAsync();

        await A.AddInteractionAsync(StoreCards.Call(client, "call-7", DateTimeOffset.UnixEpoch));
        (await listener.NextAsync()).Should().Be(new StoreChange(StoreChangeKinds.Interaction, "engine-a", "call-7"));
        await B.SetWrapUpAsync("call-7", new WrapUp("resolved", null, "1001@default", DateTimeOffset.UnixEpoch));
        (await listener.NextAsync()).Should().Be(new StoreChange(StoreChangeKinds.Interaction, "engine-b", "call-7"));
        await A.AddTicketAsync(new Ticket { ClientId = client.Id, Subject = "x" });
        (await listener.NextAsync()).Should().Be(new StoreChange(StoreChangeKinds.Ticket, "engine-a", client.Id.ToString()));
        await B.AddUserAsync(new UserAccount { UserName = "Anna", DisplayName = "Anna", PasswordHash = "h" });
        (await listener.NextAsync()).Should().Be(new StoreChange(StoreChangeKinds.User, "engine-b", "Anna"));
        await A.UpsertCampaignAsync(new Campaign { Dnis = "5000", Name = "Bank" });
        (await listener.NextAsync()).Should().Be(new StoreChange(StoreChangeKinds.Campaign, "engine-a", "5000"));
    }

    [PostgresFact]
    public async Task The_engine_started_on_a_fresh_database_migrates_it_and_seeds_the_demo_data()
    {
        var fresh = await PostgresServer.CreateDatabaseAsync();
        var logs = new LogCapture();
        await using (var engine = await StartEngineAsync(fresh, logs, "--Store:SeedDemoData=true"))
        {
            var store = engine.Host.Services.GetRequiredService<IClientStore>();
            store.Should().BeOfType<PostgresClientStore>();
            (await store.CountAsync()).Should().BeGreaterThan(0);
            (await engine.Host.Services.GetRequiredService<IDeskStore>().CountUsersAsync()).Should().Be(DemoUsers.All.Count);
        }

        logs.Messages(LogLevel.Information).Should().Contain(m => m.Contains("Schema migration V001 (store) applied", StringComparison.Ordinal))
            .And.Contain(m => m.Contains("Client store PostgreSQL database", StringComparison.Ordinal))
            .And.Contain(m => m.Contains("Demo data seeded", StringComparison.Ordinal));
        await using var data = NpgsqlDataSource.Create(fresh);
        (await PostgresMigrations.PendingAsync(data)).Should().BeEmpty();

        // A second engine on the same database finds it migrated and seeded: nothing twice.
        await using (var engine = await StartEngineAsync(fresh, new LogCapture(), "--Store:SeedDemoData=true"))
        {
            (await engine.Host.Services.GetRequiredService<IDeskStore>().CountUsersAsync()).Should().Be(DemoUsers.All.Count);
        }
    }

    [PostgresFact]
    public async Task The_store_health_check_asks_the_server_and_says_when_it_does_not_answer()
    {
        var healthy = await new StoreHealthCheck(A).CheckHealthAsync(new HealthCheckContext());
        healthy.Status.Should().Be(HealthStatus.Healthy, healthy.Description);

        var nowhere = new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = FreePort(), Username = "postgres", Database = "x" }.ConnectionString;
        using var gone = new PostgresClientStore(PostgresClientStore.CreateDataSource(nowhere, "health"), "health", ownsDataSource: true);
        var unhealthy = await new StoreHealthCheck(gone).CheckHealthAsync(new HealthCheckContext());
        unhealthy.Status.Should().Be(HealthStatus.Unhealthy);
        unhealthy.Description.Should().Contain("does not answer").And.Contain("Failed to connect");
    }

    [PostgresTheory]
    [InlineData("unreachable", "Failed to connect")]
    [InlineData("no-database", "does not exist")]
    [InlineData("not-migrated", "lacks the schema migration(s) V001 (store)")]
    public async Task A_database_the_engine_cannot_use_stops_the_start_with_exit_2_and_one_plain_line(string what, string expected)
    {
        var server = await PostgresServer.SharedAsync();
        var connection = what switch
        {
            "unreachable" => new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = FreePort(), Username = "postgres", Password = "secret-pw", Database = "x" }.ConnectionString,
            "no-database" => server.ConnectionStringOf("no_such_database") + ";Password=secret-pw",
            _ => await PostgresServer.CreateDatabaseAsync(),
        };
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await EngineCli.RunAsync(
            ["--Store:Provider=PostgreSQL", "--Store:ConnectionString=" + connection, "--Store:MigrateAtStart=" + (what != "not-migrated"),
             "--Engine:ListenPort=0", "--Web:Urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=None"],
            output, error).WaitAsync(EngineUnderTest.Patience);

        code.Should().Be(EngineCli.UsageError, error.ToString());
        var lines = error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Should().ContainSingle().Which.Should().StartWith("IvrEngine cannot start: the PostgreSQL store (database ").And.Contain(expected);
        error.ToString().Should().NotContain("secret-pw").And.NotContain("   at ");
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        socket.Start();
        return ((System.Net.IPEndPoint)socket.LocalEndpoint).Port;
    }

    private static Task<EngineUnderTest> StartEngineAsync(string connectionString, LogCapture logs, params string[] settings) =>
        EngineUnderTest.StartAsync(null, services =>
        {
            services.AddSingleton<ILoggerProvider>(logs);
            services.AddSingleton(new StartupConsole(TextWriter.Null));

            // The statistics are another part's PostgreSQL tables; until they are registered, a file keeps them here.
            var statistics = Path.Combine(Path.GetTempPath(), "ivrengine-stats-" + Guid.NewGuid().ToString("N") + ".db");
            services.AddSingleton<IStatisticsStore>(_ => new LiteDbClientStore(statistics));
        }, ["--Store:Provider=PostgreSQL", "--Store:ConnectionString=" + connectionString, "--Engine:Name=engine-under-test", "--Logging:LogLevel:Default=Information",
            .. settings]);

    private async Task<Listener> ListenAsync()
    {
        var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        var listener = new Listener(connection);
        await using var listen = new NpgsqlCommand($"LISTEN {StoreChange.Channel}", connection);
        await listen.ExecuteNonQueryAsync();
        return listener;
    }

    /// <summary>A LISTEN connection and the notices it heard, in order.</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly Channel<string> _heard = Channel.CreateUnbounded<string>();

        public Listener(NpgsqlConnection connection)
        {
            _connection = connection;
            _connection.Notification += (_, e) =>
            {
                if (e.Channel == StoreChange.Channel) _heard.Writer.TryWrite(e.Payload);
            };
        }

        public int Pending => _heard.Reader.Count;

        /// <summary>The next notice: waits on the connection until the server sends one.</summary>
        public async Task<StoreChange?> NextAsync()
        {
            using var limit = new CancellationTokenSource(Patience);
            string? payload;
            while (!_heard.Reader.TryRead(out payload))
            {
                await _connection.WaitAsync(limit.Token);
            }

            return StoreChange.Parse(payload);
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }
}
