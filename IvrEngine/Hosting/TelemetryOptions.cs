using Microsoft.Extensions.Options;

namespace IvrEngine.Hosting;

/// <summary>Section <c>Telemetry</c>: where the engine's metrics, traces and logs go besides the console
/// (docs/telemetry.md).</summary>
public sealed class TelemetryOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Telemetry";

    /// <summary>Serve the metrics in Prometheus's text format on <c>/metrics</c> of the web app (supervisors and admins
    /// only). Needs the web app (<c>Web:Enabled</c>).</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>Add the .NET runtime's metrics (GC, thread pool, JIT, exceptions) to what is exported.</summary>
    public bool RuntimeMetrics { get; set; } = true;

    /// <summary>The OpenTelemetry collector the engine sends to (OTLP); unset: none.</summary>
    public OtlpOptions Otlp { get; set; } = new();
}

/// <summary>Section <c>Telemetry:Otlp</c>.</summary>
public sealed class OtlpOptions
{
    /// <summary>The collector's address, an absolute <c>http://</c> or <c>https://</c> URI (e.g.
    /// <c>http://127.0.0.1:4317</c> for gRPC, <c>http://127.0.0.1:4318</c> for HTTP). Unset or empty: metrics, traces
    /// and logs are not sent anywhere.</summary>
    public string? Endpoint { get; set; }

    /// <summary>How: <see cref="OtlpProtocol.Grpc"/> (the default) or <see cref="OtlpProtocol.HttpProtobuf"/> (the
    /// signal's path, e.g. <c>/v1/traces</c>, is added to <see cref="Endpoint"/>).</summary>
    public OtlpProtocol Protocol { get; set; } = OtlpProtocol.Grpc;

    /// <summary>True when an endpoint is given.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint);

    /// <summary>The endpoint when it is an absolute http or https URI; else null.</summary>
    public static Uri? ParseEndpoint(string? endpoint) =>
        Uri.TryCreate(endpoint?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0 ? uri : null;
}

/// <summary>How the engine speaks OTLP to the collector.</summary>
public enum OtlpProtocol
{
    /// <summary>OTLP over gRPC (a collector's port 4317).</summary>
    Grpc,

    /// <summary>OTLP over HTTP with protobuf bodies (a collector's port 4318).</summary>
    HttpProtobuf,
}

/// <summary>Checks <c>Telemetry:Otlp:Endpoint</c>: a wrong address stops the start (exit 2) rather than losing every
/// metric and trace quietly.</summary>
internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var endpoint = options.Otlp.Endpoint;
        if (!options.Otlp.IsConfigured || OtlpOptions.ParseEndpoint(endpoint) is not null) return ValidateOptionsResult.Success;
        return ValidateOptionsResult.Fail(
            $"Telemetry:Otlp:Endpoint \"{endpoint}\" is not an absolute http:// or https:// address of an OpenTelemetry collector " +
            "(e.g. http://127.0.0.1:4317); leave it empty to send nothing.");
    }
}
