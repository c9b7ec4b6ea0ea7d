using IvrEngine.Profiles;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Profiles;

public sealed class ClientLookupTests : IDisposable
{
    private const string Known = "+12025550123";
    private const string KnownAni = "12025550123";
    private const string OtherAni = "12025550199";
    private const string Other = "+12025550199";
    private const string VisaTest = "4111 1111 1111 1111";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 10, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryClientStore _store = new();
    private readonly CardFingerprints _fingerprints = new("test-key");

    private ClientLookup Lookup(ClassificationOptions? options = null) => new(
        _store, new PhoneNormalizer("US"), _fingerprints, new ClientClassifier(Options.Create(options ?? new ClassificationOptions()), _time));

    private ClientCard AddClient(string category = ClientCategories.Regular) => _store.Add(new ClientCard
    {
        Name = "Giorgi Kapanadze",
        Category = category,
        HasContract = true,
        Phones = [Known],
        AccountNumbers = ["100200300"],
        Cards = [_fingerprints.Create(VisaTest)],
    });

    public void Dispose() => _store.Dispose();

    [Fact]
    public async Task A_known_number_finds_the_client_by_phone()
    {
        var client = AddClient();

        var result = await Lookup().ByCallerAsync(KnownAni, "5000");

        result.Client.Should().BeSameAs(client);
        result.Code.Should().Be('E');
        result.Reason.Should().Be("existing client");
        result.MatchedBy.Should().Be("phone");
        result.CallerNumber.Should().Be(Known);
        result.CallerNumberIsNew.Should().BeFalse();
        result.RuleName.Should().Be("existing");
    }

    [Fact]
    public async Task A_dialed_contact_known_as_a_client_is_that_client_whatever_number_answered_and_a_card_gone_since_falls_back_to_the_number()
    {
        var client = AddClient();

        var result = await Lookup().ByClientAsync(client.Id, OtherAni, "7000");
        (result.Client, result.MatchedBy, result.Code, result.CallerNumber, result.CallerNumberIsNew).Should().Be((client, "contact", 'E', Other, true));

        var gone = await Lookup().ByClientAsync(Guid.NewGuid(), KnownAni, "7000");
        (gone.Client, gone.MatchedBy).Should().Be((client, "phone"), "the card the list named is gone: the number that answered decides");
        (await Lookup().ByClientAsync(Guid.NewGuid(), OtherAni, "7000")).Client.Should().BeNull();
    }

    [Fact]
    public async Task An_unknown_number_is_N()
    {
        AddClient();

        var result = await Lookup().ByCallerAsync(OtherAni, "5000");

        result.Should().Be(new LookupResult(null, 'N', "no record for this number or account", "none", null, false) { CallerNumber = Other });
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("anonymous")]
    [InlineData("Anonymous")]
    [InlineData("0000000000")]
    [InlineData("0")]
    [InlineData("private")]
    public async Task A_withheld_or_invalid_number_is_N_and_not_looked_up(string ani)
    {
        AddClient();

        var result = await Lookup().ByCallerAsync(ani, "5000");

        result.Client.Should().BeNull();
        result.Code.Should().Be('N');
        result.Reason.Should().Be("caller number withheld or invalid");
        result.MatchedBy.Should().Be("none");
        result.CallerNumber.Should().BeNull();
        _store.PhoneLookups.Should().Be(0);
    }

    [Fact]
    public async Task A_VIP_found_by_phone_is_V()
    {
        AddClient(ClientCategories.Vip);

        var result = await Lookup().ByCallerAsync(KnownAni, "5000");

        result.Code.Should().Be('V');
        result.Summary.Should().Be("V: category VIP");
    }

    [Fact]
    public async Task A_client_calling_from_a_new_number_is_found_by_account()
    {
        var client = AddClient();
        var lookup = Lookup();

        (await lookup.ByCallerAsync(OtherAni, "5000")).Code.Should().Be('N');
        var result = await lookup.ByAccountAsync("100 200 300", OtherAni, "5000");

        result.Client.Should().BeSameAs(client);
        result.Code.Should().Be('E');
        result.MatchedBy.Should().Be("account");
        result.CallerNumberIsNew.Should().BeTrue("the agent is offered to add the number");
        result.CallerNumber.Should().Be(Other);
    }

