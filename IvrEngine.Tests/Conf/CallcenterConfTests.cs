using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace IvrEngine.Tests.Conf;

/// <summary>callcenter.conf.xml has every queue the flows use, and its agents and tiers hold together with the
/// directory.</summary>
public sealed partial class CallcenterConfTests
{
    private static readonly FreeSwitchConf Conf = FreeSwitchConf.Load();

    private static XElement Callcenter => Conf.Configuration("callcenter.conf");

    private static List<string> QueueNames() =>
        [.. Callcenter.Element("queues")!.Elements("queue").Select(q => (string)q.Attribute("name")!)];

    private static List<XElement> Agents() => [.. Callcenter.Element("agents")!.Elements("agent")];

    private static List<XElement> Tiers() => [.. Callcenter.Element("tiers")!.Elements("tier")];

    private static HashSet<string> DirectoryUsers() =>
        [.. Conf.Section("directory").Descendants("user").Select(u => (string)u.Attribute("id")!)];

    [Fact]
    public void Every_queue_a_flow_transfers_to_exists_as_name_at_default()
    {
        var queues = QueueNames();
        foreach (var (file, target) in FlowTransfers.Queues())
        {
            queues.Should().Contain($"{target}@default", $"{file} transfers to the queue {target}");
        }
    }

    [Fact]
    public void The_demo_queues_exist()
    {
        QueueNames().Should().BeEquivalentTo(
            ["general@default", "vip@default", "collections@default", "spanish@default", "dispatch@default",
             "appointments@default", "results@default", "operator@default"]);
    }

    [Fact]
    public void Every_agent_a_flow_transfers_to_has_a_phone_in_the_directory()
    {
        var users = DirectoryUsers();
        foreach (var (file, target) in FlowTransfers.Agents())
        {
            users.Should().Contain(target, $"{file} transfers to the agent {target} (agent_{target} rings user/{target})");
        }
    }

    [Fact]
    public void Every_queue_distributes_calls_to_the_longest_idle_agent_with_hold_music_and_keeps_no_abandoned_caller_forever()
    {
        foreach (var queue in Callcenter.Element("queues")!.Elements("queue"))
        {
            var name = (string)queue.Attribute("name")!;
            var settings = FreeSwitchConf.Params(queue);
            settings["strategy"].Should().Be("longest-idle-agent", name);
            settings["moh-sound"].Should().NotBeNullOrWhiteSpace(name);
            settings["tier-rules-apply"].Should().Be("true", name);
            int.Parse(settings["discard-abandoned-after"], System.Globalization.CultureInfo.InvariantCulture).Should().BePositive(name);
        }
    }

    [Fact]
    public void The_general_queue_never_lets_a_caller_go_unserved()
    {
        var general = FreeSwitchConf.Params(Callcenter.Element("queues")!.Elements("queue")
            .Single(q => (string?)q.Attribute("name") == "general@default"));

        general["max-wait-time"].Should().Be("0");
        general["max-wait-time-with-no-agent"].Should().Be("0");
    }

    [Fact]
    public void Every_tier_names_a_known_agent_and_queue_and_every_queue_and_agent_has_a_tier()
    {
        var agents = Agents().Select(a => (string)a.Attribute("name")!).ToHashSet();
        var queues = QueueNames().ToHashSet();
        var tiers = Tiers();

        foreach (var tier in tiers)
        {
            agents.Should().Contain((string)tier.Attribute("agent")!);
            queues.Should().Contain((string)tier.Attribute("queue")!);
            ((string)tier.Attribute("level")!).Should().MatchRegex("^[12]$");
        }

        tiers.Select(t => ((string)t.Attribute("agent")!, (string)t.Attribute("queue")!)).Should().OnlyHaveUniqueItems();
        queues.Should().OnlyContain(q => tiers.Any(t => (string?)t.Attribute("queue") == q && (string?)t.Attribute("level") == "1"),
            "every queue has a first-level agent");
        agents.Should().OnlyContain(a => tiers.Any(t => (string?)t.Attribute("agent") == a));
    }

    [Fact]
    public void The_vip_agents_serve_vip_first_and_general_second_and_a_spanish_speaker_serves_spanish()
    {
        string? Level(string agent, string queue) => Tiers()
            .SingleOrDefault(t => (string?)t.Attribute("agent") == agent && (string?)t.Attribute("queue") == queue)
            ?.Attribute("level")?.Value;

        foreach (var vip in new[] { "1001@default", "1002@default" })
        {
            Level(vip, "vip@default").Should().Be("1");
            Level(vip, "general@default").Should().Be("2");
        }

        Level("1005@default", "spanish@default").Should().Be("1");
        Level("1004@default", "collections@default").Should().Be("1");
    }

    [Fact]
    public void Every_agent_is_called_back_on_a_phone_of_the_directory()
    {
        var users = DirectoryUsers();
        var agents = Agents();
        agents.Select(a => (string)a.Attribute("name")!).Should().Equal(
            "1001@default", "1002@default", "1003@default", "1004@default", "1005@default", "1006@default");

        foreach (var agent in agents)
        {
            var name = (string)agent.Attribute("name")!;
            agent.Attribute("type")!.Value.Should().Be("callback");
            var contact = (string)agent.Attribute("contact")!;
            var user = ContactUser().Match(contact);
            user.Success.Should().BeTrue($"{name}'s contact '{contact}' dials a directory user");
            users.Should().Contain(user.Groups[1].Value);
            user.Groups[2].Value.Should().Be("127.0.0.1", "the directory's domain");
            name.Should().StartWith(user.Groups[1].Value + "@", "an agent is named after its phone");
        }
    }

    [GeneratedRegex(@"^(?:\[[^\]]*\])?user/([0-9]+)@(.+)$")]
    private static partial Regex ContactUser();
}
