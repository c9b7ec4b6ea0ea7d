namespace IvrEngine.Web;

/// <summary>The engine's HTTP listener (health, call contexts).</summary>
public sealed class WebOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Web";

    /// <summary>Serve HTTP at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where to listen, separated by <c>;</c> (port 0 picks a free one).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>How long a call's context is kept after it was last seen when no hangup is reported.</summary>
    public int ContextTtlMinutes { get; set; } = 240;

    /// <summary>A signed-in session ends after this many minutes without a request (sliding).</summary>
    public int SessionMinutes { get; set; } = 60;

    /// <summary>Sign-in attempts allowed per client address per minute; more answer 429.</summary>
    public int SignInPermitsPerMinute { get; set; } = 10;

    /// <summary>Host names the app answers to, separated by <c>;</c> (<c>*</c>: any); other Host headers get 400.</summary>
    public string AllowedHosts { get; set; } = "localhost;127.0.0.1;[::1]";

    /// <summary>Let admins place simulated calls that pop on an agent's page (the demo; off in production).</summary>
    public bool DemoCalls { get; set; }

    /// <summary>Largest client photo an agent may upload, in bytes.</summary>
    public int MaxPhotoBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>HTTP connections open at once (Kestrel's MaxConcurrentConnections); more are closed at once. Each holds
    /// a descriptor, so this and <see cref="MaxUpgradedConnections"/> are set aside from the open-file limit.</summary>
    public int MaxConnections { get; set; } = 512;

    /// <summary>Upgraded (WebSocket) connections open at once (Kestrel's MaxConcurrentUpgradedConnections).</summary>
    public int MaxUpgradedConnections { get; set; } = 128;

    /// <summary>How long an idle keep-alive connection stays open (Kestrel's KeepAliveTimeout).</summary>
    public int KeepAliveTimeoutSeconds { get; set; } = 120;

    /// <summary>How long a client may take to send a request's headers (Kestrel's RequestHeadersTimeout).</summary>
    public int RequestHeadersTimeoutSeconds { get; set; } = 30;

    /// <summary>Mark the session cookie Secure (set when the app is served over HTTPS, directly or behind a proxy).</summary>
    public bool SecureCookies { get; set; }
}
