using System.CommandLine;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace IvrEngine.Hosting;

/// <summary>The <c>migrate</c> command, and how the commands open a PostgreSQL store.</summary>
public static partial class EngineCli
{
    private static Command MigrateCommand(string[] configArgs, TextWriter output, TextWriter error)
    {
        var check = new Option<bool>("--check") { Description = "List the pending migrations without applying any; exit 1 when there are some." };
        var migrate = new Command("migrate", "Apply the PostgreSQL schema's pending migrations (Store:Provider=PostgreSQL) and print which; engines "
            + "starting meanwhile wait for them. Exit 0 when the schema is current, 1 when --check finds pending ones or the database cannot be "
            + "reached, 2 when the settings are wrong or a migration fails (it is rolled back whole).")
        {
            check,
        };
        migrate.SetAction((result, ct) => MigrateAsync(configArgs, result.GetValue(check), output, error, ct));
        return migrate;
    }

    private static async Task<int> MigrateAsync(string[] configArgs, bool check, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var options = await StoreOptionsAsync(configArgs, error);
        if (options is null) return UsageError;
        if (!options.UsesPostgres)
        {
            await error.WriteLineAsync("error: migrate is for Store:Provider=PostgreSQL; a LiteDB store brings itself up to date when it is opened.");
            return UsageError;
        }

        var where = PostgresStartup.Where(options);
        await using var data = PostgresClientStore.CreateDataSource(options.ConnectionString!, "IvrEngine migrate");
        try
        {
            if (check)
            {
                var pending = await PostgresMigrations.PendingAsync(data, cancellationToken: cancellationToken);
                if (pending.Count == 0)
                {
                    await output.WriteLineAsync($"The schema of {where} is current (version {PostgresMigrations.LatestVersion}).");
                    return Ok;
                }

                await output.WriteLineAsync($"Pending in {where}: {PostgresStartup.Names(pending)}");
                return Failed;
            }

            var applied = await PostgresMigrations.MigrateAsync(data, "migrate", cancellationToken: cancellationToken);
            foreach (var script in applied) await output.WriteLineAsync($"Applied V{script.Version:D3} ({script.Description})");
            await output.WriteLineAsync($"The schema of {where} is current (version {PostgresMigrations.LatestVersion}).");
            return Ok;
        }
        catch (PostgresMigrationException ex)
        {
            await error.WriteLineAsync("error: " + ex.Message);
            return UsageError;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException && PostgresStartup.Plain(ex) is { } reason)
        {
            await error.WriteLineAsync($"error: the PostgreSQL store ({where}) cannot be used: {reason}");
            return ex is PostgresException ? UsageError : Failed;
        }
    }

    /// <summary>A PostgreSQL store for a command, its schema migrated first (or checked, with Store:MigrateAtStart=false);
    /// null with the reason printed and the exit code: 1 when the server cannot be reached, 2 when it refuses (the
    /// credentials, the database, a migration).</summary>
    private static async Task<(IClientStore? Store, int Code)> OpenPostgresAsync(StoreOptions options, TextWriter error)
    {
        var store = new PostgresClientStore(PostgresClientStore.CreateDataSource(options.ConnectionString!, "IvrEngine"), "IvrEngine", ownsDataSource: true);
        try
        {
            await PostgresStartup.RunAsync(options, () => PostgresStartup.MigrateOrCheckAsync(options, store.DataSource, "IvrEngine", NullLogger.Instance, CancellationToken.None));
            return (store, Ok);
        }
        catch (ClientStoreException ex)
        {
            store.Dispose();
            await error.WriteLineAsync("error: " + ex.Message);
            return (null, ex.InnerException is NpgsqlException and not PostgresException ? Failed : UsageError);
        }
    }

    /// <summary>Where the store is, for the commands' reports: the LiteDB file's full path, or the PostgreSQL database.</summary>
    private static string StoreName(StoreOptions options) =>
        options.UsesPostgres ? "PostgreSQL " + PostgresStartup.Where(options) : Path.GetFullPath(options.Path);
}
