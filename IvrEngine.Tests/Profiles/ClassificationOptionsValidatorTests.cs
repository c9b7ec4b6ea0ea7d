using IvrEngine.Profiles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace IvrEngine.Tests.Profiles;

public sealed class ClassificationOptionsValidatorTests
{
    private static IReadOnlyList<string> Check(ClassificationOptions options) => ClassificationOptionsValidator.Check(options);

    private static ClassificationOptions WithRules(params ClassificationRule[] rules) => new() { Rules = [.. rules] };

    [Fact]
    public void Defaults_and_an_empty_rule_list_are_fine()
    {
        Check(new ClassificationOptions()).Should().BeEmpty();
        new ClassificationOptionsValidator().Validate(null, new ClassificationOptions()).Succeeded.Should().BeTrue();
    }

    [Fact]
    public void The_default_rules_pass_their_own_validation()
    {
        Check(new ClassificationOptions { Rules = [.. ClassificationOptions.DefaultRules(TimeSpan.FromHours(24))] }).Should().BeEmpty();
    }

    [Fact]
    public void A_negative_repeat_window_is_refused()
    {
        Check(new ClassificationOptions { RepeatWindow = TimeSpan.FromMinutes(-5) }).Should().ContainSingle()
            .Which.Should().Be("Classification:RepeatWindow is negative (-00:05:00); give a duration such as \"1.00:00:00\" (24 h).");
    }

    [Theory]
    [InlineData("VIP")]
    [InlineData("v")]
    [InlineData("")]
    [InlineData("1")]
    [InlineData("Ж")]
    public void A_code_must_be_one_uppercase_letter(string code)
    {
        Check(WithRules(new ClassificationRule { Code = code, Reason = "why" })).Should().ContainSingle()
            .Which.Should().Be($"Classification:Rules:0:Code \"{code}\" must be one uppercase letter A-Z (N, E, R, V, T or a letter the deployment adds).");
    }

    [Fact]
    public void A_deployment_letter_is_accepted()
    {
        Check(WithRules(
            new ClassificationRule { Code = "P", Reason = "problem client", Categories = ["problem"] },
            new ClassificationRule { Code = "E", Reason = "existing client" })).Should().BeEmpty();
    }

    [Fact]
    public void A_rule_cannot_give_the_unknown_code()
    {
        Check(WithRules(new ClassificationRule { Code = "N", Reason = "new" })).Should().ContainSingle()
            .Which.Should().StartWith("Classification:Rules:0:Code \"N\" is the code of callers without a record");
    }

    [Fact]
    public void The_unknown_code_and_reason_are_checked()
    {
        Check(new ClassificationOptions { UnknownCode = "NEW", UnknownReason = " " }).Should().Equal(
            "Classification:UnknownCode \"NEW\" must be one uppercase letter A-Z (normally N).",
            "Classification:UnknownReason is empty; say why the caller has this code (e.g. \"no record for this number or account\").");
    }

    [Fact]
    public void A_rule_must_say_why()
    {
        Check(WithRules(new ClassificationRule { Code = "E" })).Should().ContainSingle()
            .Which.Should().Be("Classification:Rules:0:Reason is empty; every code must say why (e.g. \"category VIP\").");
    }

    [Fact]
    public void An_unknown_placeholder_is_named()
    {
        Check(WithRules(new ClassificationRule { Code = "E", Reason = "client {name} owes {overdue}" })).Should().ContainSingle()
            .Which.Should().StartWith("Classification:Rules:0:Reason has the unknown placeholder {name}; known: {category}, {overdue},");
    }

    [Fact]
    public void Negative_amounts_and_windows_and_empty_lists_are_refused()
    {
        var failures = Check(WithRules(new ClassificationRule
        {
            Code = "D", Reason = "debtor", MinOverdue = -1m, ContactedWithin = TimeSpan.FromHours(-1),
            Categories = [], Languages = ["en", " "],
        }));

        failures.Should().Equal(
            "Classification:Rules:0:MinOverdue is negative (-1); leave it out to ignore the overdue amount.",
            "Classification:Rules:0:ContactedWithin is negative (-01:00:00); give a duration such as \"1.00:00:00\" (24 h).",
            "Classification:Rules:0:Categories is an empty list and would match nothing; leave it out to ignore it.",
            "Classification:Rules:0:Languages holds an empty entry.");
    }

    [Fact]
    public void A_rule_after_a_catch_all_can_never_match()
    {
        Check(WithRules(
            new ClassificationRule { Name = "existing", Code = "E", Reason = "existing client" },
            new ClassificationRule { Name = "problem", Code = "P", Reason = "problem client", Categories = ["problem"] })).Should().ContainSingle()
            .Which.Should().Be("Classification:Rules:1 (problem) can never match: Classification:Rules:0 (existing) has no conditions and already matches every known client; move it last.");
    }

    [Fact]
    public void Every_failure_is_reported_at_once()
    {
        var result = new ClassificationOptionsValidator().Validate(null, new ClassificationOptions
        {
            RepeatWindow = TimeSpan.FromHours(-1),
            Rules = [new() { Code = "vip", Reason = "category VIP", Categories = ["vip"] }, new() { Code = "E", Reason = "" }],
        });

        result.Failed.Should().BeTrue();
        result.Failures.Should().HaveCount(3);
    }

    [Fact]
    public void A_bad_configuration_stops_at_start_with_the_message()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Classification:Rules:0:Code"] = "VIP",
            ["Classification:Rules:0:Reason"] = "category VIP",
        }).Build();
        using var services = new ServiceCollection().AddClientClassification(configuration).BuildServiceProvider();

        var act = () => services.GetRequiredService<IOptions<ClassificationOptions>>().Value;

        act.Should().Throw<OptionsValidationException>()
            .WithMessage("Classification:Rules:0:Code \"VIP\" must be one uppercase letter A-Z*");
    }

    [Fact]
    public void A_good_configuration_gives_a_classifier()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Classification:RepeatWindow"] = "2.00:00:00",
        }).Build();
        using var services = new ServiceCollection().AddClientClassification(configuration).BuildServiceProvider();

        var classifier = services.GetRequiredService<ClientClassifier>();

        classifier.Rules.Single(r => r.Code == "R").ContactedWithin.Should().Be(TimeSpan.FromDays(2));
        classifier.UsesLastContact.Should().BeTrue();
    }
}
