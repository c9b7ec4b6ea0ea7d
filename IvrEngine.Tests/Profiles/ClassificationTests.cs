using System.Text;
using IvrEngine.Profiles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Profiles;

public sealed class ClassificationTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);

    private ClientClassifier Classifier(ClassificationOptions? options = null) =>
        new(Options.Create(options ?? new ClassificationOptions()), _time);

    private static ClientCard Card(string category = ClientCategories.Regular, bool contract = true, int orders = 0) => new()
    {
        Id = Guid.NewGuid(),
        Name = "Nino Beridze",
        Category = category,
        HasContract = contract,
        OpenOrders = [.. Enumerable.Range(1, orders).Select(i => new OpenOrder { Number = $"O-{i}", Stage = "new" })],
    };

    private InteractionRecord CallAgo(TimeSpan ago) => new() { At = _time.GetUtcNow() - ago, CallerNumber = "+12025550123" };

    [Fact]
    public void No_card_is_N_with_its_reason()
    {
        var result = Classifier().Classify(null, null, "5000");

        result.Should().Be(new Classification('N', "no record for this number or account", "unknown"));
        result.Summary.Should().Be("N: no record for this number or account");
    }

    [Fact]
    public void A_VIP_is_V()
    {
        var result = Classifier().Classify(Card(ClientCategories.Vip), null, null);

        result.Code.Should().Be('V');
        result.Reason.Should().Be("category VIP");
        result.RuleName.Should().Be("vip");
        result.Summary.Should().Be("V: category VIP");
    }

    [Fact]
    public void A_client_with_a_contract_is_E()
    {
        var result = Classifier().Classify(Card(contract: true), null, null);

        result.Code.Should().Be('E');
        result.Reason.Should().Be("existing client");
        result.AlsoMatched.Should().BeEmpty("the catch-all is a fallback, never an extra reason");
    }

    [Fact]
    public void A_contact_without_contract_or_orders_is_a_prospect_T()
    {
        var result = Classifier().Classify(Card(contract: false, orders: 0), null, null);

        result.Code.Should().Be('T');
        result.Reason.Should().Be("prospect: no contract or orders");
    }

    [Fact]
    public void Open_orders_without_a_contract_are_not_a_prospect()
    {
        Classifier().Classify(Card(contract: false, orders: 1), null, null).Code.Should().Be('E');
    }

    [Fact]
    public void A_call_within_the_window_is_R()
    {
        var result = Classifier().Classify(Card(), CallAgo(TimeSpan.FromHours(3)), null);

        result.Code.Should().Be('R');
        result.Reason.Should().Be("called again within 24 h");
        result.RuleName.Should().Be("repeat");
    }

    [Fact]
    public void Repeat_window_in_virtual_time_23_h_is_R_25_h_is_E()
    {
        var classifier = Classifier();
        var card = Card();
        var previous = new InteractionRecord { At = _time.GetUtcNow(), CallerNumber = "+12025550123" };

        _time.Advance(TimeSpan.FromHours(23));
        classifier.Classify(card, previous, null).Code.Should().Be('R');

        _time.Advance(TimeSpan.FromHours(2));
        classifier.Classify(card, previous, null).Code.Should().Be('E');
    }

    [Fact]
    public void The_cards_last_contact_counts_as_a_previous_call()
    {
        var classifier = Classifier();
        var card = Card();
        card.LastContactAt = _time.GetUtcNow();

        _time.Advance(TimeSpan.FromHours(23));
        classifier.Classify(card, null, null).Code.Should().Be('R');

        _time.Advance(TimeSpan.FromHours(2));
        classifier.Classify(card, null, null).Code.Should().Be('E');
    }

    [Fact]
    public void The_newer_of_the_last_interaction_and_the_cards_last_contact_counts()
    {
        var card = Card();
        card.LastContactAt = _time.GetUtcNow() - TimeSpan.FromHours(2);

        Classifier().Classify(card, CallAgo(TimeSpan.FromDays(10)), null).Code.Should().Be('R');
    }

    [Fact]
    public void The_configured_repeat_window_drives_the_default_rule_and_its_reason()
    {
        var classifier = Classifier(new ClassificationOptions { RepeatWindow = TimeSpan.FromHours(2) });

        classifier.Classify(Card(), CallAgo(TimeSpan.FromHours(3)), null).Code.Should().Be('E');
        var result = classifier.Classify(Card(), CallAgo(TimeSpan.FromMinutes(90)), null);
        result.Code.Should().Be('R');
        result.Reason.Should().Be("called again within 2 h");
    }

    [Fact]
    public void First_match_wins_and_the_other_matches_are_listed()
    {
        var result = Classifier().Classify(Card(ClientCategories.Vip, contract: false), CallAgo(TimeSpan.FromHours(1)), null);

        result.Code.Should().Be('V');
        result.AlsoMatched.Select(m => (m.Code, m.Reason)).Should().Equal(
            ('R', "called again within 24 h"), ('T', "prospect: no contract or orders"));
        result.Summary.Should().Be("V: category VIP; also R: called again within 24 h; T: prospect: no contract or orders");
    }

    [Fact]
    public void Rule_order_is_the_configured_order()
    {
        var options = new ClassificationOptions
        {
            Rules =
            [
                new() { Code = "R", Reason = "called again within {window}", ContactedWithin = TimeSpan.FromHours(24) },
                new() { Code = "V", Reason = "category VIP", Categories = ["vip"] },
                new() { Code = "E", Reason = "existing client" },
            ],
        };

        var result = Classifier(options).Classify(Card(ClientCategories.Vip), CallAgo(TimeSpan.FromHours(1)), null);

        result.Code.Should().Be('R');
        result.RuleName.Should().Be("R#1");
        result.AlsoMatched.Should().ContainSingle().Which.Should().Be(new ClassificationMatch('V', "category VIP", "V#2"));
    }

    [Fact]
    public void A_deployment_adds_a_problem_client_code_before_E()
    {
        var options = new ClassificationOptions
        {
            Rules =
            [
                new() { Name = "vip", Code = "V", Reason = "category VIP", Categories = ["vip"] },
                new() { Name = "problem", Code = "P", Reason = "problem client ({category})", Categories = ["problem", "disputed"] },
                new() { Name = "existing", Code = "E", Reason = "existing client" },
            ],
        };
        var classifier = Classifier(options);

        var problem = classifier.Classify(Card("Disputed"), null, null);
        problem.Code.Should().Be('P');
        problem.Reason.Should().Be("problem client (Disputed)");
        problem.RuleName.Should().Be("problem");
        classifier.Classify(Card(), null, null).Code.Should().Be('E');
    }

    [Fact]
    public void An_overdue_rule_matches_from_its_minimum_and_shows_the_amount()
    {
        var options = new ClassificationOptions
        {
            Rules =
            [
                new() { Code = "D", Reason = "overdue {overdue}, balance {balance}", MinOverdue = 100m },
                new() { Code = "E", Reason = "existing client" },
            ],
        };
        var classifier = Classifier(options);
        var card = Card();
        card.Balance = 300m;

        card.OverdueAmount = 99.99m;
        classifier.Classify(card, null, null).Code.Should().Be('E');

        card.OverdueAmount = 100m;
        var result = classifier.Classify(card, null, null);
        result.Code.Should().Be('D');
        result.Reason.Should().Be("overdue 100.00, balance 300.00");
    }

    [Fact]
    public void Language_dnis_contract_and_order_conditions_must_all_hold()
    {
        var options = new ClassificationOptions
        {
            Rules =
            [
                new()
                {
                    Code = "K", Reason = "{language} caller with {openOrders} open orders on {dnis}",
                    Languages = ["ka", "ru"], Dnis = ["5001"], HasContract = true, HasOpenOrders = true,
                },
                new() { Code = "E", Reason = "existing client" },
            ],
        };
        var classifier = Classifier(options);
        var card = Card(contract: true, orders: 2);
        card.Language = "KA";

        var result = classifier.Classify(card, null, "5001");
        result.Code.Should().Be('K');
        result.Reason.Should().Be("KA caller with 2 open orders on 5001");

        classifier.Classify(card, null, "5002").Code.Should().Be('E', "another dialed number");
        classifier.Classify(card, null, null).Code.Should().Be('E', "no dialed number");
        card.Language = "en";
        classifier.Classify(card, null, "5001").Code.Should().Be('E', "another language");
        card.Language = null;
        classifier.Classify(card, null, "5001").Code.Should().Be('E', "no language");
        card.Language = "ru";
        card.OpenOrders.Clear();
        classifier.Classify(card, null, "5001").Code.Should().Be('E', "no open orders");
    }

    [Fact]
    public void Last_contact_hours_are_filled_in()
    {
        var options = new ClassificationOptions
        {
            Rules =
            [
                new() { Code = "R", Reason = "last call {lastContactHours} h ago (window {window})", ContactedWithin = TimeSpan.FromHours(48) },
                new() { Code = "E", Reason = "existing client, last call {lastContactHours} h ago" },
            ],
        };
        var classifier = Classifier(options);

        classifier.Classify(Card(), CallAgo(TimeSpan.FromHours(30.5)), null).Reason.Should().Be("last call 30 h ago (window 48 h)");
        classifier.Classify(Card(), null, null).Reason.Should().Be("existing client, last call n/a h ago");
    }

    [Fact]
    public void Configured_unknown_code_and_reason_are_used()
    {
        var classifier = Classifier(new ClassificationOptions { UnknownCode = "U", UnknownReason = "not in the CRM" });

        classifier.Classify(null, null, null).Should().Be(new Classification('U', "not in the CRM", "unknown"));
    }

    [Fact]
    public void A_known_client_no_rule_matches_is_E_and_says_so()
    {
        var options = new ClassificationOptions { Rules = [new() { Code = "V", Reason = "category VIP", Categories = ["vip"] }] };

        var result = Classifier(options).Classify(Card(), null, null);

        result.Should().Be(new Classification('E', "existing client (no rule matched)", "none"));
    }

    [Fact]
    public void Rules_bind_from_configuration()
    {
        const string json = """
            {
              "Classification": {
                "RepeatWindow": "12:00:00",
                "Rules": [
                  { "Name": "vip", "Code": "V", "Reason": "category VIP", "Categories": [ "vip" ] },
                  { "Name": "debtor", "Code": "D", "Reason": "overdue {overdue}", "MinOverdue": 50 },
                  { "Name": "repeat", "Code": "R", "Reason": "called again within {window}", "ContactedWithin": "12:00:00" },
                  { "Name": "prospect", "Code": "T", "Reason": "prospect: no contract or orders", "HasContract": false, "HasOpenOrders": false },
                  { "Name": "existing", "Code": "E", "Reason": "existing client" }
                ]
              }
            }
            """;
        var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        var options = configuration.GetSection(ClassificationOptions.Section).Get<ClassificationOptions>()!;

        options.RepeatWindow.Should().Be(TimeSpan.FromHours(12));
        options.Rules.Select(r => r.Code).Should().Equal("V", "D", "R", "T", "E");
        options.Rules[1].MinOverdue.Should().Be(50m);
        options.Rules[3].HasContract.Should().BeFalse();
        ClassificationOptionsValidator.Check(options).Should().BeEmpty();

        var classifier = Classifier(options);
        var debtor = Card();
        debtor.OverdueAmount = 75m;
        classifier.Classify(debtor, null, null).Summary.Should().Be("D: overdue 75.00");
        classifier.Classify(Card(), CallAgo(TimeSpan.FromHours(11)), null).Summary.Should().Be("R: called again within 12 h");
        classifier.Classify(Card(), CallAgo(TimeSpan.FromHours(13)), null).Code.Should().Be('E');
    }

    [Fact]
    public void Without_configured_rules_the_defaults_are_in_force()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Classification:RepeatWindow"] = "06:00:00",
        }).Build();
        var options = configuration.GetSection(ClassificationOptions.Section).Get<ClassificationOptions>()!;

        Classifier(options).Rules.Select(r => r.Code).Should().Equal("V", "R", "T", "E");
        Classifier(options).Rules[1].ContactedWithin.Should().Be(TimeSpan.FromHours(6));
    }

    [Fact]
    public void Invalid_options_refuse_to_build_a_classifier()
    {
        var act = () => Classifier(new ClassificationOptions { RepeatWindow = TimeSpan.FromHours(-1) });

        act.Should().Throw<OptionsValidationException>().WithMessage("*Classification:RepeatWindow is negative*");
    }

    [Fact]
    public void Durations_read_as_an_agent_reads_them()
    {
        ClassificationReasons.Duration(TimeSpan.FromHours(24)).Should().Be("24 h");
        ClassificationReasons.Duration(TimeSpan.FromMinutes(90)).Should().Be("90 min");
        ClassificationReasons.Duration(TimeSpan.FromSeconds(45)).Should().Be("45 s");
        ClassificationReasons.Duration(TimeSpan.FromSeconds(5430)).Should().Be("1.5 h");
    }
}
