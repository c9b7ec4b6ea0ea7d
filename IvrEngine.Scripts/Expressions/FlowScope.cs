using System.Globalization;

namespace IvrEngine.Scripts.Expressions;

/// <summary>What a condition or value expression can see: <c>Caller</c>, <c>Dialed</c>, <c>Vars["name"]</c>,
/// <c>Client.Category</c>, <c>Now.Hour</c>, <c>Language</c>. Expressions are System.Linq.Dynamic.Core's C#-like
/// syntax, e.g. <c>Client.Code == "V" || Client.Overdue &gt; 0</c>.</summary>
public sealed class FlowScope
{
    /// <summary>A scope.</summary>
    public FlowScope(string caller, string dialed, FlowVariables vars, FlowClientView client, DateTime now, string language)
    {
        Caller = caller;
        Dialed = dialed;
        Vars = vars;
        Client = client;
        Now = now;
        Language = language;
    }

    /// <summary>The caller's number as FreeSWITCH gave it.</summary>
    public string Caller { get; }

    /// <summary>The dialed number.</summary>
    public string Dialed { get; }

    /// <summary>The flow's variables (collected values and <c>set</c> ones).</summary>
    public FlowVariables Vars { get; }

    /// <summary>The client found by the last lookup (<see cref="FlowClientView.Found"/> false before or when none).</summary>
    public FlowClientView Client { get; }

    /// <summary>The local time in the flow's time zone.</summary>
    public DateTime Now { get; }

    /// <summary>The caller's language code.</summary>
    public string Language { get; }
}

/// <summary>The flow's variables; a missing name reads as the empty string, so conditions never throw on it.</summary>
public sealed class FlowVariables
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    /// <summary>The value, or the empty string.</summary>
    public string this[string name] => _values.TryGetValue(name, out var value) ? value : string.Empty;

    /// <summary>True when the variable was set.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>Sets one.</summary>
    public void Set(string name, string value) => _values[name] = value;

    /// <summary>All of them, for attaching to the call.</summary>
    public IReadOnlyDictionary<string, string> All => _values;
}

/// <summary>The client as expressions see it.</summary>
public sealed record FlowClientView
{
    /// <summary>No client (before a lookup, or not found).</summary>
    public static FlowClientView None { get; } = new() { Code = "N" };

    /// <summary>True when a client was found.</summary>
    public bool Found { get; init; }

    /// <summary>Customer-type code: N, E, R, V, T.</summary>
    public string Code { get; init; } = "N";

    /// <summary>Why that code.</summary>
    public string Reason { get; init; } = string.Empty;

    /// <summary>Store id.</summary>
    public string Id { get; init; } = string.Empty;

    /// <summary>Name.</summary>
    public string Name { get; init; } = string.Empty;

    /// <summary>Category: regular, VIP, problem, ...</summary>
    public string Category { get; init; } = string.Empty;

    /// <summary>Balance.</summary>
    public decimal Balance { get; init; }

    /// <summary>Overdue amount (0 when none).</summary>
    public decimal Overdue { get; init; }

    /// <summary>Preferred language code, empty when unknown.</summary>
    public string Language { get; init; } = string.Empty;

    /// <summary>Assigned personal manager (agent id), empty when none.</summary>
    public string Manager { get; init; } = string.Empty;

    /// <summary>Open orders.</summary>
    public int OpenOrders { get; init; }

    /// <summary>How the client was found: phone, account, card, none.</summary>
    public string MatchedBy { get; init; } = "none";

    /// <summary>Formats a value for a variable or a say prompt (invariant culture).</summary>
    internal static string Format(object? value) => value switch
    {
        null => string.Empty,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