    [Fact]
    public async Task Found_by_account_from_a_known_number_the_number_is_not_new()
    {
        AddClient();

        var result = await Lookup().ByAccountAsync("100200300", KnownAni, "5000");

        result.MatchedBy.Should().Be("account");
        result.CallerNumberIsNew.Should().BeFalse();
    }

    [Fact]
    public async Task A_withheld_number_still_allows_lookup_by_account()
    {
        var client = AddClient();
        var lookup = Lookup();

        (await lookup.ByCallerAsync("anonymous", "5000")).Reason.Should().Be("caller number withheld or invalid");
        var result = await lookup.ByAccountAsync("100200300", "anonymous", "5000");

        result.Client.Should().BeSameAs(client);
        result.MatchedBy.Should().Be("account");
        result.CallerNumberIsNew.Should().BeFalse("there is no number to add");
        result.CallerNumber.Should().BeNull();
    }

    [Fact]
    public async Task An_unknown_or_empty_account_is_N()
    {
        AddClient();
        var lookup = Lookup();

        var unknown = await lookup.ByAccountAsync("999", OtherAni, "5000");
        unknown.Code.Should().Be('N');
        unknown.Reason.Should().Be("no record for this number or account");
        unknown.MatchedBy.Should().Be("none");

        var empty = await lookup.ByAccountAsync(" ", OtherAni, "5000");
        empty.Code.Should().Be('N');
        empty.Reason.Should().Be("no account number given");
        _store.AccountLookups.Should().Be(1);
    }

    [Fact]
    public async Task A_card_number_finds_the_client_by_fingerprint()
    {
        var client = AddClient();

        var result = await Lookup().ByCardAsync("4111-1111-1111-1111", OtherAni, "5000");

        result.Client.Should().BeSameAs(client);
        result.MatchedBy.Should().Be("card");
        result.CallerNumberIsNew.Should().BeTrue();
    }

    [Fact]
    public async Task A_card_number_failing_the_Luhn_check_is_not_looked_up()
    {
        AddClient();

        var result = await Lookup().ByCardAsync("4111111111111112", KnownAni, "5000");

        result.Client.Should().BeNull();
        result.Code.Should().Be('N');
        result.Reason.Should().Be("card number fails the Luhn check");
        result.MatchedBy.Should().Be("none");
        result.Summary.Should().NotContain("4111");
        _store.CardLookups.Should().Be(0);
    }

    [Theory]
    [InlineData("41111111")]
    [InlineData("41111111111111111111")]
    [InlineData("4111x11111111111")]
    [InlineData("")]
    public async Task A_card_number_of_the_wrong_shape_is_not_looked_up(string digits)
    {
        var result = await Lookup().ByCardAsync(digits, KnownAni, "5000");

        result.Reason.Should().Be("card number is not 12 to 19 digits");
        _store.CardLookups.Should().Be(0);
    }

    [Fact]
    public async Task An_unknown_valid_card_is_N()
    {
        AddClient();

        var result = await Lookup().ByCardAsync("5555555555554444", KnownAni, "5000");

        result.Code.Should().Be('N');
        result.Reason.Should().Be("no record for this number or account");
        _store.CardLookups.Should().Be(1);
    }

    [Fact]
    public async Task The_dialed_number_gives_the_campaign_found_or_not()
    {
        AddClient();
        var clinic = new Campaign { Dnis = "5001", Name = "Clinic appointments", Service = "clinic", Language = "ka" };
        await _store.UpsertCampaignAsync(clinic);
        var lookup = Lookup();

        (await lookup.ByCallerAsync(KnownAni, "5001")).Campaign.Should().BeSameAs(clinic);
        (await lookup.ByCallerAsync(OtherAni, " 5001 ")).Campaign.Should().BeSameAs(clinic, "the campaign comes with unknown callers too");
        (await lookup.ByCallerAsync("anonymous", "5001")).Campaign.Should().BeSameAs(clinic);
        (await lookup.ByAccountAsync("100200300", OtherAni, "5001")).Campaign.Should().BeSameAs(clinic);
        (await lookup.ByCardAsync("4111111111111112", OtherAni, "5001")).Campaign.Should().BeSameAs(clinic);
        (await lookup.ByCallerAsync(KnownAni, "5002")).Campaign.Should().BeNull();
        (await lookup.ByCallerAsync(KnownAni, "")).Campaign.Should().BeNull();
    }

