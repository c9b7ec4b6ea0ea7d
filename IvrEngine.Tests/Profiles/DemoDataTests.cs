using System.Text;
using IvrEngine.Profiles;
using Microsoft.Extensions.Time.Testing;
using static IvrEngine.Profiles.DemoDataSeeder;

namespace IvrEngine.Tests.Profiles;

public sealed class DemoDataTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task The_seed_covers_every_category_language_and_the_demo_campaigns()
    {
        var time = new FakeTimeProvider(Start);
        using var temp = new TempStore(time);

        var result = await new DemoDataSeeder(temp.Store, new CardFingerprints(temp.Options), time).SeedAsync();

        result.Clients.Should().Be(GeneratedCount + 7);
        var all = await temp.AllAsync();
        all.Should().HaveCount(result.Clients);
        all.Select(c => c.Category).Distinct().Should().BeEquivalentTo(
            [ClientCategories.Regular, ClientCategories.Vip, ClientCategories.Problem, ClientCategories.Prospect]);
        all.Select(c => c.Language).Distinct().Should().BeEquivalentTo(["en", "ru", "ka"]);
        all.Should().Contain(c => c.OverdueAmount > 0);
        all.Should().Contain(c => c.OpenOrders.Count > 0);
        all.Should().Contain(c => c.Cards.Count > 0);
        all.Select(c => c.ManagerId).Distinct().Count().Should().BeGreaterThan(3);
        all.SelectMany(c => c.Notes).Where(n => n.Text.Any(IsCyrillic)).Should().NotBeEmpty("some notes are in Russian");
        all.SelectMany(c => c.Notes).Where(n => n.Text.Any(IsGeorgian)).Should().NotBeEmpty("some notes are in Georgian");
        all.Where(c => c.Category == ClientCategories.Prospect).Should().AllSatisfy(c =>
        {
            c.HasContract.Should().BeFalse();
            c.OpenOrders.Should().BeEmpty();
        });
        all.SelectMany(c => c.Phones).Should().OnlyHaveUniqueItems();
        all.SelectMany(c => c.Phones).Should().AllSatisfy(p => PhoneNormalizer.Normalize(p, "US").E164.Should().Be(p));

        (await temp.Store.FindCampaignAsync("5000"))!.Service.Should().Be("bank");
        (await temp.Store.FindCampaignAsync("5001"))!.Service.Should().Be("taxi");
        (await temp.Store.FindCampaignAsync("5002"))!.Service.Should().Be("clinic");

        // Some generated clients called within the last hour (R), besides the fixed repeat caller.
        var recent = 0;
        foreach (var card in all)
        {
            var last = await temp.Store.LastInteractionFromAsync(card.Phones[0]);
            if (last is not null && Start - last.At < TimeSpan.FromHours(1)) recent++;
        }

        recent.Should().BeGreaterThan(3);
    }

    [Fact]
    public async Task The_fixed_demo_clients_are_there_as_the_readme_says()
    {
        var time = new FakeTimeProvider(Start);
        using var temp = new TempStore(time);
        await new DemoDataSeeder(temp.Store, new CardFingerprints(temp.Options), time).SeedAsync();

        var vip = await temp.Store.FindByPhoneAsync(WellKnown.VipPhone);
        vip!.Category.Should().Be(ClientCategories.Vip);
        vip.AccountNumbers.Should().Contain(WellKnown.VipAccount);
        (await temp.Store.FindByAccountAsync(WellKnown.VipAccount))!.Id.Should().Be(vip.Id);
        var fingerprint = new CardFingerprints(temp.Options).Fingerprint(WellKnown.VipCard);
        (await temp.Store.FindByCardFingerprintAsync(fingerprint))!.Id.Should().Be(vip.Id);

        var overdue = await temp.Store.FindByPhoneAsync(WellKnown.OverduePhone);
        overdue!.OverdueAmount.Should().BeGreaterThan(0);
        overdue.AccountNumbers.Should().Contain(WellKnown.OverdueAccount);

        var prospect = await temp.Store.FindByPhoneAsync(WellKnown.ProspectPhone);
        prospect!.Category.Should().Be(ClientCategories.Prospect);
        prospect.HasContract.Should().BeFalse();
        prospect.OpenOrders.Should().BeEmpty();

        var repeat = await temp.Store.FindByPhoneAsync(WellKnown.RepeatPhone);
        (await temp.Store.LastInteractionFromAsync(WellKnown.RepeatPhone))!.At.Should().Be(Start - TimeSpan.FromMinutes(10));
        repeat!.AccountNumbers.Should().Contain(WellKnown.RepeatAccount);

        var existing = await temp.Store.FindByPhoneAsync(WellKnown.ExistingPhone);
        existing!.Category.Should().Be(ClientCategories.Regular);
        existing.HasContract.Should().BeTrue();
        var last = await temp.Store.LastInteractionFromAsync(WellKnown.ExistingPhone);
        (Start - last!.At).Should().BeGreaterThan(TimeSpan.FromDays(2), "an ordinary client must not read as a repeat caller");

        var problem = await temp.Store.FindByPhoneAsync(WellKnown.ProblemPhone);
        problem!.Category.Should().Be(ClientCategories.Problem);
        problem.Language.Should().Be("ru");
        (await temp.Store.GetTicketsAsync(problem.Id)).Should().NotBeEmpty();

        var georgian = await temp.Store.FindByPhoneAsync(WellKnown.GeorgianVipPhone);
        georgian!.Category.Should().Be(ClientCategories.Vip);
        georgian.Language.Should().Be("ka");

        foreach (var ani in UnknownAnis) (await temp.Store.FindByPhoneAsync(ani)).Should().BeNull();
        (await temp.Store.FindByAccountAsync(UnknownAccount)).Should().BeNull();
    }

    [Fact]
    public async Task The_seed_is_deterministic()
    {
        var first = await SeedAndExportAsync();
        var second = await SeedAndExportAsync();
        second.Should().Be(first);
    }

    [Fact]
    public async Task A_second_start_adds_nothing()
    {
        var time = new FakeTimeProvider(Start);
        using var temp = new TempStore(time);
        var seeder = new DemoDataSeeder(temp.Store, new CardFingerprints(temp.Options), time);
        var first = await seeder.SeedAsync();
        var count = await temp.Store.CountAsync();

        time.Advance(TimeSpan.FromDays(1));
        var second = await seeder.SeedAsync();

        first.Skipped.Should().BeFalse();
        second.Should().Be(new DemoSeedResult(0, 0, 0, 0));
        second.Skipped.Should().BeTrue();
        (await temp.Store.CountAsync()).Should().Be(count);
    }

    private static bool IsCyrillic(char c) => c is >= '\u0400' and <= '\u04FF';

    private static bool IsGeorgian(char c) => c is >= '\u10A0' and <= '\u10FF';

    private static async Task<string> SeedAndExportAsync()
    {
        var time = new FakeTimeProvider(Start);
        using var temp = new TempStore(time);
        await new DemoDataSeeder(temp.Store, new CardFingerprints(temp.Options), time).SeedAsync();
        var text = new StringBuilder();
        await foreach (var card in temp.Store.AllAsync())
        {
            text.AppendLine(System.Text.Json.JsonSerializer.Serialize(card));
            foreach (var call in await temp.Store.GetInteractionsAsync(card.Id)) text.AppendLine(System.Text.Json.JsonSerializer.Serialize(call));
        }

        return text.ToString();
    }
}
