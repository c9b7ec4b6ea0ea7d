using System.Globalization;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using Microsoft.Extensions.Options;

namespace IvrEngine.Routing;

/// <summary>The configured rules as a flow's route step asks them: the first rule whose conditions all hold decides,
/// and says why.</summary>
public sealed class RoutingRules : IFlowRouter
{
    /// <summary>The flow variable an <see cref="RoutingRule.Accounts"/> condition looks at.</summary>
    public const string AccountVariable = "account";

    private readonly List<Compiled> _rules;

    /// <summary>Rules from configuration (validated at start by <see cref="RoutingOptionsValidator"/>).</summary>
    public RoutingRules(IOptions<RoutingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _rules = options.Value.Rules.Select(Compile).ToList();
    }

    /// <summary>True when at least one rule is configured.</summary>
    public bool IsConfigured => _rules.Count > 0;

    /// <summary>The decision for a call; null when no rule matches (only when the configuration has no default).</summary>
    public RoutingDecision? Decide(FlowRouteRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var rule in _rules)
        {
            if (Matches(rule, request) is { } why)
            {
                return Decision(rule, request, why);
            }
        }

        return null;
    }

    /// <inheritdoc />
    public ValueTask<FlowRoute> RouteAsync(FlowRouteRequest request, CancellationToken cancellationToken)
    {
        var decision = Decide(request) ?? throw new InvalidOperationException("no routing rule matched and the rules have no default");
        FlowTransfer? transfer = decision switch
        {
            { Agent: { } agent } => new FlowTransfer(TransferKind.Agent, agent, null),
            { Queue: { } queue } => new FlowTransfer(TransferKind.Queue, queue, decision.Priority),
            _ => null,
        };
        return ValueTask.FromResult(new FlowRoute(transfer, decision.Rule, decision.Reason, decision.Agent is null ? null : decision.Queue));
    }

    private sealed record Compiled(RoutingRule Rule, IReadOnlyList<(TimeSpan From, TimeSpan To)>? Hours, TimeZoneInfo Zone);

    private static Compiled Compile(RoutingRule rule)
    {
        var hours = string.IsNullOrWhiteSpace(rule.Hours) ? null : RoutingHours.Parse(rule.Hours, out _);
        var zone = string.IsNullOrWhiteSpace(rule.TimeZone) ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(rule.TimeZone.Trim());
        return new Compiled(rule, hours, zone);
    }

    /// <summary>The conditions that held, in words, or null when one did not.</summary>
    private static List<string>? Matches(Compiled compiled, FlowRouteRequest request)
    {
        var rule = compiled.Rule;
        var client = request.Client;
        var why = new List<string>();

        if (rule.CtiCodes.Count > 0)
        {
            if (!rule.CtiCodes.Contains(client.Code, StringComparer.OrdinalIgnoreCase)) return null;
            why.Add($"CTI code {client.Code}");
        }

        if (rule.Categories.Count > 0)
        {
            if (!client.Found || !rule.Categories.Contains(client.Category, StringComparer.OrdinalIgnoreCase)) return null;
            why.Add($"category {client.Category}");
        }

        if (rule.Overdue is { } overdue)
        {
            var has = client.Found && client.Overdue > 0;
            if (has != overdue) return null;
            why.Add(has ? $"overdue {client.Overdue.ToString("0.##", CultureInfo.InvariantCulture)}" : "nothing overdue");
        }

        if (rule.Languages.Count > 0)
        {
            if (!rule.Languages.Any(l => SameLanguage(l, request.Language))) return null;
            why.Add($"language {request.Language}");
        }

        if (rule.DialedNumbers.Count > 0)
        {
            var dialed = Digits(request.Dialed);
            if (dialed.Length == 0 || !rule.DialedNumbers.Any(n => Digits(n) == dialed)) return null;
            why.Add($"dialed {request.Dialed}");
        }

        if (rule.CallerPrefixes.Count > 0)
        {
            var caller = Digits(request.Caller);
            var prefix = rule.CallerPrefixes.FirstOrDefault(p => Digits(p).Length > 0 && caller.StartsWith(Digits(p), StringComparison.Ordinal));
            if (prefix is null) return null;
            why.Add($"caller starts with {prefix}");
        }

        if (rule.Accounts.Count > 0)
        {
            var account = request.Variables.GetValueOrDefault(AccountVariable, string.Empty).Trim();
            if (account.Length == 0 || !rule.Accounts.Contains(account, StringComparer.Ordinal)) return null;
            why.Add($"account {account}");
        }

        if (compiled.Hours is { } hours)
        {
            var local = TimeZoneInfo.ConvertTime(request.Now, compiled.Zone);
            if (!RoutingHours.Contains(hours, local.TimeOfDay)) return null;
            why.Add($"{local.ToString("HH:mm", CultureInfo.InvariantCulture)} is within {rule.Hours!.Trim()}{(compiled.Zone == TimeZoneInfo.Utc ? " UTC" : " " + compiled.Zone.Id)}");
        }

        if (rule.Flows.Count > 0)
        {
            if (!rule.Flows.Contains(request.Flow, StringComparer.Ordinal)) return null;
            why.Add($"flow {request.Flow}");
        }

        if (rule.ManagerFirst && (!client.Found || string.IsNullOrWhiteSpace(client.Manager))) return null;

        return why;
    }

    private static RoutingDecision Decision(Compiled compiled, FlowRouteRequest request, List<string> why)
    {
        var rule = compiled.Rule;
        var conditions = why.Count == 0 ? "no other rule matched" : string.Join("; ", why);
        if (rule.SelfService)
        {
            return new RoutingDecision(rule.Name, $"{rule.Name}: {conditions}; self-service", null, null, null);
        }

        var queue = rule.Queue!.Trim();
        var priority = rule.Priority is { } p ? $", priority {p.ToString(CultureInfo.InvariantCulture)}" : string.Empty;
        if (rule.ManagerFirst)
        {
            var manager = request.Client.Manager.Trim();
            return new RoutingDecision(rule.Name, $"{rule.Name}: {conditions}; manager {manager} first, then queue {queue}{priority}", queue, rule.Priority, manager);
        }

        return new RoutingDecision(rule.Name, $"{rule.Name}: {conditions}; queue {queue}{priority}", queue, rule.Priority, null);
    }

    private static bool SameLanguage(string wanted, string actual) =>
        string.Equals(wanted, actual, StringComparison.OrdinalIgnoreCase)
        || actual.StartsWith(wanted + "-", StringComparison.OrdinalIgnoreCase);

    private static string Digits(string text) => new(text.Where(char.IsAsciiDigit).ToArray());
}
