using System.Net;
using System.Net.Sockets;
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
/// sockets held stay bounded by what arrives within one grace (and by the listener's socket cap). Of the handshakes
/// past their grace, those of the peer holding the most go first (a peer: an IPv4 address, or an IPv6 /64), so a
/// FreeSWITCH slowed down by a flood from elsewhere keeps its handshakes while the flooding address loses its own.</summary>
internal sealed class HandshakeSlots(int capacity, TimeSpan grace, TimeProvider time)
{
    private static readonly TimeSpan TroubleWindow = TimeSpan.FromMinutes(1);

    private readonly LinkedList<(EslOutboundSession Session, long Since, IPAddress Peer)> _waiting = new();
    private readonly Dictionary<IPAddress, int> _perPeer = [];
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
        LinkedListNode<(EslOutboundSession, long, IPAddress)> node;
        var peer = PeerOf(session.Connection.RemoteEndPoint);
        var sweep = false;
        lock (_waiting)
        {
            node = _waiting.AddLast((session, time.GetTimestamp(), peer));
            _perPeer[peer] = _perPeer.GetValueOrDefault(peer) + 1;
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

    /// <summary>While more than <see cref="Capacity"/> handshakes wait: closes those that have had the grace, the
    /// flooding peers' first, until <see cref="Capacity"/> are left; then waits until the next oldest has had it. One
    /// sweep runs at a time, and none without pressure.</summary>
    private async Task SweepAsync()
    {
        var closing = new List<EslOutboundSession>();
        while (true)
        {
            TimeSpan wait;
            lock (_waiting)
            {
                CloseExpired(closing);
                if (_waiting.Count <= capacity)
                {
                    _sweeping = false;
                    wait = TimeSpan.Zero;
                }
                else
                {
                    // Everything past its grace is gone: the oldest left is the next to reach it.
                    wait = grace - time.GetElapsedTime(_waiting.First!.Value.Since);
                    if (wait <= TimeSpan.Zero) wait = TimeSpan.FromTicks(1);
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

    /// <summary>Takes the handshakes past their grace (the oldest ones, a prefix of the list) out, as many as there
    /// are over <see cref="Capacity"/>, each time from the peer that holds the most handshakes, oldest first.
    /// Called inside the lock.</summary>
    private void CloseExpired(List<EslOutboundSession> closing)
    {
        var over = _waiting.Count - capacity;
        if (over <= 0 || _waiting.First is not { } oldest || time.GetElapsedTime(oldest.Value.Item2) < grace) return;
        var expired = new Dictionary<IPAddress, Queue<LinkedListNode<(EslOutboundSession, long, IPAddress)>>>();
        for (var node = _waiting.First; node is not null && time.GetElapsedTime(node.Value.Item2) >= grace; node = node.Next)
        {
            if (!expired.TryGetValue(node.Value.Item3, out var queue)) expired[node.Value.Item3] = queue = new();
            queue.Enqueue(node);
        }

        if (expired.Count == 0) return;
        var mostFirst = new PriorityQueue<IPAddress, (int Held, long Oldest)>(
            Comparer<(int Held, long Oldest)>.Create((a, b) => a.Held != b.Held ? b.Held.CompareTo(a.Held) : a.Oldest.CompareTo(b.Oldest)));
        foreach (var (peer, queue) in expired) mostFirst.Enqueue(peer, (_perPeer[peer], queue.Peek().Value.Item2));
        while (over > 0 && mostFirst.TryDequeue(out var peer, out _))
        {
            var queue = expired[peer];
            var node = queue.Dequeue();
            closing.Add(node.Value.Item1);
            Remove(node);
            over--;
            if (queue.Count > 0) mostFirst.Enqueue(peer, (_perPeer.GetValueOrDefault(peer), queue.Peek().Value.Item2));
        }
    }

    /// <summary>Takes a node out of the list and its peer's count. Called inside the lock.</summary>
    private void Remove(LinkedListNode<(EslOutboundSession, long, IPAddress)> node)
    {
        _waiting.Remove(node);
        var peer = node.Value.Item3;
        if (_perPeer[peer] <= 1) _perPeer.Remove(peer);
        else _perPeer[peer]--;
    }

    /// <summary>Whom a socket counts against: its IPv4 address, or its IPv6 /64 (one host may hold a whole /64).</summary>
    private static IPAddress PeerOf(EndPoint? endPoint)
    {
        if (endPoint is not IPEndPoint { Address: var address }) return IPAddress.None;
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address;
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }

    private void NoteTrouble() => Interlocked.Exchange(ref _lastTrouble, time.GetTimestamp());

    private void Leave(LinkedListNode<(EslOutboundSession, long, IPAddress)> node)
    {
        lock (_waiting)
        {
            if (node.List is not null) Remove(node);
        }
    }

    /// <summary>One handshake's place.</summary>
    public readonly struct Lease(HandshakeSlots owner, LinkedListNode<(EslOutboundSession, long, IPAddress)> node) : IDisposable
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
