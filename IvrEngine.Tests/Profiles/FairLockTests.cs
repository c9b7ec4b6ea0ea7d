using IvrEngine.Profiles;

namespace IvrEngine.Tests.Profiles;

public sealed class FairLockTests
{
    [Fact]
    public async Task Awaiting_and_blocked_waiters_are_served_in_arrival_order()
    {
        var fairLock = new FairLock();
        var order = new List<string>();
        var holder = fairLock.Hold();

        var first = Take("first");
        var blocked = Task.Factory.StartNew(() =>
        {
            using (fairLock.Hold()) order.Add("blocked");
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        SpinWait.SpinUntil(() => fairLock.Waiting == 2, TimeSpan.FromSeconds(30)).Should().BeTrue("the blocked waiter queues");
        var third = Take("third");

        first.IsCompleted.Should().BeFalse();
        holder.Dispose();
        await Task.WhenAll(first, blocked, third).WaitAsync(TimeSpan.FromSeconds(30));
        order.Should().Equal("first", "blocked", "third");

        async Task Take(string name)
        {
            using (await fairLock.HoldAsync()) order.Add(name);
        }
    }

    [Fact]
    public void Exiting_a_lock_not_held_is_an_error()
    {
        var act = () => new FairLock().Exit();
        act.Should().Throw<SynchronizationLockException>();
    }

    [Fact]
    public async Task An_uncontended_wait_completes_at_once()
    {
        var fairLock = new FairLock();
        var wait = fairLock.HoldAsync();
        wait.IsCompletedSuccessfully.Should().BeTrue();
        (await wait).Dispose();
        var again = fairLock.HoldAsync();
        again.IsCompletedSuccessfully.Should().BeTrue("the lock was released");
        (await again).Dispose();
    }
}
