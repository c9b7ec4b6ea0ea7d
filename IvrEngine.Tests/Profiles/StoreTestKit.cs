using IvrEngine.Profiles;

namespace IvrEngine.Tests.Profiles;

/// <summary>A temporary folder for a store file, deleted afterwards.</summary>
internal sealed class StoreTempFolder : IDisposable
{
    public StoreTempFolder()
    {
        Folder = Path.Combine(Path.GetTempPath(), "ivrengine-store-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string DbPath => Path.Combine(Folder, "store.db");

    public LiteDbClientStore Open(TimeProvider? time = null) => new(DbPath, time);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A child process may still hold the file for a moment; the OS temp cleaner gets it.
        }
    }
}

internal static class StoreCards
{
    private static int _next = 1_000_000;

    /// <summary>A card with a unique phone and account.</summary>
    public static ClientCard New(string? name = null)
    {
        var n = Interlocked.Increment(ref _next);
        return new ClientCard
        {
            Name = name ?? "Client " + n,
            Phones = ["+1212" + n.ToString("D7", System.Globalization.CultureInfo.InvariantCulture)],
            AccountNumbers = ["ACC" + n.ToString(System.Globalization.CultureInfo.InvariantCulture)],
        };
    }

    /// <summary>A call record of <paramref name="client"/> from its first phone to 5000, transferred.</summary>
    public static InteractionRecord Call(ClientCard client, string uuid, DateTimeOffset at) => new()
    {
        ClientId = client.Id,
        CallUuid = uuid,
        At = at,
        CallerNumber = client.Phones[0],
        DialedNumber = "5000",
        Outcome = "transferred",
    };
}
