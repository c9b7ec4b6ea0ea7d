using IvrEngine.Profiles.Postgres;
using IvrEngine.Tests.Profiles;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.Postgres;

/// <summary>Two engines' client stores (two connection pools) on one fresh, migrated PostgreSQL database, made before
/// each test (nothing where PostgreSQL is missing: the tests skip).</summary>
public abstract class TwoEngineStores : IAsyncLifetime
{
    /// <summary>How long a test waits for what another engine does.</summary>
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>The database's connection string.</summary>
    protected string Database { get; private set; } = null!;

    /// <summary>Engine A's store.</summary>
    protected PostgresClientStore A { get; private set; } = null!;

    /// <summary>Engine B's store.</summary>
    protected PostgresClientStore B { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        if (PostgresServer.Missing is not null) return;
        var storage = new PostgresStorage();
        await storage.InitializeAsync();
        Database = storage.ConnectionString;
        A = storage.Open("engine-a");
        B = storage.Open("engine-b");
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        A?.Dispose();
        B?.Dispose();
        return Task.CompletedTask;
    }
}
