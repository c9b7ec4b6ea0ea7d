using System.Diagnostics;
using IvrEngine.Calls;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Statistics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IvrEngine.Hosting;

/// <summary>Registers the client store and what works on it with the engine's host.</summary>
public static class ProfilesServices
{
    /// <summary>Binds section <c>Store</c> and <c>Web:Admin</c> (validated at start) and adds, as singletons, the store
    /// (<see cref="IClientStore"/> and <see cref="IDeskStore"/>, the same <see cref="LiteDbClientStore"/> opened once at
    /// start; with <c>Store:Provider=PostgreSQL</c> the same <see cref="PostgresClientStore"/> over one
    /// <see cref="NpgsqlDataSource"/>, its schema migrated at start), <see cref="UserAccounts"/>, <see cref="PhoneNormalizer"/>, <see cref="CardFingerprints"/>,
    /// <see cref="ClientImporter"/>, <see cref="ClientExporter"/> and <see cref="DemoDataSeeder"/>, and a start-up step
    /// that opens the store, makes the first admin of <c>Web:Admin</c> in a store without users and, with
    /// <c>Store:SeedDemoData</c>, fills an empty store with demo data and demo users before the engine takes calls.</summary>
    public static IServiceCollection AddClientProfiles(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(StoreOptions.Section);
        services.AddOptions<StoreOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<DemoDataOptions>().Bind(section);
        services.AddOptions<FirstAdminOptions>().Bind(configuration.GetSection(FirstAdminOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FirstAdminOptions>, FirstAdminOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StoreOptions>, StoreOptionsValidator>());
        services.TryAddSingleton(new StartupConsole(Console.Out));
        services.TryAddSingleton(TimeProvider.System);
        // With Store:Provider=PostgreSQL: one data source (the connection pool) per host, named after the engine in
        // pg_stat_activity; the store over it. Else the LiteDB file, shared by the hosts of a process.
        services.TryAddSingleton(sp => PostgresClientStore.CreateDataSource(
            sp.GetRequiredService<IOptions<StoreOptions>>().Value.ConnectionString ?? string.Empty, EngineName(configuration)));
        services.TryAddSingleton<IClientStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StoreOptions>>().Value;
            if (options.UsesPostgres)
            {
                return new PostgresClientStore(sp.GetRequiredService<NpgsqlDataSource>(), EngineName(configuration), sp.GetRequiredService<TimeProvider>(),
                    groupCommit: TimeSpan.FromMilliseconds(options.GroupCommitMilliseconds));
            }

            return SharedClientStores.Acquire(options, sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>()?.CreateLogger<LiteDbClientStore>());
        });
        // The desk store is the same shared store (one LiteDB file, one writer): the lease serves both interfaces.
        services.TryAddSingleton<IDeskStore>(sp => sp.GetRequiredService<IClientStore>() as IDeskStore
            ?? throw new InvalidOperationException("The registered IClientStore is not an IDeskStore; register an IDeskStore of its own."));
        services.TryAddSingleton(sp => new UserAccounts(sp.GetRequiredService<IDeskStore>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new PhoneNormalizer(sp.GetRequiredService<IOptions<StoreOptions>>().Value));
        services.TryAddSingleton(sp => new CardFingerprints(sp.GetRequiredService<IOptions<StoreOptions>>().Value));
        services.TryAddSingleton(sp => new ClientImporter(
            sp.GetRequiredService<IClientStore>(), sp.GetRequiredService<IOptions<StoreOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp => new ClientExporter(sp.GetRequiredService<IClientStore>()));
        services.TryAddSingleton(sp => new DemoDataSeeder(
            sp.GetRequiredService<IClientStore>(), sp.GetRequiredService<CardFingerprints>(), sp.GetRequiredService<TimeProvider>()));
        services.AddHealthChecks().AddCheck<StoreHealthCheck>(StoreHealthCheck.Name);
        services.AddSingleton<ClientProfilesStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<ClientProfilesStartup>());
        return services;
    }

