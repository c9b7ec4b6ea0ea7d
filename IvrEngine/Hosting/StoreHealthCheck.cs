using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using Npgsql;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IvrEngine.Hosting;

/// <summary>The client store's health (check <c>store</c>): healthy while no operation failed on the store itself since
/// it was opened; degraded once one did (a damaged page, an I/O error: that operation failed, every other one goes
/// on), with how many, the last error and what to do. A store that cannot be opened stops the start instead. A
/// PostgreSQL store is healthy while the server answers <c>SELECT 1</c> within <see cref="PostgresTimeout"/>.</summary>
internal sealed class StoreHealthCheck(IClientStore store) : IHealthCheck
{
    /// <summary>The check's name.</summary>
    public const string Name = "store";

    /// <summary>How long the PostgreSQL server has to answer.</summary>
    public static readonly TimeSpan PostgresTimeout = TimeSpan.FromSeconds(2);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (store is PostgresClientStore postgres) return CheckPostgresAsync(postgres, cancellationToken);
        if (store is not IStoreFile file) return Task.FromResult(HealthCheckResult.Healthy("the client store is not a file"));
        var health = file.Health;
        var data = new Dictionary<string, object> { ["path"] = file.FilePath, ["failures"] = health.Failures };
        if (health.Failures == 0) return Task.FromResult(HealthCheckResult.Healthy("the client store serves", data));
        data["lastError"] = health.LastError ?? string.Empty;
        data["lastFailureAt"] = health.LastFailureAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty;
        return Task.FromResult(HealthCheckResult.Degraded(
            $"{health.Failures} store operation(s) failed since start, the last: {health.LastError} Each failed alone (calls went on as unknown callers); "
            + $"to repair the store, {StoreHealth.Remedy}.",
            data: data));
    }

    private static async Task<HealthCheckResult> CheckPostgresAsync(PostgresClientStore store, CancellationToken cancellationToken)
    {
        try
        {
            await store.PingAsync(PostgresTimeout, cancellationToken);
            return HealthCheckResult.Healthy("the PostgreSQL store answers");
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"the PostgreSQL store does not answer within {PostgresTimeout.TotalSeconds:0} s: {PostgresStartup.Plain(ex) ?? ex.Message}");
        }
    }
}
