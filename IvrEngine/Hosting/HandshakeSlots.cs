using IvrEngine.EventSocket;

namespace IvrEngine.Hosting;

/// <summary>The outbound sockets that have not become calls yet (connect sent, channel data not read), at most
/// <c>capacity</c> of them. When every place is taken the oldest is closed to make room, but only once it has had
/// <see cref="MinimumAge"/> to answer: FreeSWITCH answers connect within milliseconds, so the oldest waiting socket
/// is the likeliest not to be FreeSWITCH at all. Until then the listener accepts nothing more
/// (<see cref="WaitForRoomAsync"/>): a flood that reconnects as fast as it can is admitted at capacity / MinimumAge
/// per second, in arrival order with the real calls, and cannot close a real call's handshake before it was
/// answered.</summary>
internal sealed class HandshakeSlots(int capacity, TimeProvider time)
{
    /// <summary>How long a handshake keeps its place before a newer socket may take it.</summary>
    public static readonly TimeSpan MinimumAge = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan TroubleWindow = TimeSpan.FromMinutes(1);

    private readonly LinkedList<(EslOutboundSession Session, long Since)> _waiting = new();
    private long _evicted;
    private long _dropped;
    private long _lastTrouble = long.MinValue;

    /// <summary>Handshakes in progress.</summary>
    public int Count
    {
        get
        {
            lock (_waiting) return _waiting.Count;
        }
    }

    public int Capacity => capacity;

    /// <summary>Handshakes closed to make room for newer ones, since start.</summary>
    public long Evicted => Interlocked.Read(ref _evicted);

    /// <summary>Sockets closed without becoming a call (no answer in time, a reply that is not a channel, silent after
    /// connect), since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Whether a socket was evicted or dropped in the last minute.</summary>
    public bool TroubledRecently
    {
        get
        {
            var last = Interlocked.Read(ref _lastTrouble);
            return last != long.MinValue && time.GetElapsedTime(last) < TroubleWindow;
        }
    }

    /// <summary>Completes when a place is free or the oldest handshake has had <see cref="MinimumAge"/>; the
    /// listener awaits it before each accept.</summary>
    public async ValueTask WaitForRoomAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_waiting)
            {
                if (_waiting.Count < capacity || _waiting.First is not { } first) return;
                wait = MinimumAge - time.GetElapsedTime(first.Value.Since);
            }

            if (wait <= TimeSpan.Zero) return;
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    /// <summary>Takes a place for <paramref name="session"/>, closing the oldest waiting socket when all are taken.
    /// Dispose the result when the handshake is over, whichever way.</summary>
    public Lease Enter(EslOutboundSession session)
    {
        EslOutboundSession? oldest = null;
        LinkedListNode<(EslOutboundSession, long)> node;
        lock (_waiting)
        {
            if (_waiting.Count >= capacity && _waiting.First is { } first)
            {
                oldest = first.Value.Session;
                _waiting.RemoveFirst();
            }

            node = _waiting.AddLast((session, time.GetTimestamp()));
        }

        if (oldest is not null)
        {
            Interlocked.Increment(ref _evicted);
            NoteTrouble();
            oldest.Abort();
        }

        return new Lease(this, node);
    }

    /// <summary>Counts a socket that was closed without becoming a call.</summary>
    public void NoteDropped()
    {
        Interlocked.Increment(ref _dropped);
        NoteTrouble();
    }

    private void NoteTrouble() => Interlocked.Exchange(ref _lastTrouble, time.GetTimestamp());

    private void Leave(LinkedListNode<(EslOutboundSession, long)> node)
    {
        lock (_waiting)
        {
            if (node.List is not null) _waiting.Remove(node);
        }
    }

    /// <summary>One handshake's place.</summary>
    public readonly struct Lease(HandshakeSlots owner, LinkedListNode<(EslOutboundSession, long)> node) : IDisposable
    {
        /// <summary>True when the place was taken away (the socket was closed to make room).</summary>
        public bool WasEvicted
        {
            get
            {
                lock (owner._waiting) return node.List is null;
            }
        }

        public void Dispose() => owner.Leave(node);
    }
}
