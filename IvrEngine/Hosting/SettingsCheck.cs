using System.Collections;
using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using IvrEngine.Ivr;
using IvrEngine.Profiles;
using IvrEngine.Routing;
using IvrEngine.Statistics;
using IvrEngine.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace IvrEngine.Hosting;

/// <summary>Checks, before anything is bound, that every key under the engine's sections names a setting and every
/// value converts to its setting's type. The configuration binder throws for a bad value outside a list (a crash
/// deep in the start) and silently drops a list element whose value does not convert (a routing rule with
/// <c>Priority=high</c> vanished); this check walks the configuration against the options types the way the binder
/// does and reports every problem by its full key, so a wrong setting stops the start with a plain message.</summary>
internal static class SettingsCheck
{
    /// <summary>The sections the engine binds and the options types bound from each (a section may feed several).
    /// A type bound from configuration and missing here is caught by a test.</summary>
    public static readonly IReadOnlyList<(string Section, Type Options)> Sections =
    [
        (EngineOptions.Section, typeof(EngineOptions)),
        (StoreOptions.Section, typeof(StoreOptions)),
        (StoreOptions.Section, typeof(DemoDataOptions)),
        (FlowsOptions.Section, typeof(FlowsOptions)),
        (RoutingOptions.Section, typeof(RoutingOptions)),
        (ClassificationOptions.Section, typeof(ClassificationOptions)),
        (WebOptions.Section, typeof(WebOptions)),
        (FirstAdminOptions.Section, typeof(FirstAdminOptions)),
        (StatisticsOptions.Section, typeof(StatisticsOptions)),
        (TelemetryOptions.Section, typeof(TelemetryOptions)),
        (DialerOptions.Section, typeof(DialerOptions)),
    ];

    /// <summary>Throws <see cref="OptionsValidationException"/> with every problem when the configuration has any.</summary>
    public static void ThrowIfInvalid(IConfiguration configuration)
    {
        var failures = Check(configuration);
        if (failures.Count > 0) throw new OptionsValidationException(Options.DefaultName, typeof(SettingsCheck), failures);
    }

    /// <summary>Every problem of the engine's sections, one message each naming the full key; empty when none.</summary>
    public static IReadOnlyList<string> Check(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var failures = new List<string>();
        foreach (var group in Sections.GroupBy(s => s.Section, StringComparer.OrdinalIgnoreCase))
        {
            var section = configuration.GetSection(group.Key);
            // A nested section bound on its own (Web:Admin) is checked against its own type, not its parent's.
            var nested = Sections.Where(s => s.Section.StartsWith(group.Key + ":", StringComparison.OrdinalIgnoreCase)).Select(s => s.Section).ToList();
            CheckObject(section, [.. group.Select(g => g.Options)], nested, failures);
        }

        return failures;
    }

    private static void CheckObject(IConfigurationSection section, Type[] types, List<string> nested, List<string> failures)
    {
        if (section.Value is { Length: > 0 } stray && !section.GetChildren().Any())
        {
            failures.Add($"{section.Path} is a group of settings, not a value (\"{stray}\"); give its keys, e.g. {section.Path}:{SettingNames(types).FirstOrDefault()}.");
            return;
        }

        foreach (var child in section.GetChildren())
        {
            if (nested.Any(n => string.Equals(n, child.Path, StringComparison.OrdinalIgnoreCase))) continue;
            var property = types.Select(t => Setting(t, child.Key)).FirstOrDefault(p => p is not null);
            if (property is null)
            {
                var names = SettingNames(types).ToList();
                var guess = Closest(child.Key, names);
                failures.Add($"{child.Path} is not a setting" + (guess is null
                    ? $"; the settings of {section.Path} are {string.Join(", ", names)}."
                    : $"; did you mean {section.Path}:{guess}?"));
                continue;
            }

            CheckValue(child, property.PropertyType, failures);
        }
    }

    private static void CheckValue(IConfigurationSection section, Type type, List<string> failures)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (IsValue(target))
        {
            if (section.GetChildren().Any())
            {
                failures.Add($"{section.Path} takes one value, not a group of settings ({string.Join(", ", section.GetChildren().Select(c => c.Path))}).");
                return;
            }

            if (section.Value is null || target == typeof(string)) return;
            if (section.Value.Length == 0 && target != type) return; // empty: a nullable setting left unset
            if (!Converts(target, section.Value))
            {
                failures.Add($"{section.Path} \"{section.Value}\" is not {Describe(target)}.");
            }

            return;
        }

