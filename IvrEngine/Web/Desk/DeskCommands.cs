using System.Globalization;
using System.Text.RegularExpressions;
using IvrEngine.EventSocket;

namespace IvrEngine.Web.Desk;

/// <summary>What the desk asks of mod_callcenter over the engine's inbound connection.</summary>
public sealed partial class DeskCommands(Func<EslInboundClient?> client, TimeSpan? timeout = null)
{
    /// <summary>The statuses an agent may be set to (mod_callcenter's own names).</summary>
    public static readonly IReadOnlySet<string> Statuses = new HashSet<string>(StringComparer.Ordinal)
    {
        "Available", "On Break", "Logged Out", "Available (On Demand)",
    };

    private readonly TimeSpan _timeout = timeout ?? TimeSpan.FromSeconds(5);

    /// <summary>Whether <paramref name="agent"/> is a mod_callcenter agent name this engine accepts (name@domain).</summary>
    public static bool IsAgentName(string? agent) => agent is not null && AgentName().IsMatch(agent);

    /// <summary><c>callcenter_config agent set status &lt;agent&gt; '&lt;status&gt;'</c>: null when FreeSWITCH said +OK, else
    /// the reason in plain words (a bad name or status, FreeSWITCH's refusal, no connection).</summary>
    public async Task<string?> SetAgentStatusAsync(string agent, string status, CancellationToken cancellationToken = default)
    {
        if (!IsAgentName(agent)) return "the agent name must look like 1001@default";
        if (status is null || !Statuses.Contains(status)) return $"the status must be one of {string.Join(", ", Statuses.Select(s => $"'{s}'"))}";
        if (client() is not { } inbound) return "FreeSWITCH cannot be reached: the inbound connection is off";
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_timeout);
        try
        {
            var reply = await inbound.ApiAsync($"callcenter_config agent set status {agent} '{status}'", limit.Token).ConfigureAwait(false);
            var text = reply.Body.Trim();
            return text.StartsWith("+OK", StringComparison.Ordinal) ? null : $"FreeSWITCH refused: {(text.Length == 0 ? "no reply" : text)}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return "FreeSWITCH cannot be reached: no answer in time";
        }
        catch (Exception ex) when (ex is EslConnectionClosedException or IOException)
        {
            return "FreeSWITCH cannot be reached: " + ex.Message;
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
