namespace IvrEngine.EventSocket;

/// <summary>A <c>command/reply</c>.</summary>
/// <param name="ReplyText">The Reply-Text header, e.g. <c>+OK Events Enabled</c> or <c>-ERR no keywords supplied</c>.</param>
/// <param name="Message">The frame, for other headers (e.g. Job-UUID).</param>
public sealed record EslReply(string ReplyText, EslMessage Message)
{
    /// <summary>The reply starts with <c>+OK</c>.</summary>
    public bool IsOk => ReplyText.StartsWith("+OK", StringComparison.Ordinal);

    /// <summary>The reply starts with <c>-ERR</c>.</summary>
    public bool IsError => ReplyText.StartsWith("-ERR", StringComparison.Ordinal);

    /// <summary>A header of the reply (Job-UUID, ...).</summary>
    public string? this[string header] => Message.GetHeader(header);

    internal static EslReply From(EslMessage message)
    {
        var text = message.GetHeader("Reply-Text") ?? string.Empty;
        return new EslReply(text, message);
    }
}

/// <summary>An <c>api/response</c>: the API's output.</summary>
public sealed record EslApiResponse(string Body)
{
    /// <summary>The output starts with <c>+OK</c>.</summary>
    public bool IsOk => Body.StartsWith("+OK", StringComparison.Ordinal);

    /// <summary>The output starts with <c>-ERR</c> (unknown command, bad arguments, no such channel, ...).</summary>
    public bool IsError => Body.StartsWith("-ERR", StringComparison.Ordinal) || Body.StartsWith("-USAGE", StringComparison.Ordinal);

    /// <summary>The output without its trailing newline.</summary>
    public string Text => Body.TrimEnd('\n');
}

/// <summary>The outcome of a <c>bgapi</c>: the BACKGROUND_JOB event's body.</summary>
public sealed record BackgroundJobResult(string JobUuid, string Body, EslEvent Event)
{
    /// <summary>The output starts with <c>+OK</c>.</summary>
    public bool IsOk => Body.StartsWith("+OK", StringComparison.Ordinal);
}

/// <summary>Why a connection ended.</summary>
public enum EslCloseReason
{
    /// <summary>Closed by this side (dispose, exit).</summary>
    Local,
    /// <summary>The peer closed the socket after a clean frame boundary.</summary>
    PeerClosed,
    /// <summary>The socket failed (reset, unreachable).</summary>
    SocketError,
    /// <summary>The peer sent a malformed or oversized frame.</summary>
    ProtocolError,
    /// <summary>The peer closed in the middle of a frame.</summary>
    Truncated,
    /// <summary>A command's reply did not come within <see cref="EslLimits.ReplyTimeout"/>: the peer went silent.</summary>
    ReplyTimeout,
}

/// <summary>A <c>text/disconnect-notice</c>.</summary>
/// <param name="Disposition"><c>linger</c> (the channel hung up; FreeSWITCH waits for <c>exit</c> or the linger
/// time) or <c>disconnect</c> (FreeSWITCH is closing the socket); null when absent (inbound).</param>
/// <param name="LingerSeconds">Linger-Time: -1 for "until exit".</param>
public sealed record EslDisconnectNotice(string? Disposition, string? ControlledSessionUuid, int? LingerSeconds)
{
    internal static EslDisconnectNotice From(EslMessage message) => new(
        message.GetHeader("Content-Disposition"),
        message.GetHeader("Controlled-Session-UUID"),
        int.TryParse(message.GetHeader("Linger-Time"), System.Globalization.CultureInfo.InvariantCulture, out var t) ? t : null);

    /// <summary>The channel hung up and FreeSWITCH lingers.</summary>
    public bool IsLinger => string.Equals(Disposition, "linger", StringComparison.OrdinalIgnoreCase);
}

/// <summary>A <c>log/data</c> frame.</summary>
public sealed record EslLogLine(int Level, string? Channel, string? File, string? Function, int? Line, string? UserData, string Text);