        if (DictionaryValueType(target) is { } valueType)
        {
            foreach (var entry in section.GetChildren()) CheckValue(entry, valueType, failures);
            return;
        }

        if (ElementType(target) is { } elementType)
        {
            foreach (var element in section.GetChildren())
            {
                if (!int.TryParse(element.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    failures.Add($"{element.Path}: a list's items are numbered from 0 ({section.Path}:0, {section.Path}:1, ...), not named \"{element.Key}\".");
                    continue;
                }

                CheckValue(element, elementType, failures);
            }

            return;
        }

        CheckObject(section, [target], [], failures);
    }

    /// <summary>A type the binder reads from one string (numbers, bool, enums, TimeSpan, string, ...).</summary>
    private static bool IsValue(Type type)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        return target == typeof(string) || target.IsPrimitive || target.IsEnum || target == typeof(decimal)
            || (TypeDescriptor.GetConverter(target).CanConvertFrom(typeof(string)) && !typeof(IEnumerable).IsAssignableFrom(target) && !IsSettingsClass(target));
    }

    /// <summary>One of the engine's own settings classes (a group of settings, whatever converter it may have).</summary>
    private static bool IsSettingsClass(Type type) =>
        type.IsClass && type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Length > 0 && type.Namespace?.StartsWith("IvrEngine", StringComparison.Ordinal) == true;

    private static bool Converts(Type type, string value)
    {
        try
        {
            // The binder's own conversion: the type's converter with the invariant culture.
            _ = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(value);
            return true;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or NotSupportedException or OverflowException)
        {
            return false;
        }
    }

    private static string Describe(Type type) =>
        type == typeof(bool) ? "true or false"
        : type == typeof(int) || type == typeof(long) || type == typeof(short) ? "a whole number"
        : type == typeof(decimal) || type == typeof(double) || type == typeof(float) ? "a number (with a '.' for decimals)"
        : type == typeof(TimeSpan) ? "a duration such as 00:30:00 or 1.00:00:00"
        : type.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(type))
        : "a " + type.Name;

    /// <summary>The settable property the binder would bind for <paramref name="key"/> (names compared ignoring case).</summary>
    private static PropertyInfo? Setting(Type type, string key) =>
        Settings(type).FirstOrDefault(p => string.Equals(p.Name, key, StringComparison.OrdinalIgnoreCase));

    private static IEnumerable<string> SettingNames(Type[] types) => types.SelectMany(Settings).Select(p => p.Name).Distinct(StringComparer.Ordinal);

    /// <summary>What the binder binds: public properties with a public setter, and get-only lists, dictionaries and
    /// objects it fills in place. Computed values (a bool, a read-only list without a setter) are not settings.</summary>
    private static IEnumerable<PropertyInfo> Settings(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetIndexParameters().Length == 0 && p.GetMethod?.IsPublic == true
                && (p.SetMethod?.IsPublic == true || FilledInPlace(p.PropertyType)));

    private static bool FilledInPlace(Type type) =>
        !IsValue(type) && (ElementType(type) is null || !type.IsArray && Implements(type, typeof(ICollection<>)));

    private static bool Implements(Type type, Type generic) =>
        (type.IsGenericType && type.GetGenericTypeDefinition() == generic) || type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == generic);

    private static Type? ElementType(Type type)
    {
        if (type.IsArray) return type.GetElementType();
        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>) ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>)) ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary is not null && dictionary.GetGenericArguments()[0] == typeof(string) ? dictionary.GetGenericArguments()[1] : null;
    }

    /// <summary>The name closest to <paramref name="key"/> when it is a likely typo (a few edits, or one contains the other).</summary>
    internal static string? Closest(string key, IEnumerable<string> names)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var name in names)
        {
            var distance = Distance(key.ToUpperInvariant(), name.ToUpperInvariant());
            if (distance < bestDistance)
            {
                best = name;
                bestDistance = distance;
            }
        }

        return best is not null && bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
