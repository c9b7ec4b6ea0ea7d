using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Tests.Support;
using Npgsql;

namespace IvrEngine.Benchmarks;

/// <summary>The benchmarks' PostgreSQL: a server of their own (the tests' <see cref="PostgresServer"/>, started durable:
/// every commit synced, the server's defaults), on loopback, with fresh databases migrated to the engine's schema.
/// Stopped and removed when disposed.</summary>
internal sealed class BenchPostgres : IAsyncDisposable
{
    private readonly PostgresServer _server;
    private int _databases;

    private BenchPostgres(PostgresServer server, string version)
    {
        _server = server;
        Version = version;
    }

    /// <summary>The server's version (<c>server_version</c>).</summary>
    public string Version { get; }

    /// <summary>What the figures were measured against, for the output.</summary>
    public string Description => $"PostgreSQL {Version} on 127.0.0.1:{_server.Port}, durable (fsync and synchronous_commit on), shared_buffers 128MB";

    /// <summary>Starts the server; null, with the reason printed, where PostgreSQL is missing.</summary>
    public static async Task<BenchPostgres?> StartAsync()
    {
        if (PostgresServer.Missing is { } why)
        {
            await Console.Error.WriteLineAsync(why);
            return null;
        }

        var server = await PostgresServer.StartAsync(durable: true);
        await using var connection = new NpgsqlConnection(server.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SHOW server_version", connection);
        return new BenchPostgres(server, (string)(await command.ExecuteScalarAsync())!);
    }

    /// <summary>A new database with the engine's schema; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        var database = $"{name}_{++_databases}";
        await using (var connection = new NpgsqlConnection(_server.AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        var connectionString = _server.ConnectionStringOf(database);
        await using var data = NpgsqlDataSource.Create(connectionString);
        await PostgresMigrations.MigrateAsync(data, "benchmarks");
        return connectionString;
    }

    /// <summary>A database's size on disk (tables, indexes, TOAST), in bytes.</summary>
    public static async Task<long> SizeAsync(string connectionString)
    {
        await using var data = NpgsqlDataSource.Create(connectionString);
        await using var command = data.CreateCommand("SELECT pg_database_size(current_database())");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The engine's store options for <paramref name="connectionString"/>.</summary>
    public static StoreOptions Options(string connectionString) => new() { Provider = StoreOptions.PostgresProvider, ConnectionString = connectionString };

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
