using IvrEngine.EventSocket;
using IvrEngine.Web.Desk;

namespace IvrEngine.Tests.Web.Desk;

public sealed class DeskCommandsTests
{
    // callcenter_config agent list as FreeSWITCH 1.10.12 printed it (two of the six agents).
    private const string RealList =
        "name|instance_id|uuid|type|contact|status|state|max_no_answer|wrap_up_time|reject_delay_time|busy_delay_time|no_answer_delay_time|last_bridge_start|last_bridge_end|last_offered_call|last_status_change|no_answer_count|calls_answered|talk_time|ready_time|external_calls_count\n"
        + "1001@default|single_box||callback|[leg_timeout=15]user/1001@127.0.0.1|Available|Waiting|3|10|10|30|10|1796416877|1796416878|1796416877|1796416876|0|1|1|0|0\n"
        + "1002@default|single_box||callback|[leg_timeout=15]user/1002@127.0.0.1|Available (On Demand)|Idle|3|10|10|30|10|0|0|0|0|0|0|0|0|0\n"
        + "+OK\n";

    [Fact]
    public void The_agent_list_gives_each_agents_status_state_and_last_status_change()
    {
        DeskCommands.ParseAgentList(RealList).Should().Equal(
            new DeskAgent("1001@default", "Available", "Waiting", DateTimeOffset.FromUnixTimeSeconds(1796416876)),
            new DeskAgent("1002@default", "Available (On Demand)", "Idle", null));
    }

    [Theory]
    [InlineData("-ERR Unknown Command!\n")]
    [InlineData("")]
    public void Anything_but_the_list_is_not_read_as_one(string text) => DeskCommands.ParseAgentList(text).Should().BeNull();

    [Theory]
    [InlineData("1001@default", true)]
    [InlineData("agent.x-1_2@call-center.example", true)]
    [InlineData("1001", false)]
    [InlineData("1001@default' 'Available", false)]
    [InlineData("1001@default\nevent plain ALL", false)]
    [InlineData("1001@default\n", false)]
    [InlineData("", false)]
    public void Agent_names_are_name_at_domain_and_nothing_else(string agent, bool valid) => DeskCommands.IsAgentName(agent).Should().Be(valid);

    [Fact]
    public async Task Without_the_inbound_connection_setting_a_status_says_so()
    {
        var commands = new DeskCommands(FreeSwitchBoxes.None);

        (await commands.SetAgentStatusAsync("1001@default", "Available")).Should().Contain("inbound connection is off");
        (await commands.SetAgentStatusAsync("1001@default", "available")).Should().StartWith("the status must be one of");
    }
}
