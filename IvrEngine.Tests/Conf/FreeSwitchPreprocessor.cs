using System.Text;

namespace IvrEngine.Tests.Conf;

/// <summary>
/// Assembles a FreeSWITCH XML configuration the way FreeSWITCH 1.10's preprocessor does (switch_xml.c,
/// <c>preprocess</c>), so the tests see the document FreeSWITCH would parse:
/// <list type="bullet">
/// <item>files are read line by line; in each line every <c>$${name}</c> is replaced by the global variable (an
/// unknown one by nothing);</item>
/// <item>a line holding <c>&lt;include&gt;</c>, <c>&lt;/include&gt;</c> or <c>&lt;?</c> is dropped (the wrapper of
/// included files, XML declarations);</item>
/// <item>a line holding the preprocessor tag runs it (set, env-set, exec-set, include), even inside an XML comment,
/// and the whole line is dropped (also when the tag is not preceded by <c>&lt;</c>, then without running it);</item>
/// <item><c>include</c> is a glob relative to the folder of the including file (the configuration folder for
/// freeswitch.xml), matches in name order, none is not an error.</item>
/// </list>
/// Commands of exec-set are not run: a stand-in gives their output.
/// </summary>
internal sealed class FreeSwitchPreprocessor
{
    private const string Tag = "X-pre-process";
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly Func<string, string?> _runCommand;

    /// <param name="environment">The process environment FreeSWITCH would see (env-set reads it).</param>
    /// <param name="runCommand">Stands in for the shell of exec-set: the command's output, or null when it fails.</param>
    public FreeSwitchPreprocessor(IReadOnlyDictionary<string, string> environment, Func<string, string?> runCommand)
    {
        _environment = environment;
        _runCommand = runCommand;
    }

