using System.Threading.Channels;
using LiteDB;

namespace IvrEngine.Profiles;

/// <summary>The store's one writer. Every write is queued (a bounded queue: callers wait when it is full) and run by
/// one loop, one transaction at a time, under the store's engine lock. Writes marked groupable (plain inserts that
/// cannot clash with anything but a duplicate id: call records, tickets, campaigns) that are waiting together go
/// into one transaction, committed and synced to disk once, and then every one of their callers is answered: a
/// group commit. A caller's task completes only once its write is durable, and fails with its own write's error.
/// When one write of a group fails, nothing of the group was stored; each of them then runs again alone, so only
/// the failing one fails. A write that checks what is stored (uniqueness, versions) always runs alone.
/// When the writer takes a groupable write and nothing else is queued, it waits up to the group window for more before
/// committing, so that records of calls ending close together share one commit and one sync to disk even when each
/// arrives while the writer is idle (docs/store.md, "How the store writes"). A queue that is never empty is never
/// made to wait.
/// A caller's cancellation counts until the writer takes the write; after that the write completes.</summary>
internal sealed class LiteDbWriter
{
    /// <summary>Writes that may wait in the queue; a caller waits for room beyond that.</summary>
    public const int QueueCapacity = 4096;

    /// <summary>Most writes in one group commit.</summary>
    public const int MaxGroup = 1024;

    private readonly Func<LiteDatabase> _db;
    private readonly FairLock _engine;
    private readonly Func<LiteDatabase, long> _committed;
    private readonly Action<long> _makeDurable;
    private readonly Func<Exception, Exception> _failed;
    private readonly Action<bool> _ended;
    private readonly Channel<PendingWrite> _queue = Channel.CreateBounded<PendingWrite>(new BoundedChannelOptions(QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly Task _loop;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    private long _commits;
    private long _allocated;

    /// <param name="db">The database written to (under the engine lock; the store replaces it after a failure).</param>
    /// <param name="engine">The lock held around every use of <paramref name="db"/>.</param>
    /// <param name="committed">Called under the engine lock right after each commit: how far the log must be written
    /// for that commit to be in it.</param>
    /// <param name="makeDurable">Given what <paramref name="committed"/> said, returns once the commit is on disk;
    /// called outside the engine lock, before the commit's callers are answered.</param>
    /// <param name="failed">Called under the engine lock with the error that rolled a transaction back (after the
    /// rollback); recovers the store when the error was the store's own and returns the error to report.</param>
    /// <param name="ended">Called under the engine lock when a transaction has committed (true) or rolled back
    /// (false), before the lock is released: what the store's memory held aside for it is kept or dropped.</param>
    /// <param name="window">How long a groupable write that finds the queue empty waits for others (zero: not at all).</param>
    /// <param name="time">The clock of that wait.</param>
    public LiteDbWriter(Func<LiteDatabase> db, FairLock engine, Func<LiteDatabase, long> committed, Action<long> makeDurable, Func<Exception, Exception> failed, Action<bool> ended,
        TimeSpan window, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.Zero);
        _window = window;
        _time = time;
        _ended = ended;
        _db = db;
        _engine = engine;
        _committed = committed;
        _makeDurable = makeDurable;
        _failed = failed;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>How many transactions the writer has committed (for tests of the grouping).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Bytes the writer's thread allocated while running and committing transactions (LiteDB's share of a
    /// call's cost, printed by the burst benchmark).</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocated);

    /// <summary>Queues <paramref name="write"/> (run under the engine lock, inside a transaction, on the writer's
    /// thread) and returns its result once it is committed and durable.</summary>
    public async Task<T> WriteAsync<T>(Func<T> write, bool groupable, CancellationToken cancellationToken)
    {
        var pending = new PendingWrite<T>(write, groupable, cancellationToken);
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(LiteDbClientStore));
        }

        return await pending.Task;
    }

    /// <summary>Takes no more writes and returns once every queued one is done.</summary>
    public void Complete()
    {
        _queue.Writer.TryComplete();
        _loop.GetAwaiter().GetResult();
    }

