using IvrEngine.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IvrEngine.Tests.Hosting;

/// <summary>The start's check of the configuration (<see cref="SettingsCheck"/>) knows every options type the engine
/// binds, and reports each problem by its full key.</summary>
public sealed class SettingsCheckTests
{
    [Fact]
    public void Every_options_type_the_engine_binds_from_configuration_is_checked()
    {
        IServiceCollection? registered = null;
        using var host = EngineHost.Build(["--Engine:ListenPort=0", "--Web:Enabled=false", "--Store:Path=" + Path.Combine(Path.GetTempPath(), "unused.db")],
            services => registered = services);

        var bound = registered!
            .Where(d => d.ServiceType.IsGenericType && d.ServiceType.GetGenericTypeDefinition() == typeof(IConfigureOptions<>)
                && d.ImplementationInstance?.GetType() is { IsGenericType: true } t && t.GetGenericTypeDefinition() == typeof(NamedConfigureFromConfigurationOptions<>))
            .Select(d => d.ServiceType.GetGenericArguments()[0])
            .Where(t => t.Assembly == typeof(EngineHost).Assembly)
            .Distinct()
            .ToList();

        bound.Should().NotBeEmpty().And.OnlyContain(t => SettingsCheck.Sections.Any(s => s.Options == t),
            "a type bound from configuration and missing from SettingsCheck.Sections would not be checked");
        SettingsCheck.Sections.Select(s => s.Options).Should().BeSubsetOf(bound);
    }

    [Fact]
    public void The_shipped_appsettings_json_passes()
    {
        var shipped = new ConfigurationBuilder().SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json").Build();

        SettingsCheck.Check(shipped).Should().BeEmpty();
    }

    [Fact]
    public void Every_problem_is_reported_at_once_by_its_full_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Engine:ListenPort"] = "abc",
            ["Routing:Rules:0:Name"] = "vip",
            ["Routing:Rules:0:Priority"] = "high",
            ["Routing:Rules:0:CtiCodes:0"] = "V",
            ["Routing:Rules:1:Overdue"] = "sometimes",
            ["Flows:Budgets:SipHeaders:Headers:X-Tier"] = "ivr_tier",
            ["Classification:RepeatWindow"] = "1.00:00:00",
            ["Web:Admin:UserName"] = "root",
            ["Store:SeedDemoData"] = "true",
            ["Classification:EffectiveRules:0:Code"] = "X",
            ["Routing:Rules:0:IsUnconditional"] = "true",
            ["Unrelated:Anything"] = "is not the engine's",
        }).Build();

        var failures = SettingsCheck.Check(configuration);

        failures.Should().HaveCount(5).And.Contain(
        [
            "Engine:ListenPort \"abc\" is not a whole number.",
            "Routing:Rules:0:Priority \"high\" is not a whole number.",
            "Routing:Rules:1:Overdue \"sometimes\" is not true or false.",
        ]);
        failures.Should().ContainMatch("Classification:EffectiveRules is not a setting; the settings of Classification are *", "a computed list is not a setting")
            .And.ContainMatch("Routing:Rules:0:IsUnconditional is not a setting*");
    }
}