    /// <summary>Global variables; FreeSWITCH keeps them in an event, whose header names ignore case.</summary>
    public Dictionary<string, string> Globals { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Each global variable and how it was last given: <c>set</c>, <c>env-set</c> or <c>exec-set</c>.</summary>
    public Dictionary<string, string> GlobalSources { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>$${name}</c> references to variables that were not set (FreeSWITCH puts nothing there).</summary>
    public List<string> UndefinedReferences { get; } = [];

    /// <summary>Include patterns that matched no file.</summary>
    public List<string> EmptyIncludes { get; } = [];

    /// <summary>Every file read, in order.</summary>
    public List<string> Files { get; } = [];

    /// <summary>The commands exec-set would have run.</summary>
    public List<string> Commands { get; } = [];

    /// <summary>Preprocesses <c>freeswitch.xml</c> of <paramref name="confDir"/> into one document's text.</summary>
    public string Run(string confDir)
    {
        var output = new StringBuilder();
        Process(confDir, Path.Combine(confDir, "freeswitch.xml"), output, 0);
        return output.ToString();
    }

    private void Process(string cwd, string file, StringBuilder output, int level)
    {
        if (level > 100) throw new InvalidOperationException($"include nesting over 100 levels at {file}");
        Files.Add(Path.GetFullPath(file));
        foreach (var raw in ReadLines(file))
        {
            var line = Expand(raw);
            if (raw.Contains("<include>", StringComparison.Ordinal) || raw.Contains("</include>", StringComparison.Ordinal)
                || raw.Contains("<?", StringComparison.Ordinal))
            {
                continue;
            }

            var tag = line.IndexOf(Tag, StringComparison.OrdinalIgnoreCase);
            if (tag >= 0)
            {
                // The whole line goes: FreeSWITCH cuts the line after the tag's "/>" and writes what is left of
                // it, which is nothing.
                if (tag == 0 || line[tag - 1] != '<') continue;
                RunTag(cwd, line[tag..], output, level);
                continue;
            }

            if (line.Contains("<!--#", StringComparison.Ordinal))
            {
                throw new NotSupportedException($"{file}: '<!--#' preprocessor comments are not modelled here; use XML comments");
            }

            output.Append(line);
        }
    }

    private static IEnumerable<string> ReadLines(string file)
    {
        var text = File.ReadAllText(file);
        var start = 0;
        while (start < text.Length)
        {
            var end = text.IndexOf('\n', start);
            var next = end < 0 ? text.Length : end + 1;
            yield return text[start..next];
            start = next;
        }
    }

    /// <summary>Reads <c>cmd="..."</c> then <c>data="..."</c> after it, as FreeSWITCH does (no XML parsing: the first
    /// double quote closes a value).</summary>
    private void RunTag(string cwd, string tag, StringBuilder output, int level)
    {
        if (!TryValue(tag, "cmd", 0, out var command, out var afterCommand)) return;
        if (!TryValue(tag, "data", afterCommand, out var data, out _)) return;

        switch (command.ToUpperInvariant())
        {
            case "SET":
                var eq = data.IndexOf('=', StringComparison.Ordinal);
                if (eq >= 0) SetGlobal(data[..eq].TrimEnd(' '), data[(eq + 1)..].TrimStart(' '), "set");
                break;
            case "ENV-SET":
                var envEq = data.IndexOf('=', StringComparison.Ordinal);
                if (envEq >= 0 && envEq + 1 < data.Length && data[envEq + 1] == '$'
                    && _environment.TryGetValue(data[(envEq + 2)..], out var fromEnvironment))
                {
                    SetGlobal(data[..envEq], fromEnvironment, "env-set");
                }

                break;
            case "EXEC-SET":
                var execEq = data.IndexOf('=', StringComparison.Ordinal);
                if (execEq < 0) break;
                var commandLine = data[(execEq + 1)..].TrimStart(' ');
                Commands.Add(commandLine);
                var result = _runCommand(commandLine)?.TrimEnd(' ', '\n');
                if (!string.IsNullOrEmpty(result)) SetGlobal(data[..execEq].TrimEnd(' '), result, "exec-set");
                break;
            case "INCLUDE":
                Include(cwd, data, output, level + 1);
                break;
            default:
                throw new NotSupportedException($"preprocessor command '{command}' is not modelled here");
        }
    }

    private static bool TryValue(string text, string name, int from, out string value, out int after)
    {
        value = string.Empty;
        after = from;
        var at = text.IndexOf(name, from, StringComparison.OrdinalIgnoreCase);
        if (at < 0) return false;
        var eq = text.IndexOf('=', at);
        if (eq < 0) return false;
        var open = text.IndexOf('"', eq);
        if (open < 0) return false;
        var close = text.IndexOf('"', open + 1);
        value = close < 0 ? text[(open + 1)..] : text[(open + 1)..close];
        after = close < 0 ? text.Length : close + 1;
        return true;
    }

    private void Include(string cwd, string pattern, StringBuilder output, int level)
    {
        var full = Path.IsPathRooted(pattern) ? pattern : Path.Combine(cwd, pattern);
        var folder = Path.GetDirectoryName(full)!;
        var namePattern = Path.GetFileName(full);
        if (folder.IndexOfAny(['*', '?', '[']) >= 0)
        {
            throw new NotSupportedException($"wildcards in folder names are not modelled here: {pattern}");
        }

        string[] matches = !Directory.Exists(folder)
            ? []
            : namePattern.IndexOfAny(['*', '?', '[']) >= 0
                ? Directory.GetFiles(folder, namePattern)
                : File.Exists(full) ? [full] : [];
        if (matches.Length == 0)
        {
            EmptyIncludes.Add(full);
            return;
        }

        Array.Sort(matches, StringComparer.Ordinal);
        foreach (var match in matches)
        {
            Process(Path.GetDirectoryName(match)!, match, output, level);
        }
    }

    private void SetGlobal(string name, string value, string source)
    {
        Globals[name] = value;
        GlobalSources[name] = source;
    }

    private string Expand(string line)
    {
        if (!line.Contains("$${", StringComparison.Ordinal)) return line;
        var result = new StringBuilder(line.Length);
        var i = 0;
        while (i < line.Length)
        {
            if (i + 2 < line.Length && line[i] == '$' && line[i + 1] == '$' && line[i + 2] == '{')
            {
                var end = EndOfBraces(line, i + 2);
                if (end > 0)
                {
                    var name = line[(i + 3)..end];
                    if (Globals.TryGetValue(name, out var value)) result.Append(value);
                    else UndefinedReferences.Add(name);
                    i = end + 1;
                    continue;
                }
            }

            result.Append(line[i]);
            i++;
        }

        return result.ToString();
    }

    private static int EndOfBraces(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return i;
        }

        return -1;
    }
}
