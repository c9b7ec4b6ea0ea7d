using System.Text.RegularExpressions;
using IvrEngine.Calls;
using IvrEngine.Scripts;
using IvrEngine.Tests.Conf;

namespace IvrEngine.Tests.Contract;

/// <summary>The context contract is written once (<see cref="ContextContract"/>): no other production file spells an
/// <c>ivr_*</c> name, and the documentation's table says what the code's says.</summary>
public sealed partial class ContextContractTests
{
    /// <summary>A quoted text that starts like a context variable (<c>"ivr_flow"</c>, <c>"ivr_"</c>).</summary>
    [GeneratedRegex("\"ivr_")]
    private static partial Regex QuotedName();

    [GeneratedRegex(@"^\| `(?<name>ivr_[a-z_]+)` \| (?<cap>[^|]+) \| (?<by>[^|]+) \| (?<listed>[^|]+) \|", RegexOptions.Multiline)]
    private static partial Regex DocsRow();

    private static readonly string[] ProductionProjects = ["IvrEngine", "IvrEngine.Scripts"];

    [Fact]
    public void No_production_file_but_the_table_spells_a_context_variables_name()
    {
        var root = FreeSwitchConf.RepositoryRoot();
        var table = Path.Combine(root, "IvrEngine.Scripts", "ContextContract.cs");
        var offenders = ProductionProjects
            .SelectMany(project => Directory.EnumerateFiles(Path.Combine(root, project), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && f != table)
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(root, f), Line: i + 1, Text: line)))
            // The API tokens' prefix (Bearer ivr_...) is another thing that happens to be spelled alike.
            .Where(l => QuotedName().IsMatch(l.Text) && !l.Text.Contains("TokenPrefix = \"ivr_\";", StringComparison.Ordinal))
            .Select(l => $"{l.File}:{l.Line}: {l.Text.Trim()}")
            .ToList();

        offenders.Should().BeEmpty("a name written as a literal in a second place is a bug waiting for a rename: use ContextContract");
        File.ReadAllText(table).Should().MatchRegex(QuotedName().ToString(), "the guard looks for what the table holds");
    }

    [Fact]
    public void The_documentations_table_and_the_code_agree()
    {
        var page = File.ReadAllText(Path.Combine(FreeSwitchConf.RepositoryRoot(), "docs", "context-contract.md"));
        var documented = DocsRow().Matches(page)
            .Select(m => (Name: m.Groups["name"].Value, Cap: m.Groups["cap"].Value.Trim(), By: m.Groups["by"].Value.Trim(), Listed: m.Groups["listed"].Value.Trim()))
            .ToList();

        var code = ContextContract.Variables.Select(v => (v.Name, Cap: v.CapBytes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "—",
            By: SetBy(v.Source), Listed: v.ListedByDialplan ? "yes" : "no")).ToList();

        documented.Should().Equal(code, "docs/context-contract.md lists each variable once, in the table's order, with its cap, source and listing");
    }

    [Fact]
    public void The_engines_names_the_interpreters_and_the_budget_check_read_the_one_table()
    {
        ContextVariables.All.Concat(ContextVariables.SetByDialplan).Should().Equal(ContextContract.ListedByDialplan);
        ContextContract.Variables.Select(v => v.Name).Should().OnlyHaveUniqueItems().And.OnlyContain(n => n.StartsWith(ContextContract.Prefix, StringComparison.Ordinal));
        ContextContract.SetByRun.Should().OnlyContain(n => ContextContract.Find(n)!.CapBytes != null && ContextContract.Find(n)!.Source.HasFlag(ContextSource.Flow),
            "everything the interpreter fills has a cap it is cut to");
        ContextContract.Variables.Where(v => v.Source.HasFlag(ContextSource.AgentEdit)).Should().OnlyContain(v => v.CapBytes != null,
            "an agent's edit is cut to its variable's cap");
    }

    private static string SetBy(ContextSource source)
    {
        var parts = new List<string>();
        if (source.HasFlag(ContextSource.Engine)) parts.Add("engine");
        if (source.HasFlag(ContextSource.Flow)) parts.Add("flow");
        if (source.HasFlag(ContextSource.Dialplan)) parts.Add("dialplan");
        if (source.HasFlag(ContextSource.AgentEdit)) parts.Add("agent edit");
        return string.Join(", ", parts);
    }
}
