using System.Globalization;
using System.Text.RegularExpressions;
using IvrEngine.EventSocket;

namespace IvrEngine.Web.Desk;

/// <summary>What the desk asks of mod_callcenter over the engine's inbound connections.</summary>
/// <param name="boxes">The FreeSWITCH boxes the engine is connected to.</param>
/// <param name="timeout">How long each box gets to answer (default 5 s).</param>
public sealed partial class DeskCommands(FreeSwitchBoxes boxes, TimeSpan? timeout = null)
{
    /// <summary>The statuses an agent may be set to (mod_callcenter's own names).</summary>
    public static readonly IReadOnlySet<string> Statuses = new HashSet<string>(StringComparer.Ordinal)
    {
        "Available", "On Break", "Logged Out", "Available (On Demand)",
    };

    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(5);

    /// <summary>Whether <paramref name="agent"/> is a mod_callcenter agent name this engine accepts (name@domain).</summary>
    public static bool IsAgentName(string? agent) => agent is not null && AgentName().IsMatch(agent);

    /// <summary><c>callcenter_config agent set status &lt;agent&gt; '&lt;status&gt;'</c> on every box whose agent list
    /// has the agent (on every box when none lists it yet): null when each such box said +OK, else the reason in plain
    /// words (a bad name or status, FreeSWITCH's refusal, no connection).</summary>
    public async Task<string?> SetAgentStatusAsync(string agent, string status, CancellationToken cancellationToken = default)
    {
        if (!IsAgentName(agent)) return "the agent name must look like 1001@default";
        if (status is null || !Statuses.Contains(status)) return $"the status must be one of {string.Join(", ", Statuses.Select(s => $"'{s}'"))}";
        if (boxes.All.Count == 0) return "FreeSWITCH cannot be reached: the inbound connection is off";
        var targets = boxes.All.Where(b => b.Agents.Contains(agent)).ToList();
        var known = targets.Count > 0;
        if (!known) targets = [.. boxes.All];
        var answers = await Task.WhenAll(targets.Select(box => SetOnBoxAsync(box, agent, status, cancellationToken))).ConfigureAwait(false);

        // An agent no box listed yet is set wherever a box takes it; a known one must be set on each of its boxes.
        if (!known && answers.Any(a => a is null)) return null;
        var failures = answers.Where(a => a is not null).ToList();
        return failures.Count == 0 ? null : string.Join("; ", failures);
    }

    private async Task<string?> SetOnBoxAsync(FreeSwitchBox box, string agent, string status, CancellationToken cancellationToken)
    {
        var where = boxes.All.Count > 1 ? $" (box {box.Name})" : string.Empty;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_timeout);
        try
        {
            var reply = await box.Client.ApiAsync($"callcenter_config agent set status {agent} '{status}'", limit.Token).ConfigureAwait(false);
            var text = reply.Body.Trim();
            return text.StartsWith("+OK", StringComparison.Ordinal) ? null : $"FreeSWITCH refused{where}: {(text.Length == 0 ? "no reply" : text)}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"FreeSWITCH cannot be reached{where}: no answer in time";
        }
        catch (Exception ex) when (ex is EslConnectionClosedException or IOException)
        {
            return $"FreeSWITCH cannot be reached{where}: " + ex.Message;
        }
    }

    /// <summary>Reads <c>callcenter_config agent list</c>: a header row of column names, one row per agent, all split by
    /// '|', then "+OK". Null when the text is not such a list (e.g. "-ERR ...").</summary>
    public static IReadOnlyList<DeskAgent>? ParseAgentList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || !lines[0].StartsWith("name|", StringComparison.Ordinal)) return null;
        var columns = lines[0].Split('|');
        int Column(string name) => Array.IndexOf(columns, name);
        int name = Column("name"), status = Column("status"), state = Column("state"), changed = Column("last_status_change");
        var agents = new List<DeskAgent>();
        foreach (var line in lines.Skip(1))
        {
            if (line.StartsWith("+OK", StringComparison.Ordinal)) break;
            var cells = line.Split('|');
            if (cells.Length != columns.Length || cells[name].Length == 0) continue;
            DateTimeOffset? since = changed >= 0 && long.TryParse(cells[changed], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) && epoch > 0
                ? DateTimeOffset.FromUnixTimeSeconds(epoch)
                : null;
            agents.Add(new DeskAgent(cells[name], status >= 0 ? cells[status] : null, state >= 0 ? cells[state] : null, since));
        }

        return agents;
    }

    [GeneratedRegex(@"\A[A-Za-z0-9._-]+@[A-Za-z0-9._-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex AgentName();
}
