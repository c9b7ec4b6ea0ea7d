namespace IvrEngine.EventSocket;

/// <summary>The peer sent bytes that are not a valid event-socket frame; the connection that received them is closed.</summary>
public sealed class EslProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EslProtocolException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public EslProtocolException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception.</summary>
    public EslProtocolException() { }
}

/// <summary>A command could not be sent or answered because the connection is gone.</summary>
public sealed class EslConnectionClosedException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EslConnectionClosedException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public EslConnectionClosedException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception.</summary>
    public EslConnectionClosedException() { }
}
