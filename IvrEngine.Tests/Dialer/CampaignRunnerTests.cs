using System.Collections.Concurrent;
using System.Threading.Channels;
using IvrEngine.Dialer;
using IvrEngine.Profiles;
using Microsoft.Extensions.Logging.Abstractions;

namespace IvrEngine.Tests.Dialer;

/// <summary>The runner's pacing by a queue's agents ("one call per available agent"), against an originator that
/// reports the queue's available agents and holds every call ringing until the test answers it.</summary>
public sealed class CampaignRunnerTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("ivrengine-runner-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task Paced_by_a_queue_the_runner_has_no_more_calls_ringing_than_the_queue_has_agents_waiting()
    {
        using var store = new LiteDbClientStore(Path.Combine(_folder.FullName, "clients.db"));
        await store.SaveCampaignAsync(new OutboundCampaign
        {
            Id = "agents", Name = "Call-backs", CardDnis = "7000", CallerIdNumber = "5550100", DialString = "user/{number}", RingSeconds = 20,
            Hours = new CallingHours { From = TimeOnly.MinValue, To = TimeOnly.MaxValue, Days = [.. Enum.GetValues<DayOfWeek>()], DefaultTimeZone = "UTC" },
            Pacing = new DialPacing { CallsPerSecond = 50, MaxConcurrent = 10, AgentQueue = "collections@default" },
            State = OutboundCampaignState.Running, CreatedAt = DateTimeOffset.UtcNow,
        });
        await store.AddContactsAsync("agents", [.. Enumerable.Range(1, 6).Select(i => new CampaignContact
        {
            Id = Guid.CreateVersion7(), CampaignId = "agents", Phone = "200" + i, TimeZone = "UTC",
        })]);
        var originator = new QueueOriginator { Available = 2 };
        var runner = new CampaignRunner("agents", "runner-test", "127.0.0.1:8084", store, originator, TimeProvider.System, NullLogger.Instance);
        using var stop = new CancellationTokenSource();
        var running = runner.RunAsync(stop.Token);

        // Two agents waiting: two calls ring, and rounds later still two.
        var first = await originator.NextOriginateAsync();
        var second = await originator.NextOriginateAsync();
        await originator.NextRoundAsync();
        originator.Originated.Should().Be(2, "two agents are waiting and two calls ring");

        // One contact answers (its call leaves the ringing ones): one more call for the agent it leaves free.
        originator.Reply(first, "+OK " + first);
        await originator.NextOriginateAsync();
        await originator.NextRoundAsync();
        originator.Originated.Should().Be(3);

        // A third agent becomes available: one more.
        originator.Available = 3;
        await originator.NextOriginateAsync();
        await originator.NextRoundAsync();
        originator.Originated.Should().Be(4, "three agents waiting: three calls ring");

        await stop.CancelAsync();
        originator.ReplyToAll("-ERR NO_ANSWER");
        await running.WaitAsync(TimeSpan.FromSeconds(30));
        (await store.ContactsAsync("agents", 0, 10)).Count(c => c.Attempts > 0).Should().Be(4, "nobody else was dialed");
        second.Should().NotBe(first);
    }

    /// <summary>Reports <see cref="Available"/> agents and keeps each originate ringing until <see cref="Reply"/>.</summary>
    private sealed class QueueOriginator : IOriginator
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _ringing = new();
        private readonly Channel<string> _originates = Channel.CreateUnbounded<string>();
        private readonly Channel<int> _rounds = Channel.CreateUnbounded<int>();
        private int _originated;

        public volatile int Available;

        public int Originated => Volatile.Read(ref _originated);

        public bool Ready => true;

        public Task<string> OriginateAsync(string uuid, string arguments, CancellationToken cancellationToken)
        {
            var reply = _ringing.GetOrAdd(uuid, _ => new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously));
            Interlocked.Increment(ref _originated);
            _originates.Writer.TryWrite(uuid);
            return reply.Task;
        }

        public Task<int> AvailableAgentsAsync(string queue, CancellationToken cancellationToken)
        {
            queue.Should().Be("collections@default");
            _rounds.Writer.TryWrite(Available);
            return Task.FromResult(Available);
        }

        public Task<string?> WhenEndedAsync(string uuid, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

        public void Reply(string uuid, string body) => _ringing[uuid].TrySetResult(body);

        public void ReplyToAll(string body)
        {
            foreach (var reply in _ringing.Values) reply.TrySetResult(body);
        }

        public async Task<string> NextOriginateAsync()
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            return await _originates.Reader.ReadAsync(limit.Token);
        }

        /// <summary>Two looks of the runner at the queue from now (rounds of its loop, at most a second apart): whatever
        /// the round in progress dialed is dialed by then.</summary>
        public async Task NextRoundAsync()
        {
            while (_rounds.Reader.TryRead(out _))
            {
                // Rounds that began before now.
            }

            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _rounds.Reader.ReadAsync(limit.Token);
            await _rounds.Reader.ReadAsync(limit.Token);
        }
    }
}
