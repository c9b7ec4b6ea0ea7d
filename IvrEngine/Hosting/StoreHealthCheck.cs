using IvrEngine.Profiles;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IvrEngine.Hosting;

/// <summary>The client store's health (check <c>store</c>): healthy while no operation failed on the store itself since
/// it was opened; degraded once one did (a damaged page, an I/O error: that operation failed, every other one goes
/// on), with how many, the last error and what to do. A store that cannot be opened stops the start instead.</summary>
internal sealed class StoreHealthCheck(IClientStore store) : IHealthCheck
{
    /// <summary>The check's name.</summary>
    public const string Name = "store";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
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
}
