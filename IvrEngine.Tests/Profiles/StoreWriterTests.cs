using System.Globalization;
using IvrEngine.Profiles;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.Profiles;

/// <summary>The store's one writer: concurrent call records share a transaction and one sync to disk (group commit),
/// each caller still learns whether its own record is stored. The tests hold the store's engine lock to make the
/// writer wait while writes queue behind it, so what is grouped is known; nothing sleeps.</summary>
public sealed class StoreWriterTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly StoreTempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static InteractionRecord Call(Guid client, int i) => new()
    {
        ClientId = client,
        CallUuid = "call-" + i.ToString(CultureInfo.InvariantCulture),
        At = DateTimeOffset.UnixEpoch.AddMinutes(i),
        CallerNumber = "+1212555" + i.ToString("D4", CultureInfo.InvariantCulture),
        Outcome = "self-service",
    };

    [Fact]
    public async Task Concurrent_call_records_are_committed_together_and_all_survive_reopening()
    {
        var client = Guid.NewGuid();
        Task[] writes;
        using (var store = _temp.Open())
        {
            var before = store.WriterCommits;
            using (store.HoldEngine())
            {
                writes = [.. Enumerable.Range(0, 500).Select(i => store.AddInteractionAsync(Call(client, i)))];
                writes.Should().OnlyContain(w => !w.IsCompleted, "nothing is acknowledged before it is committed");
            }

            await Task.WhenAll(writes).WaitAsync(Patience);

            // The writer took the first write(s) before the lock let it go; everything queued behind went in one commit.
            (store.WriterCommits - before).Should().BeInRange(1, 2);
        }

        using var reopened = _temp.Open();
        (await reopened.GetInteractionsAsync(client, max: 1000)).Should().HaveCount(500);
        (await reopened.LastInteractionFromAsync("+12125550499"))!.CallUuid.Should().Be("call-499");
    }

    [Fact]
    public async Task A_record_that_finds_the_writer_idle_waits_the_group_window_and_commits_with_those_that_come_within_it()
    {
        var time = new TimerWatchingTimeProvider();
        var window = TimeSpan.FromMilliseconds(StoreOptions.DefaultGroupCommitMilliseconds);
        var client = Guid.NewGuid();
        using var store = new LiteDbClientStore(_temp.DbPath, groupCommit: window, groupCommitClock: time);
        var before = store.WriterCommits;

        var first = store.AddInteractionAsync(Call(client, 1));
        await time.WaitForTimerAsync(window); // the writer has taken it, found nothing else queued, and waits
        Task[] within = [store.AddInteractionAsync(Call(client, 2)), store.AddInteractionAsync(Call(client, 3))];

        first.IsCompleted.Should().BeFalse("the window has not passed");
        within.Should().OnlyContain(w => !w.IsCompleted);
        store.WriterCommits.Should().Be(before);
        time.Advance(window);
        await Task.WhenAll([first, .. within]).WaitAsync(Patience);
        (store.WriterCommits - before).Should().Be(1, "the records that came within the window share the first one's commit");
        (await store.GetInteractionsAsync(client, max: 10)).Should().HaveCount(3);
    }

    [Fact]
    public async Task A_store_stamping_times_from_a_fake_clock_still_commits_after_the_window()
    {
        // The engine under test often runs on a test's fake clock; the window is timed by the system's, else every
        // record would wait for that clock to move (and closing the host would wait for them).
        var stamps = new TimerWatchingTimeProvider();
        var client = Guid.NewGuid();
        using var store = new LiteDbClientStore(_temp.DbPath, stamps, groupCommit: TimeSpan.FromMilliseconds(StoreOptions.DefaultGroupCommitMilliseconds));

        await store.AddInteractionAsync(Call(client, 1)).WaitAsync(Patience);

        (await store.GetInteractionsAsync(client)).Should().ContainSingle();
    }

    [Fact]
    public async Task Records_that_find_others_queued_commit_at_once_without_waiting_for_the_window()
    {
        // The clock never moves: a writer that waited for the window would never commit them.
        var time = new TimerWatchingTimeProvider();
        var client = Guid.NewGuid();
        using var store = new LiteDbClientStore(_temp.DbPath, groupCommit: TimeSpan.FromMilliseconds(StoreOptions.DefaultGroupCommitMilliseconds), groupCommitClock: time);
        var before = store.WriterCommits;
        Task blocker;
        Task[] records;
        using (store.HoldEngine())
        {
            // A client insert runs alone and never waits; the writer takes it first and stops at the held lock, so the
            // records are all queued when it comes to them.
            blocker = store.InsertAsync(StoreCards.New());
            records = [.. Enumerable.Range(0, 3).Select(i => store.AddInteractionAsync(Call(client, i)))];
        }

        await Task.WhenAll([blocker, .. records]).WaitAsync(Patience);
        (store.WriterCommits - before).Should().Be(2, "the client, then the three records in one commit");
    }

    [Fact]
    public async Task A_write_that_fails_in_a_group_fails_alone_and_the_others_are_stored()
    {
        var client = Guid.NewGuid();
        var first = Call(client, 1);
        var duplicate = Call(client, 2);
        duplicate.Id = first.Id = Guid.CreateVersion7();
        Task[] writes;
        using (var store = _temp.Open())
        {
            var blocker = store.AddTicketAsync(new Ticket { ClientId = client, Subject = "first in" });
            using (store.HoldEngine())
            {
                writes = [store.AddInteractionAsync(first), store.AddInteractionAsync(duplicate), store.AddInteractionAsync(Call(client, 3))];
            }

            await blocker.WaitAsync(Patience);
            var outcomes = await Task.WhenAll(writes.Select(async w =>
            {
                try
                {
                    await w.WaitAsync(Patience);
                    return null;
                }
                catch (LiteDB.LiteException ex)
                {
                    return ex;
                }
            }));

            outcomes[0].Should().BeNull("the first record with that id is stored");
            outcomes[1].Should().NotBeNull("the second one has the same id").And.Match<LiteDB.LiteException>(e => e.ErrorCode == LiteDB.LiteException.INDEX_DUPLICATE_KEY);
            outcomes[2].Should().BeNull("a write grouped with a failing one is not lost");
        }

        using var reopened = _temp.Open();
        (await reopened.GetInteractionsAsync(client)).Select(c => c.CallUuid).Should().BeEquivalentTo(["call-1", "call-3"]);
        (await reopened.GetTicketsAsync(client)).Should().ContainSingle();
    }

    [Fact]
    public async Task A_write_canceled_while_it_waits_is_not_stored()
    {
        var client = Guid.NewGuid();
        using var store = _temp.Open();
        using var cancel = new CancellationTokenSource();
        Task canceled;
        Task kept;
        Task blocker;
        using (store.HoldEngine())
        {
            // A client insert runs alone: the writer takes it and waits for the lock, the next writes stay queued.
            blocker = store.InsertAsync(StoreCards.New());
            canceled = store.AddInteractionAsync(Call(client, 1), cancel.Token);
            kept = store.AddInteractionAsync(Call(client, 2));
            await cancel.CancelAsync();
        }

        await canceled.Awaiting(t => t.WaitAsync(Patience)).Should().ThrowAsync<OperationCanceledException>();
        await Task.WhenAll(blocker, kept).WaitAsync(Patience);
        (await store.GetInteractionsAsync(client)).Select(c => c.CallUuid).Should().BeEquivalentTo(["call-2"]);
    }

    [Fact]
    public async Task Closing_the_store_finishes_the_writes_already_queued_and_refuses_later_ones()
    {
        var client = Guid.NewGuid();
        Task[] writes;
        var store = _temp.Open();
        using (store.HoldEngine())
        {
            writes = [.. Enumerable.Range(0, 50).Select(i => store.AddInteractionAsync(Call(client, i)))];
        }

        store.Dispose();
        await Task.WhenAll(writes).WaitAsync(Patience);
        var late = () => store.AddInteractionAsync(Call(client, 99));
        await late.Should().ThrowAsync<ObjectDisposedException>();

        using var reopened = _temp.Open();
        (await reopened.GetInteractionsAsync(client, max: 100)).Should().HaveCount(50);
    }

    [Fact]
    public async Task Client_writes_run_alone_and_keep_their_checks()
    {
        using var store = _temp.Open();
        var owner = await store.InsertAsync(StoreCards.New());
        var clash = StoreCards.New();
        clash.Phones.Add(owner.Phones[0]);
        Task<ClientCard> refused;
        Task<ClientCard> accepted;
        Task call;
        using (store.HoldEngine())
        {
            call = store.AddInteractionAsync(Call(owner.Id, 1));
            refused = store.InsertAsync(clash);
            accepted = store.InsertAsync(StoreCards.New());
        }

        await refused.Awaiting(t => t.WaitAsync(Patience)).Should().ThrowAsync<DuplicateClientException>();
        (await accepted.WaitAsync(Patience)).Version.Should().Be(1);
        await call.WaitAsync(Patience);
        (await store.CountAsync()).Should().Be(2);
    }
}
