namespace IvrEngine.Profiles;

/// <summary>A mutual-exclusion lock that serves waiters in arrival order: on exit the lock is handed straight to the
/// longest waiter, so a thread that exits and enters again at once (a loop of lookups) cannot take it back before
/// the others. <c>lock</c> lets it: with two threads doing 40 µs lookups the other one waited up to 4 ms.
/// Waiters either block (<see cref="Hold"/>: the store's writer thread) or await (<see cref="HoldAsync"/>: lookups
/// from calls, which must not block thread-pool threads: 500 calls arriving at once blocked every pool thread on
/// this lock, and the pool added threads only slowly). Not re-entrant: a holder must not enter it again.</summary>
internal sealed class FairLock
{
    [ThreadStatic]
    private static ManualResetEventSlim? _turn;

    private readonly object _gate = new();

    // Each waiter: a ManualResetEventSlim (a blocked thread) or a TaskCompletionSource<Holder> (an awaiting caller).
    private readonly Queue<object> _waiting = new();
    private bool _held;

    /// <summary>Waits for the lock, blocking the thread.</summary>
    public void Enter()
    {
        ManualResetEventSlim turn;
        lock (_gate)
        {
            if (!_held)
            {
                _held = true;
                return;
            }

            turn = _turn ??= new ManualResetEventSlim(false, 100);
            _waiting.Enqueue(turn);
        }

        // Exit sets it once the lock is ours.
        turn.Wait();
        turn.Reset();
    }

    /// <summary>Enters the lock and returns what exits it: <c>using (fairLock.Hold()) { ... }</c>.</summary>
    public Holder Hold()
    {
        Enter();
        return new Holder(this);
    }

    /// <summary>Waits for the lock without blocking a thread: <c>using (await fairLock.HoldAsync()) { ... }</c>. The
    /// holder runs on whatever thread the lock was handed over on and must not await before it exits.</summary>
    public ValueTask<Holder> HoldAsync()
    {
        TaskCompletionSource<Holder> turn;
        lock (_gate)
        {
            if (!_held)
            {
                _held = true;
                return new ValueTask<Holder>(new Holder(this));
            }

            // The continuation runs on the pool, not inside the exiting holder's Exit.
            turn = new TaskCompletionSource<Holder>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting.Enqueue(turn);
        }

        return new ValueTask<Holder>(turn.Task);
    }

    /// <summary>How many wait for the lock now (tests).</summary>
    internal int Waiting
    {
        get
        {
            lock (_gate) return _waiting.Count;
        }
    }

    /// <summary>Releases the lock to the longest waiter, if any.</summary>
    public void Exit()
    {
        object? next;
        lock (_gate)
        {
            if (!_held) throw new SynchronizationLockException("The lock is not held.");
            if (!_waiting.TryDequeue(out next))
            {
                _held = false;
                return;
            }
        }

        // Still held: it now belongs to the waiter.
        if (next is ManualResetEventSlim thread) thread.Set();
        else ((TaskCompletionSource<Holder>)next).SetResult(new Holder(this));
    }

    /// <summary>Exits the lock when disposed.</summary>
    internal readonly struct Holder(FairLock owner) : IDisposable
    {
        public void Dispose() => owner.Exit();
    }
}
