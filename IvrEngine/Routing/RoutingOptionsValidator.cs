using Microsoft.Extensions.Options;

namespace IvrEngine.Routing;

/// <summary>Checks section <c>Routing</c> at start, with messages an admin can act on.</summary>
public sealed class RoutingOptionsValidator : IValidateOptions<RoutingOptions>
{
    private const string S = RoutingOptions.Section;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem, one message each; empty when the rules are usable.</summary>
    public static List<string> Check(RoutingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var rule = options.Rules[i];
            var key = $"{S}:Rules:{i}";
            var label = string.IsNullOrWhiteSpace(rule.Name) ? key : $"{key} ('{rule.Name}')";
            if (string.IsNullOrWhiteSpace(rule.Name))
            {
                failures.Add($"{key} has no Name: give each rule a short name (it rides on the call as ivr_route_rule).");
            }
            else if (!IsWord(rule.Name))
            {
                failures.Add($"{label}: Name must be one word without spaces (e.g. \"vip\").");
            }
            else if (!names.Add(rule.Name))
            {
                failures.Add($"{label}: another rule has the name '{rule.Name}'; names must be unique.");
            }

            CheckAction(failures, label, rule);
            CheckConditions(failures, label, rule);

            var last = i == options.Rules.Count - 1;
            if (rule.IsUnconditional && !last)
            {
                failures.Add($"{label} has no conditions, so it takes every call and the rules after it never apply; move it to the end (the default) or give it a condition.");
            }
            else if (!rule.IsUnconditional && last)
            {
                failures.Add($"{label} is the last rule and has conditions: end the list with a default rule without conditions (e.g. Name \"general\", Queue \"general\").");
            }
            else if (last && rule.ManagerFirst)
            {
                failures.Add($"{label} is the default rule and ManagerFirst applies only to clients with a manager: give the default a Queue without ManagerFirst.");
            }
        }

        return failures;
    }

    private static void CheckAction(List<string> failures, string label, RoutingRule rule)
    {
        var hasQueue = !string.IsNullOrWhiteSpace(rule.Queue);
        if (rule.SelfService)
        {
            if (hasQueue || rule.ManagerFirst || rule.Priority is not null)
            {
                failures.Add($"{label}: SelfService keeps the caller in the IVR; it takes no Queue, Priority or ManagerFirst.");
            }

            return;
        }

        if (!hasQueue)
        {
            failures.Add(rule.ManagerFirst
                ? $"{label}: ManagerFirst needs a Queue to fall back to when the manager does not answer."
                : $"{label} has no action: give a Queue (and a Priority), ManagerFirst with a Queue, or SelfService: true.");
        }
        else if (!IsWord(rule.Queue!))
        {
            failures.Add($"{label}: Queue \"{rule.Queue}\" must be a queue name, one word without spaces or $.");
        }

        if (rule.Priority is < 0 or > 1_000_000)
        {
            failures.Add($"{label}: Priority {rule.Priority} is out of range; give 0 to 1000000 (seconds of head start in the queue, e.g. 600).");
        }
    }

    private static void CheckConditions(List<string> failures, string label, RoutingRule rule)
    {
        void Lists(string field, IList<string> values)
        {
            if (values.Any(string.IsNullOrWhiteSpace))
            {
                failures.Add($"{label}: {field} has an empty entry.");
            }
        }

        Lists(nameof(rule.CtiCodes), rule.CtiCodes);
        Lists(nameof(rule.Categories), rule.Categories);
        Lists(nameof(rule.Languages), rule.Languages);
        Lists(nameof(rule.DialedNumbers), rule.DialedNumbers);
        Lists(nameof(rule.CallerPrefixes), rule.CallerPrefixes);
        Lists(nameof(rule.Accounts), rule.Accounts);
        Lists(nameof(rule.Flows), rule.Flows);

        foreach (var code in rule.CtiCodes.Where(c => !string.IsNullOrWhiteSpace(c)))
        {
            if (code.Trim().Length != 1 || !"NERVT".Contains(char.ToUpperInvariant(code.Trim()[0]), StringComparison.Ordinal))
            {
                failures.Add($"{label}: CtiCodes \"{code}\" is not a CTI code; use N, E, R, V or T.");
            }
        }

        foreach (var number in rule.DialedNumbers.Concat(rule.CallerPrefixes).Where(n => !string.IsNullOrWhiteSpace(n)))
        {
            if (!number.Any(char.IsAsciiDigit))
            {
                failures.Add($"{label}: \"{number}\" has no digits; numbers are compared by their digits.");
            }
        }

        if (!string.IsNullOrWhiteSpace(rule.Hours) && RoutingHours.Parse(rule.Hours, out var error) is null)
        {
            failures.Add($"{label}: Hours {error}.");
        }

        if (!string.IsNullOrWhiteSpace(rule.TimeZone))
        {
            if (string.IsNullOrWhiteSpace(rule.Hours))
            {
                failures.Add($"{label}: TimeZone is only used with Hours; give Hours (e.g. \"08:00-18:00\") or remove it.");
            }

            try
            {
                _ = TimeZoneInfo.FindSystemTimeZoneById(rule.TimeZone.Trim());
            }
            catch (TimeZoneNotFoundException)
            {
                failures.Add($"{label}: TimeZone \"{rule.TimeZone}\" is not a known IANA zone (e.g. \"America/New_York\").");
            }
            catch (InvalidTimeZoneException)
            {
                failures.Add($"{label}: TimeZone \"{rule.TimeZone}\" could not be read on this machine.");
            }
        }
    }

    private static bool IsWord(string value) =>
        value.Length > 0 && !value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '$' or '{' or '}' or ',' or '\'' or '"');
}
