using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IvrEngine.Profiles;

/// <summary>Where client cards live: section <c>Store</c> of appsettings.json, or environment variables such as
/// <c>Store__Path=/var/lib/ivrengine/ivrengine.db</c>.</summary>
public sealed class StoreOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Store";

    /// <summary>The card-fingerprint key used when none is configured. It is public (it is in the source), so
    /// fingerprints made with it protect nothing: it is for development and tests only. Production must set its own
    /// secret, <c>Store__CardFingerprintKey</c> in the environment, and keep it: fingerprints made with one key are
    /// not found with another.</summary>
    public const string DevelopmentCardFingerprintKey = "ivrengine-development-only-card-fingerprint-key";

    /// <summary>The value of <see cref="Provider"/> for the embedded LiteDB file (the default, for one engine).</summary>
    public const string LiteDbProvider = "LiteDB";

    /// <summary>The value of <see cref="Provider"/> for a PostgreSQL server shared by several engines.</summary>
    public const string PostgresProvider = "PostgreSQL";

    /// <summary>Where everything is kept: <c>LiteDB</c> (the default: one file, <see cref="Path"/>, one engine) or
    /// <c>PostgreSQL</c> (a server named by <see cref="ConnectionString"/>, shared by every engine; docs/deployment.md).
    /// Case does not matter; <c>Postgres</c> is taken for PostgreSQL.</summary>
    [Required]
    public string Provider { get; set; } = LiteDbProvider;

    /// <summary>With the PostgreSQL provider: Npgsql's connection string, e.g.
    /// <c>Host=db1;Database=ivrengine;Username=ivrengine;Password=...</c> (set it from the environment,
    /// <c>Store__ConnectionString</c>, never in a file under version control).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>With the PostgreSQL provider: apply the schema's pending migrations at start (several engines starting
    /// at once take turns; docs/store.md, "PostgreSQL"). Off: the start stops (exit 2) while the database lacks one, and
    /// the <c>migrate</c> command applies them.</summary>
    public bool MigrateAtStart { get; set; } = true;

    /// <summary>True when <see cref="Provider"/> names PostgreSQL.</summary>
    public bool UsesPostgres => IsPostgres(Provider);

    /// <summary>True when <paramref name="provider"/> names PostgreSQL.</summary>
    public static bool IsPostgres(string? provider) =>
        string.Equals(provider, PostgresProvider, StringComparison.OrdinalIgnoreCase) || string.Equals(provider, "Postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when <paramref name="provider"/> names LiteDB.</summary>
    public static bool IsLiteDb(string? provider) => string.Equals(provider, LiteDbProvider, StringComparison.OrdinalIgnoreCase);

    /// <summary>The LiteDB file, relative to the current working directory unless rooted; its folder is created.
    /// LiteDB keeps a log file next to it (<c>-log</c> suffix) between checkpoints: back up both, or neither while
    /// the engine runs. The process that has the store open holds <c>&lt;Path&gt;.lock</c> exclusively: one process
    /// per store. A folder, a truncated file or a file that is no store stops the start (exit 2).</summary>
    [Required]
    public string Path { get; set; } = "data/ivrengine.db";

    /// <summary>ISO 3166 region assumed for numbers without a country code (<c>(555) 123-4567</c>).</summary>
    [Required]
    [RegularExpression("^[A-Z]{2}$", ErrorMessage = "Store:DefaultRegion must be a two-letter ISO 3166 region code such as US or GE.")]
    public string DefaultRegion { get; set; } = "US";

    /// <summary>Secret of the HMAC that turns a card number into its fingerprint (see <see cref="CardFingerprints"/>).
    /// Defaults to <see cref="DevelopmentCardFingerprintKey"/>; production must set <c>Store__CardFingerprintKey</c>.</summary>
    [Required]
    [MinLength(16)]
    public string CardFingerprintKey { get; set; } = DevelopmentCardFingerprintKey;

    /// <summary>The default of <see cref="CacheClients"/>.</summary>
    public const int DefaultCacheClients = 10_000;

    /// <summary>Largest <see cref="CacheClients"/> accepted.</summary>
    public const int MaxCacheClients = 10_000_000;

    /// <summary>How many clients the store keeps in memory for lookups (see docs/store.md, "How the store reads"):
    /// at most this many cards, this many keys (phones, accounts, card fingerprints, each with its client or "no
    /// such client"), and this many last-contact times of clients and of caller numbers each, the least recently
    /// used forgotten first. 0 keeps nothing (every lookup reads the file).</summary>
    [Range(0, MaxCacheClients, ErrorMessage = "Store:CacheClients must be a whole number from 0 (keep no client in memory) to 10000000.")]
    public int CacheClients { get; set; } = DefaultCacheClients;

    /// <summary>The default of <see cref="GroupCommitMilliseconds"/>.</summary>
    public const int DefaultGroupCommitMilliseconds = 10;

    /// <summary>How long the store's writer waits, once it has a call record (or ticket, audit entry) and nothing else
    /// to write, for more to commit with it: records of calls ending within this window share one transaction and one
    /// sync to disk (docs/store.md, "How the store writes"). Each record is acknowledged at most this much later; the
    /// caller never waits for it (the record is written after the transfer). 0 commits each at once.</summary>
    [Range(0, 1000, ErrorMessage = "Store:GroupCommitMilliseconds must be a whole number of milliseconds from 0 (commit each write at once) to 1000.")]
    public int GroupCommitMilliseconds { get; set; } = DefaultGroupCommitMilliseconds;

    /// <summary>True while the public development key is in use (worth a warning at start).</summary>
    public bool UsesDevelopmentCardFingerprintKey => CardFingerprintKey == DevelopmentCardFingerprintKey;
}

/// <summary>Checks what attributes cannot: the provider is one the engine has, and PostgreSQL comes with a connection
/// string Npgsql can read. Never repeats the connection string (it may hold a password).</summary>
internal sealed class StoreOptionsValidator : IValidateOptions<StoreOptions>
{
    public ValidateOptionsResult Validate(string? name, StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (StoreOptions.IsLiteDb(options.Provider)) return ValidateOptionsResult.Success;
        if (!options.UsesPostgres)
        {
            return ValidateOptionsResult.Fail(
                $"Store:Provider must be {StoreOptions.LiteDbProvider} (one engine, a file) or {StoreOptions.PostgresProvider} (a shared server), not '{options.Provider}'.");
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail(
                "Store:ConnectionString is required with Store:Provider=PostgreSQL (e.g. Store__ConnectionString=\"Host=db1;Database=ivrengine;Username=ivrengine;Password=...\").");
        }

        try
        {
            var parsed = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            if (string.IsNullOrEmpty(parsed.Host)) return ValidateOptionsResult.Fail("Store:ConnectionString names no Host.");
        }
        catch (ArgumentException ex)
        {
            // Npgsql's message names the bad keyword, never the value.
            return ValidateOptionsResult.Fail("Store:ConnectionString is not a valid connection string: " + ex.Message);
        }

        return ValidateOptionsResult.Success;
    }
}
