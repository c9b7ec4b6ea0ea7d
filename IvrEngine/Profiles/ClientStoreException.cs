namespace IvrEngine.Profiles;

/// <summary>The client store cannot serve: its file cannot be opened (a folder, in use by another process, truncated,
/// not a store) or one operation met a damaged part of it. The message is plain and says what to do; an
/// <see cref="IOException"/>, so the engine's start and the commands report it as a store they cannot open.</summary>
public sealed class ClientStoreException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ClientStoreException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>True when another process holds the store (nothing is wrong with the file).</summary>
    public bool InUse { get; init; }
}