    /// <summary>Engine:Name as the engine reads it (the commands too, which bind no engine options).</summary>
    internal static string EngineName(IConfiguration configuration)
    {
        var engine = new EngineOptions();
        configuration.GetSection(EngineOptions.Section).Bind(engine);
        return engine.NameOrDefault;
    }
}

/// <summary>Opens the store before the engine starts listening (a bad path or a locked file stops the start with a
/// clear message instead of failing the first call), warns when the public development card key is in use, makes the
/// first admin of <c>Web:Admin</c> when the store has no user, and seeds the demo data into an empty store when
/// <c>Store:SeedDemoData</c> is on, with the demo users (their passwords printed once to <see cref="StartupConsole"/>,
/// never logged) when the store had no user either. Runs in <see cref="IHostedLifecycleService.StartingAsync"/>, so
/// it is done before any hosted service starts.</summary>
internal sealed partial class ClientProfilesStartup(
    IServiceProvider services,
    IOptions<StoreOptions> storeOptions,
    IOptions<DemoDataOptions> demoOptions,
    IOptions<FirstAdminOptions> firstAdminOptions,
    StartupConsole console,
    ILogger<ClientProfilesStartup> logger) : IHostedLifecycleService
{
    // Hosts in one process (tests) share a store file: only one of them may seed it.
    private static readonly SemaphoreSlim SeedGate = new(1, 1);

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var options = storeOptions.Value;
        await SeedGate.WaitAsync(cancellationToken);
        try
        {
            if (!options.UsesPostgres)
            {
                await PrepareAsync(cancellationToken);
                return;
            }

            // The schema first, before anything reads the store; then the first admin and the demo data under a
            // lock every engine on the database takes, so engines starting at once seed one set, not several.
            var store = (PostgresClientStore)services.GetRequiredService<IClientStore>();
            await PostgresStartup.RunAsync(options, async () =>
            {
                await PostgresStartup.PrepareSchemaAsync(options, store, logger, cancellationToken);
                await using var seeding = await PostgresStartup.LockSeedingAsync(store.DataSource, cancellationToken);
                await PrepareAsync(cancellationToken);
            });

            // The pool's connections opened now, not by the first calls (docs/store.md, "The connection pool").
            await PostgresStartup.RunAsync(options, async () => LogPoolWarmed(logger, await store.WarmAsync(cancellationToken)));
        }
        finally
        {
            SeedGate.Release();
        }
    }

    private async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var options = storeOptions.Value;
        var firstAdmin = firstAdminOptions.Value;
        var store = services.GetRequiredService<IClientStore>();
        var desk = services.GetRequiredService<IDeskStore>();
        var count = await store.CountAsync(cancellationToken);
        var users = await desk.CountUsersAsync(cancellationToken);
        LogStoreOpen(logger, options.UsesPostgres ? "PostgreSQL " + PostgresClientStore.Describe(options.ConnectionString!) : "LiteDB " + options.Path, count, users);
        if (options.UsesDevelopmentCardFingerprintKey) LogDevelopmentKey(logger);

        if (users == 0 && firstAdmin.IsConfigured)
        {
            var admin = await services.GetRequiredService<UserAccounts>().CreateUserAsync(firstAdmin.UserName!, firstAdmin.DisplayName,
                UserRoles.Admin, null, null, firstAdmin.Password!, cancellationToken);
            LogFirstAdmin(logger, admin.UserName);
        }

        if (!demoOptions.Value.SeedDemoData || count > 0 || !IsNewStore(store))
        {
            if (count > 0 && demoOptions.Value.SeedDemoData) LogSeedSkipped(logger, count);
            else if (demoOptions.Value.SeedDemoData) LogSeedNotNew(logger, options.Path);
            if (await desk.CountUsersAsync(cancellationToken) == 0) LogNoUsers(logger);
            return;
        }

        var result = await services.GetRequiredService<DemoDataSeeder>().SeedAsync(cancellationToken);
        LogSeeded(logger, result.Clients, result.Interactions, result.Campaigns, result.Tickets);

        // Demo users come with a new demo store only: a store that already had users (or clients) is someone's, and
        // an admin with a printed password must not appear in it because a setting was left on.
        if (users > 0) return;
        var created = await DemoUsers.SeedAsync(services.GetRequiredService<UserAccounts>(), desk, cancellationToken);
        await DemoUsers.WriteAsync(console.Out, created);
        LogDemoUsers(logger, created.Count);
    }

    /// <summary>True when demo data may go into <paramref name="store"/>: a store file this start created (never a file
    /// that existed, whatever it holds); a store of another kind (tests' in-memory one) when it is empty.</summary>
    internal static bool IsNewStore(IClientStore store) => store is not IStoreFile file || file.Created;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Nobody can sign in to the agent desktop: the store has no user. Make the first admin with 'users add --name <name> --role admin' (engine stopped) or Web:Admin:UserName and Web:Admin:Password")]
    private static partial void LogNoUsers(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Client store {Store} open: {Count} clients, {Users} users")]
    private static partial void LogStoreOpen(ILogger logger, string store, int count, int users);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL: {Count} pooled connections opened at start (Minimum Pool Size)")]
    private static partial void LogPoolWarmed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "First admin {UserName} created from Web:Admin (the store had no user)")]
    private static partial void LogFirstAdmin(ILogger logger, string userName);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo users added: {Count} (their passwords were printed to the console once)")]
    private static partial void LogDemoUsers(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Store:CardFingerprintKey is the public development key; set Store__CardFingerprintKey to a secret of your own in production (and keep it: card fingerprints made with one key are not found with another)")]
    private static partial void LogDevelopmentKey(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo data not seeded: the store already has {Count} clients")]
    private static partial void LogSeedSkipped(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo data not seeded: the store file {Path} existed before this start (demo data goes only into a store the engine creates)")]
    private static partial void LogSeedNotNew(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo data seeded: {Clients} clients, {Interactions} calls, {Campaigns} campaigns, {Tickets} tickets")]
    private static partial void LogSeeded(ILogger logger, int clients, int interactions, int campaigns, int tickets);
}

/// <summary>One <see cref="LiteDbClientStore"/> per file per process, shared by every host that uses the file (a
/// LiteDB file is opened once per process) and closed when the last of them is disposed.</summary>
internal static class SharedClientStores
{
    private static readonly Dictionary<string, Entry> Open = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    public static IClientStore Acquire(StoreOptions options, TimeProvider time, ILogger? logger = null)
    {
        var path = Path.GetFullPath(options.Path);
        lock (Gate)
        {
            if (!Open.TryGetValue(path, out var entry))
            {
                entry = new Entry(new LiteDbClientStore(options, time, logger));
                Open[path] = entry;
            }

            entry.References++;
            return new Lease(path, entry.Store);
        }
    }

    /// <summary>The store open on <paramref name="path"/> in this process, if any (benchmarks read its writer's figures).</summary>
    internal static LiteDbClientStore? Find(string path)
    {
        lock (Gate)
        {
            return Open.TryGetValue(Path.GetFullPath(path), out var entry) ? entry.Store : null;
        }
    }

    private static void Release(string path)
    {
        LiteDbClientStore? toClose = null;
        lock (Gate)
        {
            if (Open.TryGetValue(path, out var entry) && --entry.References == 0)
            {
                Open.Remove(path);
                toClose = entry.Store;
            }
        }

        toClose?.Dispose();
    }

    private sealed class Entry(LiteDbClientStore store)
    {
        public LiteDbClientStore Store { get; } = store;

        public int References { get; set; }
    }

    /// <summary>The shared store as one host sees it: the client store and the desk store (the same
    /// <see cref="LiteDbClientStore"/>), closed for this host when disposed.</summary>
    private sealed class Lease(string path, LiteDbClientStore store) : IClientStore, IDeskStore, IStatisticsStore, IDialerStore, IStoreFile
    {
        private int _disposed;

        /// <summary><paramref name="task"/>, its time recorded in <see cref="EngineTelemetry.StoreDuration"/> by
        /// <paramref name="operation"/> while something listens (else the task itself: no wrapper, no allocation).</summary>
        private static Task Timed(string operation, long started, Task task) =>
            EngineTelemetry.StoreDuration.Enabled ? RecordAsync(operation, started, task) : task;

        private static Task<T> Timed<T>(string operation, long started, Task<T> task) =>
            EngineTelemetry.StoreDuration.Enabled ? RecordAsync(operation, started, task) : task;

        private static async Task RecordAsync(string operation, long started, Task task)
        {
            try
            {
                await task;
            }
            finally
            {
                Record(operation, started);
            }
        }

        private static async Task<T> RecordAsync<T>(string operation, long started, Task<T> task)
        {
            try
            {
                return await task;
            }
            finally
            {
                Record(operation, started);
            }
        }

        private static void Record(string operation, long started) =>
            EngineTelemetry.StoreDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("operation", operation));

        public string FilePath => store.FilePath;

        public bool Created => store.Created;

        public StoreHealth Health => store.Health;

        public Task<ClientCard?> GetAsync(Guid id, CancellationToken cancellationToken = default) => Timed("Get", Stopwatch.GetTimestamp(), store.GetAsync(id, cancellationToken));

        public Task<ClientCard?> FindByPhoneAsync(string e164, CancellationToken cancellationToken = default) => Timed("FindByPhone", Stopwatch.GetTimestamp(), store.FindByPhoneAsync(e164, cancellationToken));

        public Task<ClientCard?> FindByAccountAsync(string accountNumber, CancellationToken cancellationToken = default) => Timed("FindByAccount", Stopwatch.GetTimestamp(), store.FindByAccountAsync(accountNumber, cancellationToken));

        public Task<ClientCard?> FindByCardFingerprintAsync(string fingerprint, CancellationToken cancellationToken = default) => Timed("FindByCardFingerprint", Stopwatch.GetTimestamp(), store.FindByCardFingerprintAsync(fingerprint, cancellationToken));

        public Task<ClientCard> InsertAsync(ClientCard card, CancellationToken cancellationToken = default) => Timed("Insert", Stopwatch.GetTimestamp(), store.InsertAsync(card, cancellationToken));

        public Task<int> InsertManyAsync(IReadOnlyCollection<ClientCard> cards, CancellationToken cancellationToken = default) => Timed("InsertMany", Stopwatch.GetTimestamp(), store.InsertManyAsync(cards, cancellationToken));

        public PendingClientCollection CreateBatch() => ((IClientStore)store).CreateBatch();

        public Task<ClientCard> UpdateAsync(ClientCard card, CancellationToken cancellationToken = default) => Timed("Update", Stopwatch.GetTimestamp(), store.UpdateAsync(card, cancellationToken));

        public IAsyncEnumerable<ClientCard> AllAsync(CancellationToken cancellationToken = default) => store.AllAsync(cancellationToken);

        public Task<int> CountAsync(CancellationToken cancellationToken = default) => Timed("Count", Stopwatch.GetTimestamp(), store.CountAsync(cancellationToken));

        public Task AddInteractionAsync(InteractionRecord interaction, CancellationToken cancellationToken = default) => Timed("AddInteraction", Stopwatch.GetTimestamp(), store.AddInteractionAsync(interaction, cancellationToken));

        public Task<IReadOnlyList<InteractionRecord>> GetInteractionsAsync(Guid clientId, int max = 50, CancellationToken cancellationToken = default) => Timed("GetInteractions", Stopwatch.GetTimestamp(), store.GetInteractionsAsync(clientId, max, cancellationToken));

        public Task<InteractionRecord?> LastInteractionFromAsync(string callerNumber, CancellationToken cancellationToken = default) => Timed("LastInteractionFrom", Stopwatch.GetTimestamp(), store.LastInteractionFromAsync(callerNumber, cancellationToken));

        public Task<DateTimeOffset?> LastContactAtAsync(Guid clientId, string? callerNumber, CancellationToken cancellationToken = default) => Timed("LastContactAt", Stopwatch.GetTimestamp(), store.LastContactAtAsync(clientId, callerNumber, cancellationToken));

        public Task AddTicketAsync(Ticket ticket, CancellationToken cancellationToken = default) => Timed("AddTicket", Stopwatch.GetTimestamp(), store.AddTicketAsync(ticket, cancellationToken));

        public Task<IReadOnlyList<Ticket>> GetTicketsAsync(Guid clientId, CancellationToken cancellationToken = default) => Timed("GetTickets", Stopwatch.GetTimestamp(), store.GetTicketsAsync(clientId, cancellationToken));

        public Task<Campaign?> FindCampaignAsync(string dnis, CancellationToken cancellationToken = default) => Timed("FindCampaign", Stopwatch.GetTimestamp(), store.FindCampaignAsync(dnis, cancellationToken));

        public Task UpsertCampaignAsync(Campaign campaign, CancellationToken cancellationToken = default) => Timed("UpsertCampaign", Stopwatch.GetTimestamp(), store.UpsertCampaignAsync(campaign, cancellationToken));

        public Task<ClientCard> SetPhotoAsync(Guid clientId, int expectedVersion, Stream photo, string fileName, CancellationToken cancellationToken = default) =>
            Timed("SetPhoto", Stopwatch.GetTimestamp(), store.SetPhotoAsync(clientId, expectedVersion, photo, fileName, cancellationToken));

        public Task<bool> ReadPhotoAsync(Guid clientId, Stream destination, CancellationToken cancellationToken = default) => Timed("ReadPhoto", Stopwatch.GetTimestamp(), store.ReadPhotoAsync(clientId, destination, cancellationToken));

        public Task<UserAccount?> FindUserAsync(string userName, CancellationToken cancellationToken = default) => Timed("FindUser", Stopwatch.GetTimestamp(), store.FindUserAsync(userName, cancellationToken));

        public Task<UserAccount?> FindUserByAgentAsync(string agent, CancellationToken cancellationToken = default) => Timed("FindUserByAgent", Stopwatch.GetTimestamp(), store.FindUserByAgentAsync(agent, cancellationToken));

        public Task<IReadOnlyList<UserAccount>> UsersAsync(CancellationToken cancellationToken = default) => Timed("Users", Stopwatch.GetTimestamp(), store.UsersAsync(cancellationToken));

        public Task<UserAccount> AddUserAsync(UserAccount user, CancellationToken cancellationToken = default) => Timed("AddUser", Stopwatch.GetTimestamp(), store.AddUserAsync(user, cancellationToken));

        public Task UpdateUserAsync(UserAccount user, CancellationToken cancellationToken = default) => Timed("UpdateUser", Stopwatch.GetTimestamp(), store.UpdateUserAsync(user, cancellationToken));

        public Task<int> CountUsersAsync(CancellationToken cancellationToken = default) => Timed("CountUsers", Stopwatch.GetTimestamp(), store.CountUsersAsync(cancellationToken));

        public Task AddTokenAsync(ApiToken token, CancellationToken cancellationToken = default) => Timed("AddToken", Stopwatch.GetTimestamp(), store.AddTokenAsync(token, cancellationToken));

        public Task<ApiToken?> FindTokenAsync(string hash, CancellationToken cancellationToken = default) => Timed("FindToken", Stopwatch.GetTimestamp(), store.FindTokenAsync(hash, cancellationToken));

        public Task<IReadOnlyList<ApiToken>> TokensAsync(CancellationToken cancellationToken = default) => Timed("Tokens", Stopwatch.GetTimestamp(), store.TokensAsync(cancellationToken));

        public Task<bool> RevokeTokenAsync(Guid id, DateTimeOffset at, CancellationToken cancellationToken = default) => Timed("RevokeToken", Stopwatch.GetTimestamp(), store.RevokeTokenAsync(id, at, cancellationToken));

        public Task AddAuditAsync(CardAuditEntry entry, CancellationToken cancellationToken = default) => Timed("AddAudit", Stopwatch.GetTimestamp(), store.AddAuditAsync(entry, cancellationToken));

        public Task<IReadOnlyList<CardAuditEntry>> AuditAsync(Guid clientId, int max = 100, CancellationToken cancellationToken = default) => Timed("Audit", Stopwatch.GetTimestamp(), store.AuditAsync(clientId, max, cancellationToken));

        public Task<Ticket?> GetTicketAsync(Guid id, CancellationToken cancellationToken = default) => Timed("GetTicket", Stopwatch.GetTimestamp(), store.GetTicketAsync(id, cancellationToken));

        public Task<Ticket> UpdateTicketAsync(Ticket ticket, CancellationToken cancellationToken = default) => Timed("UpdateTicket", Stopwatch.GetTimestamp(), store.UpdateTicketAsync(ticket, cancellationToken));

        public Task<IReadOnlyList<ClientCard>> SearchClientsAsync(string text, int max = 20, CancellationToken cancellationToken = default) => Timed("SearchClients", Stopwatch.GetTimestamp(), store.SearchClientsAsync(text, max, cancellationToken));

        public Task<InteractionRecord?> FindInteractionAsync(string callUuid, CancellationToken cancellationToken = default) => Timed("FindInteraction", Stopwatch.GetTimestamp(), store.FindInteractionAsync(callUuid, cancellationToken));

        public Task<InteractionRecord> SetWrapUpAsync(string callUuid, WrapUp wrapUp, CancellationToken cancellationToken = default) => Timed("SetWrapUp", Stopwatch.GetTimestamp(), store.SetWrapUpAsync(callUuid, wrapUp, cancellationToken));

        public Task<bool> SetInteractionClientAsync(string callUuid, Guid clientId, CancellationToken cancellationToken = default) => Timed("SetInteractionClient", Stopwatch.GetTimestamp(), store.SetInteractionClientAsync(callUuid, clientId, cancellationToken));

        public Task<IReadOnlyList<Campaign>> CampaignsAsync(CancellationToken cancellationToken = default) => Timed("Campaigns", Stopwatch.GetTimestamp(), store.CampaignsAsync(cancellationToken));

        public Task AddHoursAsync(IReadOnlyCollection<KeyValuePair<SliceKey, HourTotals>> totals, IReadOnlyCollection<KeyValuePair<StepKey, StepTotals>> steps,
            CancellationToken cancellationToken = default) =>
            Timed("AddHours", Stopwatch.GetTimestamp(), store.AddHoursAsync(totals, steps, cancellationToken));

        public Task<IReadOnlyList<KeyValuePair<StepKey, StepTotals>>> ReadStepsAsync(string flow, DateTimeOffset since, DateTimeOffset until,
            CancellationToken cancellationToken = default) =>
            Timed("ReadSteps", Stopwatch.GetTimestamp(), store.ReadStepsAsync(flow, since, until, cancellationToken));

        public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadHoursAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
            string? value = null, CancellationToken cancellationToken = default) =>
            Timed("ReadHours", Stopwatch.GetTimestamp(), store.ReadHoursAsync(dimension, since, until, value, cancellationToken));

        public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPairDaysAsync(string pair, string value, DateTimeOffset since, DateTimeOffset until,
            CancellationToken cancellationToken = default) =>
            Timed("ReadPairDays", Stopwatch.GetTimestamp(), store.ReadPairDaysAsync(pair, value, since, until, cancellationToken));

        public Task<IReadOnlyList<KeyValuePair<SliceKey, HourTotals>>> ReadPeriodAsync(string dimension, DateTimeOffset since, DateTimeOffset until,
            string? value = null, CancellationToken cancellationToken = default) =>
            Timed("ReadPeriod", Stopwatch.GetTimestamp(), store.ReadPeriodAsync(dimension, since, until, value, cancellationToken));

        public Task<OutboundCampaign> SaveCampaignAsync(OutboundCampaign campaign, CancellationToken cancellationToken = default) =>
            Timed("SaveCampaign", Stopwatch.GetTimestamp(), store.SaveCampaignAsync(campaign, cancellationToken));

        public Task<OutboundCampaign?> GetCampaignAsync(string id, CancellationToken cancellationToken = default) =>
            Timed("GetCampaign", Stopwatch.GetTimestamp(), store.GetCampaignAsync(id, cancellationToken));

        public Task<IReadOnlyList<OutboundCampaign>> ListCampaignsAsync(CancellationToken cancellationToken = default) =>
            Timed("ListCampaigns", Stopwatch.GetTimestamp(), store.ListCampaignsAsync(cancellationToken));

        public Task<int> AddContactsAsync(string campaignId, IReadOnlyCollection<CampaignContact> contacts, CancellationToken cancellationToken = default) =>
            Timed("AddContacts", Stopwatch.GetTimestamp(), store.AddContactsAsync(campaignId, contacts, cancellationToken));

        public Task<IReadOnlyList<CampaignContact>> ContactsAsync(string campaignId, int skip, int take, CancellationToken cancellationToken = default) =>
            Timed("Contacts", Stopwatch.GetTimestamp(), store.ContactsAsync(campaignId, skip, take, cancellationToken));

        public Task<CampaignContact?> GetContactAsync(Guid id, CancellationToken cancellationToken = default) =>
            Timed("GetContact", Stopwatch.GetTimestamp(), store.GetContactAsync(id, cancellationToken));

        public Task<IReadOnlyList<string>> PendingTimeZonesAsync(string campaignId, CancellationToken cancellationToken = default) =>
            Timed("PendingTimeZones", Stopwatch.GetTimestamp(), store.PendingTimeZonesAsync(campaignId, cancellationToken));

        public Task<IReadOnlyList<CampaignContact>> ClaimDueAsync(string campaignId, string engine, DateTimeOffset now, int max, IReadOnlyCollection<string> openTimeZones,
            CancellationToken cancellationToken = default) =>
            Timed("ClaimDue", Stopwatch.GetTimestamp(), store.ClaimDueAsync(campaignId, engine, now, max, openTimeZones, cancellationToken));

        public Task<bool> RecordAttemptAsync(Guid contactId, string callUuid, string outcome, string? hangupCause, ContactStatus status, DateTimeOffset? nextAttemptAt,
            CancellationToken cancellationToken = default) =>
            Timed("RecordAttempt", Stopwatch.GetTimestamp(), store.RecordAttemptAsync(contactId, callUuid, outcome, hangupCause, status, nextAttemptAt, cancellationToken));

        public Task RecordResultAsync(Guid contactId, string callUuid, string result, IReadOnlyDictionary<string, string> answers, string? agent,
            CancellationToken cancellationToken = default) =>
            Timed("RecordResult", Stopwatch.GetTimestamp(), store.RecordResultAsync(contactId, callUuid, result, answers, agent, cancellationToken));

        public Task<bool> RecordAgentAsync(Guid contactId, string callUuid, string agent, CancellationToken cancellationToken = default) =>
            Timed("RecordAgent", Stopwatch.GetTimestamp(), store.RecordAgentAsync(contactId, callUuid, agent, cancellationToken));

        public Task<IReadOnlyList<CampaignContact>> DialingAsync(string engine, CancellationToken cancellationToken = default) =>
            Timed("Dialing", Stopwatch.GetTimestamp(), store.DialingAsync(engine, cancellationToken));

        public Task<CampaignTotals> TotalsAsync(string campaignId, CancellationToken cancellationToken = default) =>
            Timed("Totals", Stopwatch.GetTimestamp(), store.TotalsAsync(campaignId, cancellationToken));

        public Task AddDoNotCallAsync(DoNotCallEntry entry, CancellationToken cancellationToken = default) =>
            Timed("AddDoNotCall", Stopwatch.GetTimestamp(), store.AddDoNotCallAsync(entry, cancellationToken));

        public Task<bool> RemoveDoNotCallAsync(string phone, CancellationToken cancellationToken = default) =>
            Timed("RemoveDoNotCall", Stopwatch.GetTimestamp(), store.RemoveDoNotCallAsync(phone, cancellationToken));

        public Task<DoNotCallEntry?> FindDoNotCallAsync(string phone, CancellationToken cancellationToken = default) =>
            Timed("FindDoNotCall", Stopwatch.GetTimestamp(), store.FindDoNotCallAsync(phone, cancellationToken));

        public Task<IReadOnlyList<DoNotCallEntry>> DoNotCallAsync(int skip, int take, CancellationToken cancellationToken = default) =>
            Timed("DoNotCall", Stopwatch.GetTimestamp(), store.DoNotCallAsync(skip, take, cancellationToken));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) Release(path);
        }
    }
}
