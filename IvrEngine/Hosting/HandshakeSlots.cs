using IvrEngine.EventSocket;

namespace IvrEngine.Hosting;

/// <summary>The outbound sockets that have not become calls yet (connect sent; the channel data, or the replies to
/// myevents and linger, not yet read). Up to
/// <c>capacity</c> of them may take the whole handshake timeout. Past that the listener is under pressure, and it
/// does not stop accepting: the kernel's backlog would then be the queue, and a flood that reconnects as fast as its
/// sockets are closed would fill it and push the real callers' connection attempts out. Every socket is accepted and
/// sent <c>connect</c> at once instead, and while more than <c>capacity</c> wait, the oldest are closed once they have
/// had <c>grace</c> to answer. FreeSWITCH answers within milliseconds, so a real call's handshake is over long
/// before its grace, however many silent sockets arrive after it; a silent socket is gone after its grace, so the
/// sockets held stay bounded by what arrives within one grace (and by the listener's socket cap).</summary>
internal sealed class HandshakeSlots(int capacity, TimeSpan grace, TimeProvider time)
{
    private static readonly TimeSpan TroubleWindow = TimeSpan.FromMinutes(1);

    private readonly LinkedList<(EslOutboundSession Session, long Since)> _waiting = new();
    private long _evicted;
    private long _dropped;
    private long _lastTrouble = long.MinValue;
    private bool _sweeping;

    /// <summary>Handshakes in progress.</summary>
    public int Count
    {
        get
        {
            lock (_waiting) return _waiting.Count;
        }
    }

    /// <summary>Handshakes that may take the whole handshake timeout (Engine:MaxHandshakes).</summary>
    public int Capacity => capacity;

    /// <summary>How long a handshake may wait for its answer while more than <see cref="Capacity"/> wait.</summary>
    public TimeSpan Grace => grace;

    /// <summary>Handshakes closed under pressure (not answered within the grace while more than <see cref="Capacity"/>
    /// waited), since start.</summary>
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

    /// <summary>Takes a place for <paramref name="session"/>; past <see cref="Capacity"/> the oldest handshakes are
    /// closed once they have had the grace. Dispose the result when the handshake is over, whichever way.</summary>
    public Lease Enter(EslOutboundSession session)
    {
        LinkedListNode<(EslOutboundSession, long)> node;
        var sweep = false;
        lock (_waiting)
        {
            node = _waiting.AddLast((session, time.GetTimestamp()));
            if (_waiting.Count > capacity && !_sweeping)
            {
                _sweeping = true;
                sweep = true;
            }
        }

        if (sweep) _ = SweepAsync();
        return new Lease(this, node);
    }

    /// <summary>Counts a socket that was closed without becoming a call.</summary>
    public void NoteDropped()
    {
        Interlocked.Increment(ref _dropped);
        NoteTrouble();
    }

    /// <summary>While more than <see cref="Capacity"/> handshakes wait: closes the oldest of them that have had the
    /// grace, then waits until the next oldest has had it. One sweep runs at a time, and none without pressure.</summary>
    private async Task SweepAsync()
    {
        var closing = new List<EslOutboundSession>();
        while (true)
        {
            TimeSpan wait;
            lock (_waiting)
            {
                wait = TimeSpan.Zero;
                while (_waiting.Count > capacity && _waiting.First is { } first)
                {
                    wait = grace - time.GetElapsedTime(first.Value.Since);
                    if (wait > TimeSpan.Zero) break;
                    closing.Add(first.Value.Session);
                    _waiting.RemoveFirst();
                }

                if (_waiting.Count <= capacity)
                {
                    _sweeping = false;
                    wait = TimeSpan.Zero;
                }
            }

            if (closing.Count > 0)
            {
                Interlocked.Add(ref _evicted, closing.Count);
                NoteTrouble();
                foreach (var session in closing) session.Abort();
                closing.Clear();
            }

            if (wait <= TimeSpan.Zero) return;
            await Task.Delay(wait, time).ConfigureAwait(false);
        }
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
        /// <summary>True when the place was taken away (the socket was closed under pressure).</summary>
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
