namespace IvrEngine.Profiles;

/// <summary>A mutual-exclusion lock that serves waiters in arrival order: on exit the lock is handed straight to the
/// longest waiter, so a thread that exits and enters again at once (a loop of lookups) cannot take it back before
/// the others. <c>lock</c> lets it: with two threads doing 40 µs lookups the other one waited up to 4 ms.
/// Not re-entrant: a thread holding it must not enter it again. Waiting spins briefly, then blocks.</summary>
internal sealed class FairLock
{
    [ThreadStatic]
    private static ManualResetEventSlim? _turn;

    private readonly object _gate = new();
    private readonly Queue<ManualResetEventSlim> _waiting = new();
    private bool _held;

    /// <summary>Waits for the lock.</summary>
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

            turn = _turn ??= new ManualResetEventSlim(false, 2047);
            _waiting.Enqueue(turn);
        }

        // Exit sets it once the lock is ours.
        turn.Wait();
        turn.Reset();
    }

    /// <summary>Releases the lock to the longest waiter, if any.</summary>
    public void Exit()
    {
        lock (_gate)
        {
            if (!_held) throw new SynchronizationLockException("The lock is not held.");
            if (_waiting.TryDequeue(out var next))
            {
                next.Set(); // still held: it now belongs to the waiter
                return;
            }

            _held = false;
        }
    }

    /// <summary>Enters the lock and returns what exits it: <c>using (fairLock.Hold()) { ... }</c>.</summary>
    public Holder Hold()
    {
        Enter();
        return new Holder(this);
    }

    /// <summary>Exits the lock when disposed.</summary>
    internal readonly struct Holder(FairLock owner) : IDisposable
    {
        public void Dispose() => owner.Exit();
    }
}