    private async Task LoopAsync()
    {
        var reader = _queue.Reader;
        var group = new List<PendingWrite>();
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var first))
            {
                if (!first.TryStart()) continue; // its caller gave up while it waited
                group.Add(first);
                if (first.Groupable)
                {
                    if (_window > TimeSpan.Zero && reader.Count == 0) await Task.Delay(_window, _time);

                    while (group.Count < MaxGroup && reader.TryPeek(out var next) && next.Groupable && reader.TryRead(out next))
                    {
                        if (next.TryStart()) group.Add(next);
                    }
                }

                try
                {
                    Commit(group);
                }
                catch (Exception ex)
                {
                    // Commit answers every write itself; this is a last guard so the loop never dies with callers waiting.
                    foreach (var write in group) write.Fail(ex);
                }

                group.Clear();
            }
        }
    }

    private void Commit(List<PendingWrite> group)
    {
        var failure = Run(group, out var logged, out var afterCommit);
        if (afterCommit is not null)
        {
            // Stored, but not known to be durable: every caller fails, and nothing runs again (it would store twice).
            foreach (var write in group) write.Fail(afterCommit);
            return;
        }

        if (failure is not null)
        {
            if (group.Count == 1)
            {
                group[0].Fail(failure);
                return;
            }

            // Nothing of the group was stored: each goes again alone, so that only the failing one fails.
            foreach (var write in group) Commit([write]);
            return;
        }

        try
        {
            _makeDurable(logged);
        }
        catch (Exception ex)
        {
            foreach (var write in group) write.Fail(ex);
            return;
        }

        foreach (var write in group) write.Succeed();
    }

    /// <summary>Runs the group in one transaction; the error that rolled it back, or null once it is committed (with
    /// <paramref name="afterCommit"/> set when what follows the commit failed).</summary>
    private Exception? Run(List<PendingWrite> group, out long logged, out Exception? afterCommit)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            return RunCounted(group, out logged, out afterCommit);
        }
        finally
        {
            Interlocked.Add(ref _allocated, GC.GetAllocatedBytesForCurrentThread() - allocated);
        }
    }

    private Exception? RunCounted(List<PendingWrite> group, out long logged, out Exception? afterCommit)
    {
        logged = 0;
        afterCommit = null;
        using (_engine.Hold())
        {
            LiteDatabase db;
            try
            {
                // From here to the commit nothing awaits: LiteDB's transaction belongs to this thread.
                db = _db();
                if (!db.BeginTrans()) throw new InvalidOperationException("A LiteDB transaction was left open on the writer's thread.");
            }
            catch (Exception ex)
            {
                return _failed(ex);
            }

            try
            {
                foreach (var write in group) write.Run();
                db.Commit();
            }
            catch (Exception ex)
            {
                return RolledBack(db, ex);
            }

            Interlocked.Increment(ref _commits);
            _ended(true);

            try
            {
                logged = _committed(db);
                return null;
            }
            catch (Exception ex)
            {
                // Committed, but how far the log must be written is unknown: the callers are not told it is durable.
                afterCommit = _failed(ex);
                return null;
            }
        }
    }

    /// <summary>Rolls back after <paramref name="error"/> (under the engine lock); the error to report.</summary>
    private Exception RolledBack(LiteDatabase db, Exception error)
    {
        try
        {
            db.Rollback();
        }
        catch (Exception rollback) when (rollback is LiteException or IOException or ObjectDisposedException)
        {
            // The engine is broken (it closes itself on I/O errors and damaged pages); the write's own error says
            // more, and the store reopens it.
        }

        _ended(false);
        return _failed(error);
    }

    private abstract class PendingWrite(bool groupable)
    {
        private const int Queued = 0;
        private const int Started = 1;
        private const int Canceled = 2;
        private int _state;

        public bool Groupable { get; } = groupable;

        /// <summary>Claims the write for the writer; false when its caller canceled first.</summary>
        public bool TryStart() => Interlocked.CompareExchange(ref _state, Started, Queued) == Queued;

        protected bool TryCancel() => Interlocked.CompareExchange(ref _state, Canceled, Queued) == Queued;

        public abstract void Run();

        public abstract void Succeed();

        public abstract void Fail(Exception error);
    }

    private sealed class PendingWrite<T> : PendingWrite
    {
        private readonly Func<T> _write;
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenRegistration _cancellation;
        private T? _result;

        public PendingWrite(Func<T> write, bool groupable, CancellationToken cancellationToken)
            : base(groupable)
        {
            _write = write;
            if (cancellationToken.CanBeCanceled)
            {
                _cancellation = cancellationToken.Register(() =>
                {
                    if (TryCancel()) _done.TrySetCanceled(cancellationToken);
                });
            }
        }

        public Task<T> Task => _done.Task;

        public override void Run() => _result = _write();

        public override void Succeed()
        {
            _cancellation.Dispose();
            _done.TrySetResult(_result!);
        }

        public override void Fail(Exception error)
        {
            _cancellation.Dispose();
            _done.TrySetException(error);
        }
    }
}
