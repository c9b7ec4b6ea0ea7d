using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace IvrEngine.Tests.Conf;

/// <summary>One application the dialplan queued for a call: from an action, or an anti-action of a failed condition.</summary>
internal sealed record DialplanAction(string Extension, string Application, string Data, bool Anti);

/// <summary>
/// A small model of mod_dialplan_xml's hunt (FreeSWITCH 1.10, <c>parse_exten</c>): the extensions of a context are
/// tried in order; in an extension the conditions are tried in order, a condition that holds queues its actions
/// (with <c>$1</c>.. from its own expression), one that fails queues its anti-actions, and by default the first
/// failing condition ends the extension (<c>break="on-false"</c>). The first extension whose last tried condition held
/// ends the hunt unless it has <c>continue="true"</c>; anti-actions of failed extensions stay queued.
/// Conditions on <c>destination_number</c>, <c>caller_id_number</c> and <c>${variable}</c> are modelled; time and
/// multi-regex conditions are refused, so a test notices when the dialplan starts using them.
/// </summary>
internal sealed partial class XmlDialplan(XElement section)
{
    /// <summary>The actions the dialplan queues for a call to <paramref name="destination"/> in
    /// <paramref name="context"/>, with the channel <paramref name="variables"/> set.</summary>
    public IReadOnlyList<DialplanAction> Hunt(string context, string destination, IReadOnlyDictionary<string, string>? variables = null,
        string callerIdNumber = "15551234567")
    {
        var contextElement = section.Elements("context").FirstOrDefault(c => (string?)c.Attribute("name") == context)
            ?? throw new InvalidOperationException($"no context '{context}'");
        var queued = new List<DialplanAction>();
        foreach (var extension in contextElement.Elements("extension"))
        {
            var held = ParseExtension(extension, destination, callerIdNumber, variables ?? new Dictionary<string, string>(), queued);
            if (held && !string.Equals((string?)extension.Attribute("continue"), "true", StringComparison.OrdinalIgnoreCase)) break;
        }

        return queued;
    }

    private static bool ParseExtension(XElement extension, string destination, string callerIdNumber,
        IReadOnlyDictionary<string, string> variables, List<DialplanAction> queued)
    {
        var name = (string?)extension.Attribute("name") ?? string.Empty;
        var held = false;
        foreach (var condition in extension.Elements("condition"))
        {
            if (condition.Attribute("regex") is not null || condition.Elements("regex").Any()
                || condition.Attributes().Any(a => a.Name.LocalName is not ("field" or "expression" or "break" or "require-nested")))
            {
                throw new NotSupportedException($"extension {name}: only field/expression conditions are modelled");
            }

            var field = (string?)condition.Attribute("field");
            var expression = (string?)condition.Attribute("expression");
            Match? match = null;
            if (field is null)
            {
                held = true;
            }
            else
            {
                var value = FieldValue(field, destination, callerIdNumber, variables);
                match = Regex.Match(value, expression ?? string.Empty, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
                held = match.Success;
            }

            var breakOn = (string?)condition.Attribute("break") ?? "on-false";
            if (held)
            {
                foreach (var action in condition.Elements("action"))
                {
                    queued.Add(new DialplanAction(name, (string)action.Attribute("application")!,
                        Substitute((string?)action.Attribute("data") ?? string.Empty, match), Anti: false));
                }

                if (breakOn is "on-true" or "always") break;
            }
            else
            {
                foreach (var action in condition.Elements("anti-action"))
                {
                    queued.Add(new DialplanAction(name, (string)action.Attribute("application")!,
                        (string?)action.Attribute("data") ?? string.Empty, Anti: true));
                }

                if (breakOn is "on-false" or "always") break;
            }
        }

        return held;
    }

    private static string FieldValue(string field, string destination, string callerIdNumber, IReadOnlyDictionary<string, string> variables)
    {
        if (field == "destination_number") return destination;
        if (field == "caller_id_number") return callerIdNumber;
        var variable = VariableField().Match(field);
        if (variable.Success) return variables.TryGetValue(variable.Groups[1].Value, out var value) ? value : string.Empty;
        throw new NotSupportedException($"condition field '{field}' is not modelled");
    }

    /// <summary>FreeSWITCH's substitution of <c>$1</c>..<c>$9</c> by the condition's captures.</summary>
    private static string Substitute(string data, Match? match)
    {
        if (match is null) return data;
        var result = new StringBuilder(data.Length);
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] == '$' && i + 1 < data.Length && char.IsAsciiDigit(data[i + 1]))
            {
                var group = int.Parse(data[i + 1].ToString(), CultureInfo.InvariantCulture);
                result.Append(group < match.Groups.Count ? match.Groups[group].Value : string.Empty);
                i++;
                continue;
            }

            result.Append(data[i]);
        }

        return result.ToString();
    }

    [GeneratedRegex(@"^\$\{([A-Za-z0-9_]+)\}$")]
    private static partial Regex VariableField();
}
