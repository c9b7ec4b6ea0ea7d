using IvrEngine.Web;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IvrEngine.Hosting;

/// <summary>What the outbound listener holds. Degraded when its places are held by sockets that are not calls (every
/// handshake place taken, sockets closed without becoming calls in the last minute), when it holds all the sockets it
/// may, or when accepting fails and it backs off; calls are still served then, so never unhealthy.</summary>
internal sealed class OutboundListenerHealthCheck(OutboundCallService service) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var load = service.Load;
        var data = new Dictionary<string, object>
        {
            ["liveCalls"] = load.LiveCalls,
            [HealthReportWriter.HandshakesKey] = load.Handshakes,
            ["maxHandshakes"] = load.MaxHandshakes,
            [HealthReportWriter.ConnectionsKey] = load.Connections,
            ["maxConnections"] = load.MaxConnections,
            ["backingOff"] = load.BackingOff,
            ["acceptFailures"] = load.AcceptFailures,
            ["handshakesEvicted"] = load.Evicted,
            ["socketsDropped"] = load.Dropped,
            ["peersRefused"] = load.PeersRefused,
        };
        var problems = new List<string>();
        if (load.BackingOff) problems.Add("accepting fails (out of descriptors?); backing off between tries");
        if (load.MaxConnections > 0 && load.Connections >= load.MaxConnections) problems.Add($"holding {load.Connections} sockets, the most allowed; new ones wait");
        if (load.Handshakes >= load.MaxHandshakes) problems.Add($"{load.Handshakes} sockets have not answered connect (Engine:MaxHandshakes {load.MaxHandshakes}); past that, each has only the grace to answer");
        if (load.TroubledRecently) problems.Add("sockets that never became calls were closed in the last minute");
        var summary = $"{load.LiveCalls} live calls, {load.Handshakes} handshakes, {load.Connections} sockets held";
        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy(summary, data)
            : HealthCheckResult.Degraded(summary + "; " + string.Join("; ", problems), data: data));
    }
}
