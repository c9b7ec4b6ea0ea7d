using IvrEngine.Dialer;
using IvrEngine.Profiles;
using IvrEngine.Tests.Profiles;

namespace IvrEngine.Tests.Dialer;

/// <summary>A campaign's contacts from a condition over the store's clients, or from a CSV file.</summary>
public sealed class ContactSourcesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero);

    private static readonly OutboundCampaign Campaign = new() { Id = "reminders", CardDnis = "7000", Hours = new CallingHours { DefaultTimeZone = "America/New_York" } };

    [Fact]
    public async Task A_condition_selects_clients_with_a_phone_in_their_own_time_zone()
    {
        using var temp = new TempStore();
        var csv = ImportText.Csv(
            "Owes In English,,+15551110001,,,,en,Boston,US,America/Chicago,,100,40,yes,",
            "Owes In Russian,,+15551110002,,,,ru,,,,,100,40,yes,",
            "Paid Up,,+15551110003,,,,en,,,,,100,0,yes,",
            "Owes No Zone,,+15551110004;+15551110005,,,,en,,,,,10,5,yes,",
            "Owes No Phone,,,9001,,,en,,,,,10,5,yes,");
        (await temp.Importer().ImportAsync(ImportText.Utf8(csv), ClientFileFormat.Csv)).Imported.Should().Be(5);

        var contacts = await ContactSources.FromQueryAsync(temp.Store, "Client.Overdue > 0 && Client.Language == \"en\"", Campaign, Now);

        contacts.Select(c => (c.Name, c.Phone, c.TimeZone)).Should().BeEquivalentTo(new[]
        {
            ("Owes In English", "+15551110001", "America/Chicago"),
            ("Owes No Zone", "+15551110004", "America/New_York"),
        });
        contacts.Should().OnlyContain(c => c.ClientId != null && c.CampaignId == "reminders" && c.Status == ContactStatus.Pending);
        var broken = () => ContactSources.FromQueryAsync(temp.Store, "Client.Overdue >", Campaign, Now);
        (await broken.Should().ThrowAsync<FormatException>()).Which.Message.Should().Contain("Client.Overdue >");
    }

    [Fact]
    public async Task A_contact_file_takes_phones_and_extensions_and_reports_bad_rows()
    {
        using var temp = new TempStore();
        (await temp.Importer().ImportAsync(ImportText.Utf8(ImportText.Csv("Known Client,,+15551110009,,,,en,,,Europe/London,,0,0,yes,")), ClientFileFormat.Csv)).Imported.Should().Be(1);
        var file = "phone,name,timezone\n"
            + "(555) 111-0009,,\n"           // line 2: a client of the store
            + "1001,Agent Phone,Asia/Tbilisi\n" // line 3: an extension
            + "not a phone,x,\n"              // line 4
            + "+1 555 111 0009,again,\n"      // line 5: twice
            + "+995 32 2 00 00 00,Nino,Mars/Base\n" // line 6
            + ",empty,\n";                    // line 7

        var (contacts, rejected) = await ContactSources.FromCsvAsync(ImportText.Utf8(file), Campaign, new PhoneNormalizer("US"), temp.Store);

        contacts.Select(c => (c.Phone, c.Name, c.TimeZone, c.ClientId.HasValue)).Should().Equal(
            ("+15551110009", "Known Client", "Europe/London", true),
            ("1001", "Agent Phone", "Asia/Tbilisi", false));
        rejected.Select(r => r.Line).Should().Equal(4, 5, 6, 7);
        rejected[0].Reason.Should().StartWith("phone 'not a phone' is not a phone number");
        rejected[1].Reason.Should().Be("phone +15551110009 is in the file twice");
        rejected[2].Reason.Should().Be("time zone 'Mars/Base' unknown");
        rejected[3].Reason.Should().Be("phone is missing");

        var noPhoneColumn = () => ContactSources.FromCsvAsync(ImportText.Utf8("name\nx\n"), Campaign, new PhoneNormalizer("US"), null);
        (await noPhoneColumn.Should().ThrowAsync<FormatException>()).WithMessage("*no 'phone' column*");
    }
}
