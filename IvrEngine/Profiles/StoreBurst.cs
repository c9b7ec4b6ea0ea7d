namespace IvrEngine.Profiles;

/// <summary>Placeholder until the store lands: the crash test's writer.</summary>
public static class StoreBurst
{
    /// <summary>Inserts clients one by one, printing each acknowledged id.</summary>
    public static Task<int> RunAsync(string dbPath, int count, TextWriter output, CancellationToken cancellationToken)
    {
        _ = (dbPath, count, output, cancellationToken);
        throw new NotImplementedException("The LiteDB store is being written.");
    }
}
