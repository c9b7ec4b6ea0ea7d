namespace IvrEngine.Routing;

/// <summary>Section <c>Routing</c>: the ordered rules a flow's <c>route</c> step asks. The first rule whose conditions
/// all hold decides; the last rule has no conditions (the default). No rules: route steps fail (routing is off).</summary>
public sealed class RoutingOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Routing";

    /// <summary>In order; the first that matches decides.</summary>
    public IList<RoutingRule> Rules { get; } = [];
}

/// <summary>One rule: conditions (all optional, all must hold) and one action (a queue with a priority, the client's
/// manager first with a queue as fallback, or self-service).</summary>
public sealed class RoutingRule
{
    /// <summary>Shown on the call (<c>ivr_route_rule</c>) and in the reason.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The client's CTI code is one of these (N, E, R, V, T).</summary>
    public IList<string> CtiCodes { get; } = [];

    /// <summary>The client's category is one of these (regular, vip, problem, prospect).</summary>
    public IList<string> Categories { get; } = [];

    /// <summary>True: the client has an overdue balance; false: the client has none; absent: either.</summary>
    public bool? Overdue { get; set; }

    /// <summary>The caller's language is one of these (<c>es</c> also takes <c>es-MX</c>).</summary>
    public IList<string> Languages { get; } = [];

    /// <summary>The dialed number is one of these (digits compared, so "+1 800 555-0100" equals "18005550100").</summary>
    public IList<string> DialedNumbers { get; } = [];

    /// <summary>The caller's number starts with one of these (digits compared).</summary>
    public IList<string> CallerPrefixes { get; } = [];

    /// <summary>The account the caller entered (the flow variable <c>account</c>) is one of these.</summary>
    public IList<string> Accounts { get; } = [];

    /// <summary>Time of day, e.g. <c>"08:00-18:00"</c> or <c>"22:00-06:00"</c> (wraps midnight); several ranges
    /// separated by commas. In <see cref="TimeZone"/>.</summary>
    public string? Hours { get; set; }

    /// <summary>IANA zone for <see cref="Hours"/>; UTC when absent.</summary>
    public string? TimeZone { get; set; }

    /// <summary>The flow serving the number is one of these.</summary>
    public IList<string> Flows { get; } = [];

    /// <summary>The queue (with <see cref="ManagerFirst"/>: the fallback queue).</summary>
    public string? Queue { get; set; }

    /// <summary>Queue priority: mod_callcenter's base score (seconds of head start).</summary>
    public int? Priority { get; set; }

    /// <summary>The client's assigned manager first (an agent transfer), then <see cref="Queue"/>. The rule applies
    /// only to a client who has a manager.</summary>
    public bool ManagerFirst { get; set; }

    /// <summary>The caller stays in the IVR: the flow goes on after its route step.</summary>
    public bool SelfService { get; set; }

    /// <summary>True when the rule has no condition (it takes every call).</summary>
    public bool IsUnconditional =>
        CtiCodes.Count == 0 && Categories.Count == 0 && Overdue is null && Languages.Count == 0 && DialedNumbers.Count == 0
        && CallerPrefixes.Count == 0 && Accounts.Count == 0 && string.IsNullOrWhiteSpace(Hours) && Flows.Count == 0;
}
