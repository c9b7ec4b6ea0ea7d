using LiteDB;
using LiteDB.Engine;

namespace IvrEngine.Tests.Profiles;

/// <summary>What the store's durability stands on, in LiteDB's public API (no reflection): a write is acknowledged
/// once the store's own log stream has been written as far as <c>$database.logFileSize</c> says, and synced. These
/// fail when a LiteDB update changes that ground (the kill tests then show what it costs).</summary>
public sealed class StoreDurabilityApiTests
{
    [Fact]
    public void LiteDB_is_the_pinned_version()
    {
        // Directory.Packages.props pins it; the store's reading of $database.logFileSize was checked against it.
        typeof(LiteDatabase).Assembly.GetName().Version.Should().Be(new Version(5, 0, 20, 0));
    }

    [Fact]
    public async Task Database_logFileSize_counts_the_pages_a_commit_handed_to_the_writer_before_they_are_written()
    {
        // LiteDB starts its log writer on a thread of its own at the first commit; the log's writes are held from the
        // start, so that thread waits and the commit returns with its pages handed over, not written.
        using var log = new GatedStream();
        log.Hold();
        using var db = new LiteDatabase(new LiteEngine(new EngineSettings { DataStream = new MemoryStream(), LogStream = log }));
        db.GetCollection("clients").Insert(new BsonDocument { ["name"] = "first" });
        var expected = LogFileSize(db);
        expected.Should().BeGreaterThan(log.Written, "logFileSize counts the pages handed to LiteDB's writer, written or not");

        // Let go, the stream is written exactly that far: what the store waits for before it acknowledges a write.
        log.Release();
        await log.WrittenAsync(expected);
        log.Written.Should().Be(expected);
    }

    private static long LogFileSize(LiteDatabase db) => db.GetCollection("$database").FindAll().First()["logFileSize"].AsInt64;

    /// <summary>A log kept in memory whose writes can be held back; says how far it has been written.</summary>
    private sealed class GatedStream : MemoryStream
    {
        private readonly ManualResetEventSlim _open = new(true);
        private readonly int _owner = Environment.CurrentManagedThreadId;
        private readonly object _gate = new();
        private readonly List<(long Length, TaskCompletionSource Done)> _waiters = [];
        private long _written;

        public long Written
        {
            get
            {
                lock (_gate) return _written;
            }
        }

        public void Hold() => _open.Reset();

        public void Release() => _open.Set();

        public Task WrittenAsync(long length)
        {
            lock (_gate)
            {
                if (_written >= length) return Task.CompletedTask;
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((length, done));
                return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            // Only LiteDB's own writer thread is held: the test's thread never waits on itself.
            if (Environment.CurrentManagedThreadId != _owner) _open.Wait(TimeSpan.FromSeconds(30));
            base.Write(buffer, offset, count);
            lock (_gate)
            {
                _written = Math.Max(_written, Position);
                foreach (var waiter in _waiters.Where(w => w.Length <= _written).ToList())
                {
                    waiter.Done.TrySetResult();
                    _waiters.Remove(waiter);
                }
            }
        }

        public override void SetLength(long value)
        {
            base.SetLength(value);
            lock (_gate) _written = Math.Min(_written, value);
        }

        protected override void Dispose(bool disposing)
        {
            _open.Set();
            base.Dispose(disposing);
        }
    }
}
