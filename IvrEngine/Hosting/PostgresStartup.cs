using System.Globalization;
using System.Net.Sockets;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IvrEngine.Hosting;

/// <summary>What a start (and a command) does with a PostgreSQL store before using it: the schema's migrations, the
/// seeding lock, and plain one-line messages for a database that cannot be used (a <see cref="ClientStoreException"/>:
/// the engine's start stops with exit 2, as for a LiteDB file it cannot open).</summary>
internal static partial class PostgresStartup
{
    /// <summary>The session advisory lock the first admin and the demo data are written under ("IVRS" in ASCII).</summary>
    public const long SeedLockKey = 0x49565253;

    /// <summary>Runs <paramref name="work"/>; a database that cannot be reached, refuses the credentials or cannot be
    /// migrated becomes a <see cref="ClientStoreException"/> with one plain line (never the password).</summary>
    public static async Task RunAsync(StoreOptions options, Func<Task> work)
    {
        try
        {
            await work();
        }
        catch (Exception ex) when (Plain(ex) is { } reason)
        {
            throw new ClientStoreException($"the PostgreSQL store ({Where(options)}) cannot be used: {reason}", ex);
        }
    }

    /// <summary>With a PostgreSQL store: its schema migrated (or checked), before any of the host's services starts, so a
    /// database that cannot be used stops the engine's start with one line (exit 2) whatever else would start
    /// first. <see cref="ClientProfilesStartup"/> asks again for hosts started otherwise, and finds it done.</summary>
    public static async Task PrepareAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<IOptions<StoreOptions>>().Value;
        if (!options.UsesPostgres || services.GetRequiredService<IClientStore>() is not PostgresClientStore store) return;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PostgresStartup).FullName!);
        await RunAsync(options, () => PrepareSchemaAsync(options, store, logger, cancellationToken));
    }

    /// <summary>The store's schema migrated or checked (<see cref="MigrateOrCheckAsync"/>) once for the store's life: the
    /// engine's start does it before the host starts, and the host's own start-up step then finds it done.</summary>
    public static async Task PrepareSchemaAsync(StoreOptions options, PostgresClientStore store, ILogger logger, CancellationToken cancellationToken)
    {
        if (store.SchemaReady) return;
        await MigrateOrCheckAsync(options, store.DataSource, store.EngineName, logger, cancellationToken);
        store.SchemaReady = true;
    }

    /// <summary>Applies the pending migrations (<see cref="StoreOptions.MigrateAtStart"/>), or refuses to go on while
    /// one is pending.</summary>
    public static async Task MigrateOrCheckAsync(StoreOptions options, NpgsqlDataSource data, string engineName, ILogger logger, CancellationToken cancellationToken)
    {
        if (options.MigrateAtStart)
        {
            var applied = await PostgresMigrations.MigrateAsync(data, engineName, cancellationToken: cancellationToken);
            foreach (var script in applied) LogApplied(logger, script.Version, script.Description);
            return;
        }

        var pending = await PostgresMigrations.PendingAsync(data, cancellationToken: cancellationToken);
        if (pending.Count > 0)
        {
            throw new ClientStoreException($"the PostgreSQL store ({Where(options)}) lacks the schema migration(s) {Names(pending)} and Store:MigrateAtStart "
                + "is false: run 'IvrEngine migrate' (or set Store:MigrateAtStart=true).");
        }
    }

    /// <summary>Takes the seeding lock for as long as the returned value lives: engines starting at once make one first
    /// admin and one set of demo data.</summary>
    public static async Task<IAsyncDisposable> LockSeedingAsync(NpgsqlDataSource data, CancellationToken cancellationToken)
    {
        var connection = await data.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = new NpgsqlCommand($"SELECT pg_advisory_lock({SeedLockKey.ToString(CultureInfo.InvariantCulture)})", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return new SeedLock(connection);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The scripts as <c>V001 (store), V002 (statistics)</c>.</summary>
    public static string Names(IEnumerable<PostgresMigration> scripts) =>
        string.Join(", ", scripts.Select(s => $"V{s.Version.ToString("D3", CultureInfo.InvariantCulture)} ({s.Description})"));

    /// <summary>Where the store is: <c>database D on host:port</c>.</summary>
    public static string Where(StoreOptions options) => PostgresClientStore.Describe(options.ConnectionString ?? string.Empty);

    /// <summary>What went wrong with the database, in one line; null for an error that is not the database's.</summary>
    public static string? Plain(Exception error) => error switch
    {
        PostgresMigrationException migration => migration.Message,
        PostgresException server => $"{server.MessageText} (SQLSTATE {server.SqlState})",
        NpgsqlException { InnerException: SocketException socket } client => $"{client.Message.TrimEnd('.')}: {socket.Message}",
        NpgsqlException { InnerException: TimeoutException } client => $"{client.Message.TrimEnd('.')}: no answer in time",
        NpgsqlException client => client.Message,
        SocketException socket => socket.Message,
        TimeoutException => "no answer in time",
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Schema migration V{Version:D3} ({Description}) applied")]
    private static partial void LogApplied(ILogger logger, int version, string description);

    /// <summary>Holds the seeding lock on its connection; releases it before the connection goes back to the pool.</summary>
    private sealed class SeedLock(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await using var command = new NpgsqlCommand($"SELECT pg_advisory_unlock({SeedLockKey.ToString(CultureInfo.InvariantCulture)})", connection);
                await command.ExecuteNonQueryAsync();
            }
            catch (NpgsqlException)
            {
                // The connection broke: the server released the lock with it.
            }
            finally
            {
                await connection.DisposeAsync();
            }
        }
    }
}
