using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace IvrEngine.Web;

/// <summary>The <c>/health</c> answer built from every registered health check: the worst status overall, each check
/// with its status, description and data, and the engine's headline figures at the top.</summary>
public static class HealthReportWriter
{
    /// <summary>The engine's lifecycle check (starting, serving, draining).</summary>
    public const string EngineCheck = "engine";

    /// <summary>The outbound listener's check; its data gives the top-level <c>handshakes</c> and <c>connections</c>.</summary>
    public const string ListenerCheck = "listener";

    /// <summary>Data key: sockets waiting for their channel data.</summary>
    public const string HandshakesKey = "handshakes";

    /// <summary>Data key: sockets the listener holds.</summary>
    public const string ConnectionsKey = "connections";

    internal const string Starting = "starting";
    internal const string Draining = "draining";

    /// <summary>The HTTP status of each overall status: degraded still answers 200 (the engine serves calls; a load
    /// balancer that pulled it on a flood would finish the attacker's work), unhealthy 503.</summary>
    public static IDictionary<HealthStatus, int> StatusCodes { get; } = new Dictionary<HealthStatus, int>
    {
        [HealthStatus.Healthy] = Microsoft.AspNetCore.Http.StatusCodes.Status200OK,
        [HealthStatus.Degraded] = Microsoft.AspNetCore.Http.StatusCodes.Status200OK,
        [HealthStatus.Unhealthy] = Microsoft.AspNetCore.Http.StatusCodes.Status503ServiceUnavailable,
    };

    /// <summary>The body for <paramref name="report"/>.</summary>
    public static HealthBody Body(HealthReport report, int liveCalls, int? flowsVersion)
    {
        ArgumentNullException.ThrowIfNull(report);
        var engine = report.Entries.TryGetValue(EngineCheck, out var e) ? e.Description : null;
        var status = engine is Starting or Draining ? engine : report.Status switch
        {
            HealthStatus.Healthy => "ok",
            HealthStatus.Degraded => "degraded",
            _ => "unhealthy",
        };
        report.Entries.TryGetValue(ListenerCheck, out var listener);
        var checks = report.Entries.Select(c => new HealthCheckBody(c.Key, Word(c.Value.Status), c.Value.Description ?? c.Value.Exception?.Message,
            c.Value.Data.Count == 0 ? null : c.Value.Data)).ToList();
        return new HealthBody(status, liveCalls, flowsVersion, Int(listener, HandshakesKey), Int(listener, ConnectionsKey), checks);
    }

    /// <summary>Writes <paramref name="body"/> as JSON (camelCase, as the rest of the API).</summary>
    public static Task WriteAsync(HttpContext context, HealthBody body)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsJsonAsync(body, JsonSerializerOptions.Web, context.RequestAborted);
    }

    private static string Word(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    private static int Int(HealthReportEntry entry, string key) => entry.Data is not null && entry.Data.TryGetValue(key, out var v) && v is int i ? i : 0;
}

/// <summary>The health answer.</summary>
/// <param name="Status">ok, degraded, unhealthy, starting or draining.</param>
/// <param name="LiveCalls">Calls in the engine now.</param>
/// <param name="FlowsVersion">The flows generation in use (null before the flows load).</param>
/// <param name="Handshakes">Outbound sockets waiting for their channel data (not calls yet).</param>
/// <param name="Connections">Outbound sockets the listener holds (calls, handshakes, refusals).</param>
/// <param name="Checks">Every registered health check.</param>
public sealed record HealthBody(string Status, int LiveCalls, int? FlowsVersion, int Handshakes, int Connections, IReadOnlyList<HealthCheckBody> Checks);

/// <summary>One health check in the answer.</summary>
/// <param name="Name">Its registered name.</param>
/// <param name="Status">healthy, degraded or unhealthy.</param>
/// <param name="Description">What it found.</param>
/// <param name="Data">Its figures, if any.</param>
public sealed record HealthCheckBody(string Name, string Status, string? Description, IReadOnlyDictionary<string, object>? Data);
