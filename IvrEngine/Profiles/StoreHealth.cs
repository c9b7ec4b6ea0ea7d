namespace IvrEngine.Profiles;

/// <summary>What went wrong with one open store since it was opened: how many operations failed on the store itself
/// (a damaged page, an I/O error; not a refused duplicate or a version conflict) and the last such error. Each failure
/// failed only its own operation (the store reopens LiteDB after it); a store with failures still serves, degraded.
/// Thread-safe.</summary>
public sealed class StoreHealth
{
    /// <summary>What to do about a damaged store, said wherever a failure is reported.</summary>
    public const string Remedy = "restore the store file from a backup, or stop the engine and run 'export' then 'import' into a new file "
        + "(the damaged clients are lost either way; every other client is kept)";

    private readonly Lock _gate = new();
    private long _failures;
    private string? _lastError;
    private DateTimeOffset? _lastAt;

    /// <summary>Operations that failed on the store since it was opened.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>The last failure's message; null while there was none.</summary>
    public string? LastError
    {
        get
        {
            lock (_gate) return _lastError;
        }
    }

    /// <summary>When the last failure happened; null while there was none.</summary>
    public DateTimeOffset? LastFailureAt
    {
        get
        {
            lock (_gate) return _lastAt;
        }
    }

    /// <summary>Counts a failure; true for the first one (the one worth an error in the log).</summary>
    internal bool Record(string error, DateTimeOffset at)
    {
        lock (_gate)
        {
            _lastError = error;
            _lastAt = at;
        }

        return Interlocked.Increment(ref _failures) == 1;
    }
}
