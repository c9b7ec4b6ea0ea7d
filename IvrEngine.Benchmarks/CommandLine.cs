using System.Globalization;

namespace IvrEngine.Benchmarks;

/// <summary>A usage error: the message is printed with the usage text and the process exits with code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>Strict parsing of the few options each command takes: <c>--name value</c> pairs, each known and given once.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);

    private CommandLine(List<string> positionals) => Positionals = positionals;

    public IReadOnlyList<string> Positionals { get; }

    public static CommandLine Parse(ReadOnlySpan<string> args, IReadOnlyCollection<string> allowedOptions, int positionals)
    {
        var rest = new List<string>();
        var line = new CommandLine(rest);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (!allowedOptions.Contains(arg)) throw new UsageException($"Unknown option '{arg}'.");
                if (i + 1 >= args.Length) throw new UsageException($"Option '{arg}' needs a value.");
                if (!line._options.TryAdd(arg, args[++i])) throw new UsageException($"Option '{arg}' is given twice.");
            }
            else
            {
                rest.Add(arg);
            }
        }

        if (rest.Count != positionals)
        {
            throw new UsageException(positionals == 0
                ? $"Unexpected argument '{rest[0]}'."
                : $"Expected {positionals} argument(s), got {rest.Count}.");
        }

        return line;
    }

    public string? Get(string name) => _options.GetValueOrDefault(name);

    public int GetInt(string name, int fallback, int min, int max)
    {
        if (!_options.TryGetValue(name, out var text)) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"Option '{name}' wants a whole number from {min} to {max}, got '{text}'.");
        }

        return value;
    }

    public double GetDouble(string name, double fallback, double min, double max)
    {
        if (!_options.TryGetValue(name, out var text)) return fallback;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new UsageException($"Option '{name}' wants a number from {min} to {max}, got '{text}'.");
        }

        return value;
    }
}
