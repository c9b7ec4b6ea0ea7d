namespace IvrEngine.EventSocket;

/// <summary>The <c>Content-Type</c> of an event-socket frame.</summary>
public enum EslContentType
{
    /// <summary>No Content-Type header (FreeSWITCH never sends this; a peer that does is tolerated).</summary>
    None,
    /// <summary><c>auth/request</c>: the inbound greeting.</summary>
    AuthRequest,
    /// <summary><c>command/reply</c>: the reply to a command, also to <c>connect</c> (then it carries the channel data).</summary>
    CommandReply,
    /// <summary><c>api/response</c>: the body is the API's output.</summary>
    ApiResponse,
    /// <summary><c>text/event-plain</c>.</summary>
    EventPlain,
    /// <summary><c>text/event-json</c>.</summary>
    EventJson,
    /// <summary><c>text/event-xml</c>.</summary>
    EventXml,
    /// <summary><c>text/disconnect-notice</c>.</summary>
    DisconnectNotice,
    /// <summary><c>text/rude-rejection</c>: FreeSWITCH's ACL refused the connection.</summary>
    RudeRejection,
    /// <summary><c>log/data</c>.</summary>
    LogData,
    /// <summary>Any other content type; kept so a newer FreeSWITCH does not break the connection.</summary>
    Unknown,
}

/// <summary>The event serialization chosen with <c>event plain|json|xml</c>.</summary>
public enum EslEventFormat
{
    /// <summary>URL-encoded header block.</summary>
    Plain,
    /// <summary>One JSON object.</summary>
    Json,
    /// <summary>An XML document.</summary>
    Xml,
}
