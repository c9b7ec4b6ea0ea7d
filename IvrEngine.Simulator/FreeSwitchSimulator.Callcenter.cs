using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace IvrEngine.Simulator;

/// <summary>The part of mod_callcenter's <c>callcenter_config</c> API the engine uses: <c>agent list</c> and
/// <c>agent set status</c>, as FreeSWITCH 1.10.12 answers them.</summary>
public sealed partial class FreeSwitchSimulator
{
    private static readonly string[] s_statuses = ["Logged Out", "Available", "Available (On Demand)", "On Break"];
    private ConcurrentDictionary<string, string>? _agentStatuses;

    private ConcurrentDictionary<string, string> AgentStatuses =>
        LazyInitializer.EnsureInitialized(ref _agentStatuses, () => new ConcurrentDictionary<string, string>(
            Options.CallcenterAgents.Select(a => KeyValuePair.Create(a, "Available")), StringComparer.Ordinal));

    /// <summary>Sets an agent's status as an admin at fs_cli would (<c>callcenter_config agent set status</c>); returns
    /// FreeSWITCH's answer.</summary>
    public string SetAgentStatus(string agent, string status) => CallcenterConfig($"agent set status {agent} '{status}'");

    private string CallcenterConfig(string arg)
    {
        var words = arg.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
        if (words is ["agent", "list", ..])
        {
            var list = new StringBuilder("name|instance_id|uuid|type|contact|status|state|max_no_answer|wrap_up_time|reject_delay_time|"
                + "busy_delay_time|no_answer_delay_time|last_bridge_start|last_bridge_end|last_offered_call|last_status_change|"
                + "no_answer_count|calls_answered|talk_time|ready_time|external_calls_count\n");
            var started = Options.Time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            foreach (var agent in Options.CallcenterAgents)
            {
                var user = agent.Split('@')[0];
                list.Append(CultureInfo.InvariantCulture,
                    $"{agent}|single_box||callback|[leg_timeout=15]user/{user}@{Options.IPv4}|{AgentStatuses[agent]}|Waiting|3|10|10|30|10|0|0|0|{started}|0|0|0|0|0\n");
            }

            return list.Append("+OK\n").ToString();
        }

        if (words is ["agent", "set", "status", var rest])
        {
            var space = rest.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0) return "-ERR Invalid usage!\n";
            var agent = rest[..space];
            var status = rest[(space + 1)..].Trim().Trim('\'');
            if (!AgentStatuses.ContainsKey(agent)) return "-ERR Agent not found!\n";
            if (!s_statuses.Contains(status, StringComparer.Ordinal)) return "-ERR Invalid Agent Status!\n";
            AgentStatuses[agent] = status;
            var ev = new EslEvent("CUSTOM", 24) { Subclass = "callcenter::info" };
            ev.Add("Event-Subclass", "callcenter::info");
            ev.Add("Event-Name", "CUSTOM");
            AddCoreHeaders(ev, "mod_callcenter.c", "cc_agent_update", 1043);
            ev.Add("CC-Agent", agent);
            ev.Add("CC-Action", "agent-status-change");
            ev.Add("CC-Agent-Status", status);
            Publish(ev, null);
            return "+OK\n";
        }

        return "-ERR Unknown Command!\n";
    }
}
