using IvrEngine.Cluster;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IvrEngine.Hosting;

/// <summary>Whether this engine hears the other engines (check <c>cluster</c>, with several engines only): healthy while
/// the listener's connection LISTENs; degraded while it is being opened again (the calls go on; the other engines'
/// changes reach this engine's agents when it is back, everything being read again then), with the boxes this engine
/// speaks for and the contexts waiting to be written.</summary>
internal sealed class ClusterHealthCheck(PostgresChangeListener listener, PostgresContextWriter writer) : IHealthCheck
{
    /// <summary>The check's name.</summary>
    public const string Name = "cluster";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["notices"] = listener.Notices, ["contextsWaiting"] = writer.Pending, ["contextsWritten"] = writer.Written };
        return Task.FromResult(listener.ProcessId != 0
            ? HealthCheckResult.Healthy("hearing the other engines through PostgreSQL", data)
            : HealthCheckResult.Degraded("not hearing the other engines: the connection to PostgreSQL is being opened again", data: data));
    }
}
