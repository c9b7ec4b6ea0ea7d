using IvrEngine.Cluster;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Web;
using IvrEngine.Web.Desk;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace IvrEngine.Hosting;

/// <summary>Wires the live state shared by several engines through PostgreSQL (docs/architecture.md, "Several
/// engines"), with <c>Store:Provider=PostgreSQL</c> only: the listener of the engines' notices, the contexts written
/// through and mirrored, the boxes' leases and the desk offers. With LiteDB nothing is added, and the engine behaves as
/// it always did.</summary>
public static class ClusterServices
{
    /// <summary>Adds the shared live state when the store is PostgreSQL (once).</summary>
    public static IServiceCollection AddCluster(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (!StoreOptions.IsPostgres(configuration[$"{StoreOptions.Section}:{nameof(StoreOptions.Provider)}"])) return services;
        if (services.Any(d => d.ServiceType == typeof(PostgresChangeListener))) return services;

        // The data source (the connection pool) is the store's (AddClientProfiles), which also migrates the schema.
        services.AddSingleton<LiveStateStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<LiveStateStartup>());
        services.AddSingleton(sp => new PostgresChangeListener(sp.GetRequiredService<NpgsqlDataSource>(), EngineName(sp),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresChangeListener>>()));
        services.AddSingleton<IObservable<StoreChange>>(sp => sp.GetRequiredService<PostgresChangeListener>());
        // The store keeps campaigns in memory while the listener hears the campaign notices that empty it.
        services.AddHostedService(sp => new StoreChangeFollower(sp.GetRequiredService<IClientStore>() as PostgresClientStore,
            sp.GetRequiredService<PostgresChangeListener>()));
        services.AddSingleton(sp => new PostgresContextWriter(sp.GetRequiredService<NpgsqlDataSource>(), EngineName(sp),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<PostgresContextWriter>>()));
        services.AddSingleton<ISharedContexts>(sp => sp.GetRequiredService<PostgresContextWriter>());
        services.AddSingleton(sp => new SharedContextMirror(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<PostgresChangeListener>(),
            sp.GetRequiredService<CallContextRegistry>(), sp.GetService<DeskService>(), EngineName(sp), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<SharedContextMirror>>()));
        services.AddSingleton(sp => new BoxLeases(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<BoxLeases>>()));
        services.AddSingleton(sp => new DeskOfferShare(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<DeskService>(),
            sp.GetRequiredService<BoxLeases>(), sp.GetRequiredService<PostgresChangeListener>(), EngineName(sp), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DeskOfferShare>>()));

        services.AddHealthChecks().AddCheck<ClusterHealthCheck>(ClusterHealthCheck.Name);

        // The observers subscribe before the listener's first LISTEN, whose resync they read the shared state on.
        services.AddHostedService(sp => sp.GetRequiredService<SharedContextMirror>());
        services.AddHostedService(sp => sp.GetRequiredService<DeskOfferShare>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresContextWriter>());
        services.AddHostedService(sp => sp.GetRequiredService<BoxLeases>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresChangeListener>());
        return services;
    }

    private static string EngineName(IServiceProvider services) => services.GetRequiredService<IOptions<EngineOptions>>().Value.NameOrDefault;
}

/// <summary>Before the engine starts (the store's start-up has brought the schema up to the engine's): makes sure no
/// other running engine has this engine's name. Every engine tells its notices by its name (Engine:Name) and
/// ignores its own, so two engines of one name would not hear each other: the name is held as a session advisory lock
/// for the engine's life, and a name in use stops the start (exit 2).</summary>
internal sealed class LiveStateStartup(NpgsqlDataSource dataSource, IOptions<EngineOptions> engine) : IHostedLifecycleService, IAsyncDisposable
{
    /// <summary>The first key of the name's lock (the second is <c>hashtext(name)</c>): "IVRN" in ASCII.</summary>
    public const int LockClass = 0x4956524E;

    private NpgsqlConnection? _name;

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var name = engine.Value.NameOrDefault;
        _name = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, hashtext($2))", _name);
        take.Parameters.Add(new NpgsqlParameter { Value = LockClass });
        take.Parameters.Add(new NpgsqlParameter { Value = name });
        if (await take.ExecuteScalarAsync(cancellationToken) is true) return;
        await _name.DisposeAsync();
        _name = null;
        throw new OptionsValidationException(EngineOptions.Section, typeof(EngineOptions),
        [
            $"Engine:Name '{name}' is the name of another engine running on this database; give each engine a name of its own (Engine__Name).",
        ]);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        // A pooled connection goes back without the name's lock.
        if (Interlocked.Exchange(ref _name, null) is not { } connection) return;
        try
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
            await release.ExecuteNonQueryAsync();
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
        {
        }

        await connection.DisposeAsync();
    }
}

/// <summary>Has the PostgreSQL store follow the engines' notices (<see cref="PostgresClientStore.FollowChanges"/>) for the
/// engine's life: it keeps campaigns in memory while the listener hears them.</summary>
internal sealed class StoreChangeFollower(PostgresClientStore? store, PostgresChangeListener listener) : IHostedService, IDisposable
{
    private IDisposable? _following;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _following = store?.FollowChanges(listener, () => listener.ProcessId != 0);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => Interlocked.Exchange(ref _following, null)?.Dispose();
}
