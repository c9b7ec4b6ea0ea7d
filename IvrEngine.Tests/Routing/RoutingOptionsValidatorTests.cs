using FluentAssertions;
using IvrEngine.Routing;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace IvrEngine.Tests.Routing;

/// <summary>The rules are checked at start with messages an admin can act on.</summary>
public sealed class RoutingOptionsValidatorTests
{
    private static List<string> Check(params RoutingRule[] rules)
    {
        var options = new RoutingOptions();
        foreach (var rule in rules) options.Rules.Add(rule);
        return RoutingOptionsValidator.Check(options);
    }

    private static RoutingRule General => new() { Name = "general", Queue = "general" };

    [Fact]
    public void No_rules_is_valid_routing_is_off()
    {
        Check().Should().BeEmpty();
    }

    [Fact]
    public void The_shipped_settings_are_valid()
    {
        var configuration = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build();
        var options = new RoutingOptions();
        configuration.GetSection(RoutingOptions.Section).Bind(options);

        options.Rules.Select(r => r.Name).Should().Equal("vip", "manager", "overdue", "spanish", "self-service", "general");
        RoutingOptionsValidator.Check(options).Should().BeEmpty();
    }

    [Fact]
    public void Names_must_be_given_and_unique()
    {
        Check(new RoutingRule { Queue = "a", CtiCodes = { "V" } }, new RoutingRule { Name = "GENERAL", Queue = "a", CtiCodes = { "E" } }, General)
            .Should().Equal(
                "Routing:Rules:0 has no Name: give each rule a short name (it rides on the call as ivr_route_rule).",
                "Routing:Rules:2 ('general'): another rule has the name 'general'; names must be unique.");
    }

    [Fact]
    public void A_rule_needs_one_action()
    {
        Check(new RoutingRule { Name = "none", CtiCodes = { "V" } },
                new RoutingRule { Name = "both", SelfService = true, Queue = "vip", CtiCodes = { "V" } },
                new RoutingRule { Name = "manager", ManagerFirst = true, CtiCodes = { "V" } },
                General)
            .Should().Equal(
                "Routing:Rules:0 ('none') has no action: give a Queue (and a Priority), ManagerFirst with a Queue, or SelfService: true.",
                "Routing:Rules:1 ('both'): SelfService keeps the caller in the IVR; it takes no Queue, Priority or ManagerFirst.",
                "Routing:Rules:2 ('manager'): ManagerFirst needs a Queue to fall back to when the manager does not answer.");
    }

    [Fact]
    public void The_default_comes_last_and_only_last()
    {
        Check(General, new RoutingRule { Name = "vip", Queue = "vip", CtiCodes = { "V" } })
            .Should().Equal(
                "Routing:Rules:0 ('general') has no conditions, so it takes every call and the rules after it never apply; move it to the end (the default) or give it a condition.",
                "Routing:Rules:1 ('vip') is the last rule and has conditions: end the list with a default rule without conditions (e.g. Name \"general\", Queue \"general\").");
    }

    [Fact]
    public void Bad_values_are_named()
    {
        Check(new RoutingRule { Name = "x", Queue = "a b", Priority = -1, CtiCodes = { "Q" }, Hours = "8-18", TimeZone = "Mars/Olympus" }, General)
            .Should().Equal(
                "Routing:Rules:0 ('x'): Queue \"a b\" must be a queue name, one word without spaces or $.",
                "Routing:Rules:0 ('x'): Priority -1 is out of range; give 0 to 1000000 (seconds of head start in the queue, e.g. 600).",
                "Routing:Rules:0 ('x'): CtiCodes \"Q\" is not a CTI code; use N, E, R, V or T.",
                "Routing:Rules:0 ('x'): Hours \"8-18\" is not a range of times like \"08:00-18:00\".",
                "Routing:Rules:0 ('x'): TimeZone \"Mars/Olympus\" is not a known IANA zone (e.g. \"America/New_York\").");
    }

    [Fact]
    public void A_manager_first_default_is_refused()
    {
        Check(new RoutingRule { Name = "general", ManagerFirst = true, Queue = "general" })
            .Should().Equal("Routing:Rules:0 ('general') is the default rule and ManagerFirst applies only to clients with a manager: give the default a Queue without ManagerFirst.");
    }
}
