using System.Text;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace IvrEngine.Tests.Browser;

/// <summary>axe-core (Deque.AxeCore.Playwright, which carries it: nothing is fetched) run on a page with the WCAG 2.0
/// and 2.1 level A and AA rules. axe is injected with Playwright's evaluate, which the pages' Content-Security-Policy
/// does not block (CSP governs the page's own scripts, not the automation's).</summary>
internal static class Axe
{
    /// <summary>The rule tags run: WCAG 2.0 and 2.1, levels A and AA.</summary>
    public static readonly IReadOnlyList<string> Tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

    /// <summary>Runs axe on <paramref name="page"/> and fails with every violation (rule id, impact, help, and the
    /// failing nodes' selectors and why) when there is any.</summary>
    public static async Task ShouldHaveNoViolationsAsync(IPage page, string what)
    {
        var options = new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = [.. Tags] },
        };
        var result = await page.RunAxe(options);
        result.Passes.Should().NotBeEmpty($"axe checked {what} (some rule applied and passed)");
        Describe(result.Violations).Should().BeEmpty($"axe ({string.Join(", ", Tags)}) finds no violation on {what}");
    }

    /// <summary>One line per violation and one per failing node.</summary>
    public static string Describe(IEnumerable<AxeResultItem> violations)
    {
        var text = new StringBuilder();
        foreach (var violation in violations)
        {
            text.AppendLine($"{violation.Id} ({violation.Impact}): {violation.Help} [{violation.HelpUrl}]");
            foreach (var node in violation.Nodes)
            {
                var why = (node.Any ?? []).Concat(node.All ?? []).Concat(node.None ?? []).Select(c => c.Message);
                text.AppendLine($"    {node.Target}: {string.Join("; ", why)}");
            }
        }

        return text.ToString();
    }
}
