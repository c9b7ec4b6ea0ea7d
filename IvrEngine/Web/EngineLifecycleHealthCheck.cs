using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace IvrEngine.Web;

/// <summary>Unhealthy while the engine starts or drains (it takes no new calls then), healthy while it serves.</summary>
internal sealed class EngineLifecycleHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy(HealthReportWriter.Draining)
            : lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Healthy("serving calls")
            : HealthCheckResult.Unhealthy(HealthReportWriter.Starting));
}
