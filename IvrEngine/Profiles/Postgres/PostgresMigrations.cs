using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;

namespace IvrEngine.Profiles.Postgres;

/// <summary>One versioned SQL script of the schema (<c>Migrations/V001__clients.sql</c>, compiled into the engine).</summary>
/// <param name="Version">Its number: scripts run in this order, each once per database.</param>
/// <param name="Description">What it does (the file name's words).</param>
/// <param name="Sql">The script.</param>
public sealed record PostgresMigration(int Version, string Description, string Sql)
{
    /// <summary>SHA-256 of the script (hex): an applied script that changed since is refused.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql.ReplaceLineEndings("\n"))));
}

/// <summary>Brings a PostgreSQL database's schema up to the engine's: the versioned SQL scripts compiled into the engine
/// (<see cref="Known"/>) that the database's <c>ivr_schema_migrations</c> table does not list yet, in order.
/// <para>All of it runs in one transaction that first takes a transaction-scoped advisory lock, so engines starting at
/// once take turns: the first applies the scripts, the others wait, then find them applied. PostgreSQL's DDL is
/// transactional, so a script that fails leaves the database as it was (and the start stops with the script's
/// name and PostgreSQL's message). A database whose applied script differs from the engine's, or that an engine
/// newer than this one migrated, is refused rather than touched.</para></summary>
public static partial class PostgresMigrations
{
    /// <summary>The advisory lock's key (any constant the engine uses for nothing else: "IVRM" in ASCII).</summary>
    public const long LockKey = 0x4956524D;

    private const string ResourcePrefix = "IvrEngine.Profiles.Postgres.Migrations.";

    private static readonly Lazy<IReadOnlyList<PostgresMigration>> s_known = new(Load);

    /// <summary>The engine's scripts, by version.</summary>
    public static IReadOnlyList<PostgresMigration> Known => s_known.Value;

    /// <summary>The newest version the engine knows.</summary>
    public static int LatestVersion => Known.Count == 0 ? 0 : Known[^1].Version;

    /// <summary>Applies the pending scripts of <paramref name="scripts"/> (default <see cref="Known"/>); returns those it
    /// applied (none when the database was current, or another engine applied them first).</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="appliedBy">Who applies them (the engine's name, or <c>migrate</c>), kept with each version.</param>
    /// <param name="scripts">The scripts; tests pass their own.</param>
    /// <param name="cancellationToken">Cancels the wait for the lock and the scripts (nothing is applied then).</param>
    /// <exception cref="PostgresMigrationException">A script failed, an applied one changed, or the database is newer.</exception>
    public static async Task<IReadOnlyList<PostgresMigration>> MigrateAsync(NpgsqlDataSource dataSource, string appliedBy,
        IReadOnlyList<PostgresMigration>? scripts = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        scripts ??= Known;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({LockKey.ToString(CultureInfo.InvariantCulture)})", cancellationToken);
        await ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS ivr_schema_migrations (
                version     integer     PRIMARY KEY,
                description text        NOT NULL,
                checksum    text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now(),
                applied_by  text        NOT NULL)
            """, cancellationToken);

        var applied = await AppliedAsync(connection, transaction, cancellationToken);
        Check(applied, scripts);
        var pending = scripts.Where(s => !applied.ContainsKey(s.Version)).ToList();
        foreach (var script in pending)
        {
            try
            {
                await ExecuteAsync(connection, transaction, script.Sql, cancellationToken);
            }
            catch (PostgresException ex)
            {
                throw new PostgresMigrationException(
                    $"Schema migration V{script.Version:D3} ({script.Description}) failed, nothing was applied: {ex.MessageText}", ex);
            }

            await using var record = new NpgsqlCommand(
                "INSERT INTO ivr_schema_migrations (version, description, checksum, applied_by) VALUES ($1, $2, $3, $4)", connection, transaction);
            record.Parameters.Add(new NpgsqlParameter { Value = script.Version });
            record.Parameters.Add(new NpgsqlParameter { Value = script.Description });
            record.Parameters.Add(new NpgsqlParameter { Value = script.Checksum });
            record.Parameters.Add(new NpgsqlParameter { Value = appliedBy });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return pending;
    }

    /// <summary>The versions the database lacks (empty when it is current); never changes anything.</summary>
    /// <exception cref="PostgresMigrationException">An applied script changed, or the database is newer.</exception>
    public static async Task<IReadOnlyList<PostgresMigration>> PendingAsync(NpgsqlDataSource dataSource, IReadOnlyList<PostgresMigration>? scripts = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        scripts ??= Known;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('ivr_schema_migrations') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is not true) return scripts;
        }

        var applied = await AppliedAsync(connection, null, cancellationToken);
        Check(applied, scripts);
        return [.. scripts.Where(s => !applied.ContainsKey(s.Version))];
    }

    /// <summary>Scripts from resources named <c>V&lt;number&gt;__&lt;words&gt;.sql</c>, by version; two of one version
    /// are a build mistake.</summary>
    internal static IReadOnlyList<PostgresMigration> Parse(IEnumerable<(string Name, string Sql)> files)
    {
        var scripts = new List<PostgresMigration>();
        foreach (var (name, sql) in files)
        {
            var match = ScriptName().Match(name);
            if (!match.Success) throw new InvalidOperationException($"'{name}' is not named V<number>__<words>.sql");
            scripts.Add(new PostgresMigration(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value.Replace('_', ' '), sql));
        }

        scripts.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < scripts.Count; i++)
        {
            if (scripts[i].Version == scripts[i - 1].Version) throw new InvalidOperationException($"two migrations are version {scripts[i].Version}");
        }

        return scripts;
    }

    private static IReadOnlyList<PostgresMigration> Load()
    {
        var assembly = typeof(PostgresMigrations).Assembly;
        return Parse(assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (n[ResourcePrefix.Length..], Read(assembly, n))));
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static void Check(IReadOnlyDictionary<int, string> applied, IReadOnlyList<PostgresMigration> scripts)
    {
        var latest = scripts.Count == 0 ? 0 : scripts[^1].Version;
        if (applied.Keys.Where(v => v > latest).Order().FirstOrDefault() is var newer and > 0)
        {
            throw new PostgresMigrationException(
                $"The database's schema is at version {applied.Keys.Max()}, newer than this engine's {latest}: a newer engine migrated it. Run that version of the engine (or newer).");
        }

        foreach (var script in scripts)
        {
            if (applied.TryGetValue(script.Version, out var checksum) && checksum != script.Checksum)
            {
                throw new PostgresMigrationException(
                    $"Schema migration V{script.Version:D3} ({script.Description}) was changed after it was applied to this database; an applied migration must never change (add a new one instead).");
            }
        }
    }

    private static async Task<Dictionary<int, string>> AppliedAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<int, string>();
        await using var command = new NpgsqlCommand("SELECT version, checksum FROM ivr_schema_migrations", connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) applied[reader.GetInt32(0)] = reader.GetString(1);
        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [GeneratedRegex(@"^V(\d+)__([A-Za-z0-9_]+)\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex ScriptName();
}

/// <summary>The schema could not be brought up to the engine's (the start stops with this message, exit 2).</summary>
public sealed class PostgresMigrationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PostgresMigrationException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public PostgresMigrationException() { }

    /// <summary>Creates the exception.</summary>
    public PostgresMigrationException(string message, Exception innerException) : base(message, innerException) { }
}
