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
}
