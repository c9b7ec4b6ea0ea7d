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

    /// <summary>How long a call's context is kept after it was last seen when no hangup is reported, for a call that
    /// came in while the engine heard FreeSWITCH's hangups (the inbound connection was up): a safety net for a missed
    /// hangup.</summary>
    public int ContextTtlMinutes { get; set; } = 240;

    /// <summary>The same for a call that came in while the engine could not hear hangups (no inbound connection): its
    /// end is never seen, so its context goes this long after it was last seen.</summary>
    public int UnobservedContextTtlMinutes { get; set; } = 30;

    /// <summary>The most call contexts kept; past it the oldest go (those whose IVR ended first), with a log line.</summary>
    public int MaxContexts { get; set; } = 10_000;

    /// <summary>The most memory all call contexts may hold together, in megabytes (estimated from what they keep); past
    /// it the oldest go, as for <see cref="MaxContexts"/>.</summary>
    public int MaxContextMegabytes { get; set; } = 64;

    /// <summary>How many notes a client's card shows (the newest); the card says how many more there are.</summary>
    public int CardNotes { get; set; } = 50;

    /// <summary>The most characters of a note's text a card shows; a longer text is cut, ending in "…".</summary>
    public int CardNoteChars { get; set; } = 1000;

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
