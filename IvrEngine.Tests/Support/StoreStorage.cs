using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;

namespace IvrEngine.Tests.Support;

/// <summary>Where a contract test's store keeps its data: a LiteDB file in a temporary folder, or a fresh PostgreSQL
/// database. <see cref="Open"/> may be called again after the previous store was disposed (a reopen).</summary>
public interface IStoreStorage : IAsyncDisposable
{
    /// <summary>Makes the storage (the folder; the database and its schema).</summary>
    Task InitializeAsync();

    /// <summary>A store on the storage (the same data at every open); also an <see cref="IDeskStore"/>.</summary>
    IClientStore Open(TimeProvider? time = null);

    /// <summary>The store's options as the engine would have them (import, export).</summary>
    StoreOptions Options { get; }
}

/// <summary>A LiteDB file in a temporary folder, deleted afterwards.</summary>
public sealed class LiteDbStorage : IStoreStorage
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ivrengine-store-" + Guid.NewGuid().ToString("N"));

    /// <inheritdoc />
    public StoreOptions Options => new() { Path = Path.Combine(_folder, "store.db") };

    /// <inheritdoc />
    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public IClientStore Open(TimeProvider? time = null) => new LiteDbClientStore(Options.Path, time);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // The OS temp cleaner gets it.
        }

        return ValueTask.CompletedTask;
    }
}

/// <summary>A fresh database on the test run's PostgreSQL server, its schema migrated.</summary>
public sealed class PostgresStorage : IStoreStorage
{
    /// <summary>The engine name the stores write their change notices as.</summary>
    public const string EngineName = "test-engine";

    private string? _connectionString;

    /// <summary>The database's connection string.</summary>
    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("Not initialized.");

    /// <inheritdoc />
    public StoreOptions Options => new() { Provider = StoreOptions.PostgresProvider, ConnectionString = ConnectionString };

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _connectionString = await PostgresServer.CreateDatabaseAsync();
        await using var data = Npgsql.NpgsqlDataSource.Create(_connectionString);
        await PostgresMigrations.MigrateAsync(data, "tests");
    }

    /// <inheritdoc />
    public IClientStore Open(TimeProvider? time = null) => Open(EngineName, time);

    /// <summary>A store writing as engine <paramref name="engineName"/> (two engines on one database).</summary>
    public PostgresClientStore Open(string engineName, TimeProvider? time = null) =>
        new(PostgresClientStore.CreateDataSource(ConnectionString, engineName), engineName, time, ownsDataSource: true);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