    [Fact]
    public async Task A_dnis_rule_classifies_by_the_dialed_number()
    {
        AddClient();
        var options = new ClassificationOptions
        {
            Rules =
            [
                new() { Code = "H", Reason = "hotline caller on {dnis}", Dnis = ["5009"] },
                new() { Code = "E", Reason = "existing client" },
            ],
        };
        var lookup = Lookup(options);

        (await lookup.ByCallerAsync(KnownAni, "5009")).Summary.Should().Be("H: hotline caller on 5009");
        (await lookup.ByCallerAsync(KnownAni, "5000")).Code.Should().Be('E');
    }

    [Fact]
    public async Task A_call_from_this_number_23_h_ago_is_R_25_h_ago_is_E()
    {
        var client = AddClient();
        await _store.AddInteractionAsync(new InteractionRecord { ClientId = client.Id, CallerNumber = Known, At = _time.GetUtcNow(), CallUuid = "a" });
        var lookup = Lookup();

        _time.Advance(TimeSpan.FromHours(23));
        var repeat = await lookup.ByCallerAsync(KnownAni, "5000");
        repeat.Code.Should().Be('R');
        repeat.Reason.Should().Be("called again within 24 h");

        _time.Advance(TimeSpan.FromHours(2));
        (await lookup.ByCallerAsync(KnownAni, "5000")).Code.Should().Be('E');
    }

    [Fact]
    public async Task An_earlier_unidentified_call_from_this_number_counts_as_a_contact()
    {
        AddClient();
        await _store.AddInteractionAsync(new InteractionRecord { ClientId = null, CallerNumber = Other, At = _time.GetUtcNow(), CallUuid = "a" });
        _time.Advance(TimeSpan.FromHours(1));

        var result = await Lookup().ByAccountAsync("100200300", OtherAni, "5000");

        result.Code.Should().Be('R');
    }

    [Fact]
    public async Task The_clients_earlier_call_from_another_number_counts_when_found_by_account()
    {
        var client = AddClient();
        await _store.AddInteractionAsync(new InteractionRecord { ClientId = client.Id, CallerNumber = Known, At = _time.GetUtcNow(), CallUuid = "a" });
        _time.Advance(TimeSpan.FromHours(5));

        var result = await Lookup().ByAccountAsync("100200300", OtherAni, "5000");

        result.Code.Should().Be('R');
        result.CallerNumberIsNew.Should().BeTrue();
    }

    [Fact]
    public async Task A_VIP_calling_again_is_V_and_the_repeat_is_listed()
    {
        var client = AddClient(ClientCategories.Vip);
        await _store.AddInteractionAsync(new InteractionRecord { ClientId = client.Id, CallerNumber = Known, At = _time.GetUtcNow(), CallUuid = "a" });
        _time.Advance(TimeSpan.FromMinutes(10));

        var result = await Lookup().ByCallerAsync(KnownAni, "5000");

        result.Code.Should().Be('V');
        result.Summary.Should().Be("V: category VIP; also R: called again within 24 h");
    }

    [Fact]
    public async Task Without_a_contact_rule_no_history_is_read()
    {
        AddClient();
        var options = new ClassificationOptions { Rules = [new() { Code = "E", Reason = "existing client" }] };

        (await Lookup(options).ByCallerAsync(KnownAni, "5000")).Code.Should().Be('E');

        _store.InteractionLookups.Should().Be(0);
    }

    [Fact]
    public async Task The_token_is_passed_on_to_the_store()
    {
        AddClient();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        var lookup = Lookup();

        await lookup.Invoking(l => l.ByCallerAsync(KnownAni, "5000", cts.Token)).Should().ThrowAsync<OperationCanceledException>();
        await lookup.Invoking(l => l.ByAccountAsync("100200300", KnownAni, "", cts.Token)).Should().ThrowAsync<OperationCanceledException>();
        await lookup.Invoking(l => l.ByCardAsync(VisaTest, KnownAni, "", cts.Token)).Should().ThrowAsync<OperationCanceledException>();
    }
}
