using System.Collections.Concurrent;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Tests.Profiles;
using IvrEngine.Tests.Support;
using Npgsql;

namespace IvrEngine.Tests.Postgres;

/// <summary>What only a shared store's dialer has: two engines claiming from one campaign at once, and the dialer's
/// schema migration.</summary>
public sealed class DialerClaimTests : TwoEngineStores
{
    private const int Contacts = 600;
    private const int Rounds = 4;
    private const int TasksPerEngine = 4;
    private static readonly string[] Utc = ["UTC"];

    [PostgresFact]
    public async Task Two_engines_claiming_one_campaign_from_several_tasks_each_claim_every_contact_once_per_round()
    {
        var start = new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);
        await A.SaveCampaignAsync(new OutboundCampaign { Id = "race", Name = "Race", State = OutboundCampaignState.Running });
        (await B.AddContactsAsync("race", [.. Enumerable.Range(0, Contacts).Select(i => new CampaignContact { Phone = "+1555" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture) })]))
            .Should().Be(Contacts);

        for (var round = 0; round < Rounds; round++)
        {
            // Each round: every contact is due at once; each task claims a few, and at once records each as not
            // answered with a retry due next round, while the others go on claiming.
            var now = start.AddHours(round);
            var next = now.AddHours(1);
            var claims = new ConcurrentBag<(Guid Contact, string CallUuid, string Engine)>();
            using var go = new ManualResetEventSlim();
            var workers = new[] { (A, "engine-a"), (B, "engine-b") }
                .SelectMany(engine => Enumerable.Range(0, TasksPerEngine).Select(_ => Task.Run(async () =>
                {
                    go.Wait();
                    while (await engine.Item1.ClaimDueAsync("race", engine.Item2, now, 5, Utc) is { Count: > 0 } claimed)
                    {
                        foreach (var contact in claimed)
                        {
                            claims.Add((contact.Id, contact.CallUuid!, engine.Item2));
                            (await engine.Item1.RecordAttemptAsync(contact.Id, contact.CallUuid!, AttemptOutcomes.NoAnswer, "NO_ANSWER", ContactStatus.Pending, next))
                                .Should().BeTrue();
                        }
                    }
                })))
                .ToList();
            go.Set();
            await Task.WhenAll(workers);

            claims.Select(c => c.Contact).Should().HaveCount(Contacts).And.OnlyHaveUniqueItems($"round {round}: each contact is claimed once");
            claims.Select(c => c.CallUuid).Should().OnlyHaveUniqueItems();
        }

        var stored = await A.ContactsAsync("race", 0, Contacts);
        stored.Should().OnlyContain(c => c.Attempts == Rounds && c.Status == ContactStatus.Pending);
        (await B.TotalsAsync("race")).Attempts.Should().Be(Contacts * Rounds);
    }

    [PostgresFact]
    public async Task Saving_a_campaign_tells_every_engine()
    {
        await using var listener = await NpgsqlDataSource.Create(Database).OpenConnectionAsync();
        var heard = new TaskCompletionSource<StoreChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        listener.Notification += (_, e) =>
        {
            if (StoreChange.Parse(e.Payload) is { Kind: StoreChangeKinds.OutboundCampaign } change) heard.TrySetResult(change);
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {StoreChange.Channel}", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        await A.SaveCampaignAsync(new OutboundCampaign { Id = "told", Name = "Told" });
        using var patience = new CancellationTokenSource(Patience);
        while (!heard.Task.IsCompleted) await listener.WaitAsync(patience.Token);
        (await heard.Task).Should().Be(new StoreChange(StoreChangeKinds.OutboundCampaign, "engine-a", "told"));
    }

    [PostgresFact]
    public async Task The_dialer_migration_applies_on_a_database_at_V004_and_keeps_its_data()
    {
        await using var data = NpgsqlDataSource.Create(await PostgresServer.CreateDatabaseAsync());
        var upToV004 = PostgresMigrations.Known.Where(m => m.Version <= 4).ToList();
        (await PostgresMigrations.MigrateAsync(data, "old-engine", upToV004)).Should().HaveCount(4);
        using var store = new PostgresClientStore(data, "new-engine");
        var client = await store.InsertAsync(StoreCards.New("Kept"));

        var applied = await PostgresMigrations.MigrateAsync(data, "new-engine");

        applied.Select(m => m.Version).Should().Equal(5);
        applied[0].Description.Should().Be("dialer");
        (await store.GetAsync(client.Id))!.Name.Should().Be("Kept");
        await store.SaveCampaignAsync(new OutboundCampaign { Id = "after", Name = "After" });
        (await store.AddContactsAsync("after", [new CampaignContact { Phone = "+15550001" }])).Should().Be(1);
        (await store.ClaimDueAsync("after", "new-engine", DateTimeOffset.UtcNow, 1, Utc)).Should().ContainSingle();
        (await PostgresMigrations.PendingAsync(data)).Should().BeEmpty();
    }
}
