using IvrEngine.Ivr;
using IvrEngine.Profiles;
using IvrEngine.Tests.Profiles;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Ivr;

/// <summary>The client store as a flow sees it.</summary>
public sealed class StoreFlowDirectoryTests : IDisposable
{
    private const string VisaTest = "4111 1111 1111 1111";

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 10, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryClientStore _store = new();
    private readonly CardFingerprints _cards = new("test-key");

    public void Dispose() => _store.Dispose();

    private StoreFlowDirectory Directory() => new(
        new ClientLookup(_store, new PhoneNormalizer("US"), _cards, new ClientClassifier(Options.Create(new ClassificationOptions()), _time)),
        _store, _cards);

    private ClientCard AddClient() => _store.Add(new ClientCard
    {
        Name = "Giorgi Kapanadze",
        Category = ClientCategories.Vip,
        HasContract = true,
        Phones = ["+12025550123"],
        AccountNumbers = ["100200300"],
        Cards = [_cards.Create(VisaTest)],
        Balance = 250.5m,
        OverdueAmount = 120m,
        Language = "ka",
        ManagerId = "1007",
        OpenOrders = [new OpenOrder { Number = "A-1" }, new OpenOrder { Number = "A-2" }],
    });

    [Fact]
    public async Task A_client_found_by_number_is_seen_with_its_code_reason_and_fields()
    {
        var client = AddClient();
        await _store.UpsertCampaignAsync(new Campaign { Dnis = "5000", Name = "Demo Bank" });
        var directory = Directory();

        var view = await directory.ByCallerAsync("12025550123", "5000", CancellationToken.None);

        view.Should().BeEquivalentTo(new
        {
            Found = true,
            Code = "V",
            Id = client.Id.ToString(),
            Name = "Giorgi Kapanadze",
            Category = "vip",
            Balance = 250.5m,
            Overdue = 120m,
            Language = "ka",
            Manager = "1007",
            OpenOrders = 2,
            MatchedBy = "phone",
        });
        view.Reason.Should().StartWith("V: ");
        directory.LastLookup!.Client.Should().BeSameAs(client);
        directory.TransferVariables().Should().Equal(new Dictionary<string, string> { ["ivr_campaign"] = "Demo Bank" });
    }

    [Fact]
    public async Task An_unknown_caller_is_N_with_a_reason_and_the_directory_leaves_attaching_it_to_the_flow()
    {
        var directory = Directory();

        var view = await directory.ByCallerAsync("12025550199", "5000", CancellationToken.None);

        view.Found.Should().BeFalse();
        view.Code.Should().Be("N");
        view.MatchedBy.Should().Be("none");
        view.Reason.Should().NotBeEmpty();
        directory.TransferVariables().Should().NotContainKey("ivr_cti_code");
    }

    [Fact]
    public async Task By_account_finds_an_account_else_a_card_and_notes_a_new_caller_number()
    {
        var client = AddClient();
        var directory = Directory();

        var byAccount = await directory.ByAccountAsync("100-200-300", "12025550199", "5000", CancellationToken.None);
        byAccount.MatchedBy.Should().Be("account");
        byAccount.Id.Should().Be(client.Id.ToString());
        directory.TransferVariables().Should().Contain("ivr_new_caller_number", "+12025550199");

        var byCard = await directory.ByAccountAsync("4111111111111111", "12025550123", "5000", CancellationToken.None);
        byCard.MatchedBy.Should().Be("card");
        directory.TransferVariables().Should().NotContainKey("ivr_new_caller_number");

        (await directory.ByAccountAsync("4111111111111112", "12025550123", "5000", CancellationToken.None)).Found.Should().BeFalse();
    }

    [Theory]
    [InlineData("100200300", true)]
    [InlineData("100 200 300", true)]
    [InlineData("4111-1111-1111-1111", true)]
    [InlineData("4111111111111112", false)] // fails Luhn: never looked up as a card
    [InlineData("5555555555554444", false)] // a valid card the store does not hold
    [InlineData("999", false)]
    [InlineData("", false)]
    public async Task An_account_or_card_exists_when_the_store_holds_it(string entry, bool exists)
    {
        AddClient();

        (await Directory().AccountExistsAsync(entry, CancellationToken.None)).Should().Be(exists);
    }
}
