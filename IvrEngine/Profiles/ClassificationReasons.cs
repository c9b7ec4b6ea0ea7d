using System.Globalization;
using System.Text;

namespace IvrEngine.Profiles;

/// <summary>Fills the placeholders of a rule's reason (<c>"overdue {overdue}"</c> -> <c>"overdue 120.50"</c>).</summary>
internal static class ClassificationReasons
{
    /// <summary>The placeholders a reason may hold.</summary>
    public static readonly IReadOnlyList<string> Placeholders =
        ["category", "overdue", "balance", "openOrders", "language", "dnis", "lastContactHours", "window"];

    /// <summary>The placeholder names in <paramref name="reason"/> that are not known, in order.</summary>
    public static IEnumerable<string> UnknownPlaceholders(string reason)
    {
        foreach (var (name, _, _) in Scan(reason))
        {
            if (!Placeholders.Contains(name, StringComparer.Ordinal))
            {
                yield return name;
            }
        }
    }

    /// <summary>The reason with its placeholders filled from what is known about the call.</summary>
    public static string Format(string reason, in ReasonContext context)
    {
        if (!reason.Contains('{', StringComparison.Ordinal))
        {
            return reason;
        }

        var text = new StringBuilder(reason.Length + 16);
        var from = 0;
        foreach (var (name, start, length) in Scan(reason))
        {
            text.Append(reason, from, start - from).Append(Value(name, context) ?? reason.Substring(start, length));
            from = start + length;
        }

        return text.Append(reason, from, reason.Length - from).ToString();
    }

    /// <summary>A duration as an agent reads it: <c>24 h</c>, <c>90 min</c>, <c>45 s</c>.</summary>
    public static string Duration(TimeSpan span)
    {
        var c = CultureInfo.InvariantCulture;
        if (span.Ticks % TimeSpan.TicksPerHour == 0)
        {
            return ((long)span.TotalHours).ToString(c) + " h";
        }

        if (span.Ticks % TimeSpan.TicksPerMinute == 0)
        {
            return ((long)span.TotalMinutes).ToString(c) + " min";
        }

        return span.TotalHours >= 1
            ? span.TotalHours.ToString("0.#", c) + " h"
            : ((long)Math.Round(span.TotalSeconds)).ToString(c) + " s";
    }

    private static string? Value(string name, in ReasonContext x)
    {
        var c = CultureInfo.InvariantCulture;
        return name switch
        {
            "category" => x.Card.Category,
            "overdue" => x.Card.OverdueAmount.ToString("0.00", c),
            "balance" => x.Card.Balance.ToString("0.00", c),
            "openOrders" => x.Card.OpenOrders.Count.ToString(c),
            "language" => x.Card.Language ?? "unknown",
            "dnis" => string.IsNullOrEmpty(x.Dnis) ? "unknown" : x.Dnis,
            "lastContactHours" => x.SinceLastContact is TimeSpan since
                ? ((long)Math.Max(0, since.TotalHours)).ToString(c)
                : "n/a",
            "window" => Duration(x.Window),
            _ => null,
        };
    }

    /// <summary>Each <c>{name}</c> in the text: the name, where it starts and its length with the braces.</summary>
    private static IEnumerable<(string Name, int Start, int Length)> Scan(string reason)
    {
        var i = 0;
        while ((i = reason.IndexOf('{', i)) >= 0)
        {
            var end = reason.IndexOf('}', i + 1);
            if (end < 0)
            {
                yield break;
            }

            var name = reason.Substring(i + 1, end - i - 1);
            if (name.Length > 0 && name.All(char.IsAsciiLetterOrDigit))
            {
                yield return (name, i, end - i + 1);
                i = end + 1;
            }
            else
            {
                i++;
            }
        }
    }
}

/// <summary>What a reason's placeholders are filled from.</summary>
internal readonly record struct ReasonContext(ClientCard Card, string? Dnis, TimeSpan? SinceLastContact, TimeSpan Window);
