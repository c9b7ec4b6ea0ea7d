namespace IvrEngine.EventSocket;

/// <summary>Caps that keep a bad peer from eating memory. A frame over a cap closes that connection only.</summary>
public sealed record EslLimits
{
    /// <summary>Largest header block, terminator included. The connect reply carries the whole channel data in its
    /// header block (about 4 KB on a plain call, more with many variables).</summary>
    public int MaxHeaderBytes { get; init; } = 256 * 1024;

    /// <summary>Largest Content-Length accepted.</summary>
    public int MaxContentLength { get; init; } = 8 * 1024 * 1024;

    /// <summary>How long a command may wait for its reply before the connection is closed as silent (null: no limit).
    /// Only unanswered commands count: a call that is merely quiet (a long playback, no command waiting) is never
    /// closed. The outbound <c>connect</c> is bounded by the handshake's own timeout instead.</summary>
    public TimeSpan? ReplyTimeout { get; init; }

    /// <summary>Most sockets a listener holds at once (accepted and not yet closed). At the limit it stops accepting
    /// until one closes; connections wait in the kernel's backlog meanwhile.</summary>
    public int MaxConnections { get; init; } = int.MaxValue;

    /// <summary>The defaults.</summary>
    public static EslLimits Default { get; } = new();
}
