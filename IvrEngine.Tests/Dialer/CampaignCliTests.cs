using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Tests.Profiles;

namespace IvrEngine.Tests.Dialer;

/// <summary>The campaign and dnc commands, run as the engine runs them, on a store file read back afterwards.</summary>
public sealed class CampaignCliTests : IDisposable
{
    private readonly StoreTempFolder _temp = new();

    private string StoreArg => "--Store:Path=" + _temp.DbPath;

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_campaign_is_saved_filled_started_listed_and_its_results_printed()
    {
        using (var store = _temp.Open())
        {
            await store.UpsertCampaignAsync(new Campaign { Dnis = "7000", Name = "Payment reminder", Direction = "outgoing" });
            var csv = ImportText.Csv("Owes,,+15551110001,,,,en,,,Europe/London,,100,40,yes,", "Paid,,+15551110002,,,,en,,,,,100,0,yes,");
            (await new ClientImporter(store, new StoreOptions()).ImportAsync(ImportText.Utf8(csv), ClientFileFormat.Csv)).Imported.Should().Be(2);
        }

        var file = Path.Combine(_temp.Folder, "campaign.json");
        await File.WriteAllTextAsync(file, """
            {
              // a comment is allowed
              "id": "reminders", "name": "December reminders", "cardDnis": "7000", "callerIdNumber": "+15550100",
              "dialString": "sofia/gateway/pstn/{number}",
              "hours": { "from": "09:00:00", "to": "20:00:00", "days": ["monday", "tuesday"], "defaultTimeZone": "America/New_York" },
              "pacing": { "callsPerSecond": 2, "maxConcurrent": 5 },
              "busy": { "after": "00:10:00", "maxAttempts": 3 },
            }
            """);

        var (code, output, error) = await RunAsync("campaign", "save", file, StoreArg);
        code.Should().Be(0, error);
        output.Should().Contain("Campaign reminders added (draft), card 7000 \"Payment reminder\".");

        (code, output, error) = await RunAsync("campaign", "contacts", "reminders", "--query", "Client.Overdue > 0", StoreArg);
        code.Should().Be(0, error);
        output.Should().Contain("1 contacts found, 1 added");
        var contacts = Path.Combine(_temp.Folder, "contacts.csv");
        await File.WriteAllTextAsync(contacts, "phone,name,timezone\n+1 555 111 0001,Again,\n1001,Desk Phone,Asia/Tbilisi\nnonsense,,\n");
        (code, output, error) = await RunAsync("campaign", "contacts", "reminders", "--csv", contacts, StoreArg);
        code.Should().Be(0, error);
        output.Should().Contain("line 4: phone 'nonsense' is not a phone number").And.Contain("2 contacts found, 1 added, 1 already in the campaign, 1 rejected");

        (code, _, error) = await RunAsync("campaign", "resume", "reminders", StoreArg);
        (code, error).Should().Be((2, "error: campaign reminders: only a paused campaign can be resumed; this one is draft.\n"));
        (code, output, error) = await RunAsync("campaign", "start", "reminders", StoreArg);
        (code, output).Should().Be((0, "Campaign reminders is running.\n"), error);

        (code, output, _) = await RunAsync("campaign", "list", StoreArg);
        code.Should().Be(0);
        output.Should().MatchRegex(@"reminders\s+December reminders\s+running\s+2\s+2\s+0");

        (code, output, error) = await RunAsync("campaign", "results", "reminders", StoreArg);
        code.Should().Be(0, error);
        // A leading + is escaped as CSV injection (a spreadsheet shows the text +15551110001).
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Should().HaveCount(3).And.Contain(l => l.StartsWith("\"'+15551110001\",Owes,", StringComparison.Ordinal))
            .And.Contain(l => l.StartsWith("1001,Desk Phone,,pending,0,", StringComparison.Ordinal));

        using var reopened = _temp.Open();
        var saved = await ((IDialerStore)reopened).GetCampaignAsync("reminders");
        saved!.State.Should().Be(OutboundCampaignState.Running);
        saved.Hours.Days.Should().Equal(DayOfWeek.Monday, DayOfWeek.Tuesday);
        saved.Busy.After.Should().Be(TimeSpan.FromMinutes(10));
        saved.NoAnswer.MaxAttempts.Should().Be(3, "what the file does not say keeps its default");
    }

    [Fact]
    public async Task A_wrong_campaign_file_is_refused_with_every_problem_and_nothing_is_saved()
    {
        var file = Path.Combine(_temp.Folder, "bad.json");
        await File.WriteAllTextAsync(file, """{ "id": "bad id", "name": "x", "cardDnis": "7000", "callerIdNumber": "Bank", "dialString": "user/1001" }""");

        var (code, _, error) = await RunAsync("campaign", "save", file, StoreArg);

        code.Should().Be(2);
        error.Should().Contain("error: id: 1 to 64 letters").And.Contain("error: caller id: a number").And.Contain("error: dial string: {number} once");
        (await RunAsync("campaign", "save", Path.Combine(_temp.Folder, "missing.json"), StoreArg)).Code.Should().Be(2);
        await File.WriteAllTextAsync(file, "{ not json");
        (await RunAsync("campaign", "save", file, StoreArg)).Error.Should().Contain("is not a campaign");

        await File.WriteAllTextAsync(file, """{ "id": "ok", "name": "x", "cardDnis": "7999", "callerIdNumber": "100", "dialString": "user/{number}" }""");
        (await RunAsync("campaign", "save", file, StoreArg)).Error.Should().Contain("there is no campaign card for number 7999");
        (await RunAsync("campaign", "list", StoreArg)).Output.Should().Be("No campaigns.\n");
    }

    [Fact]
    public async Task A_number_on_the_do_not_call_list_is_added_checked_and_removed_in_any_usual_writing()
    {
        (await RunAsync("dnc", "check", "+15551110001", StoreArg)).Should().Be((1, "+15551110001 is not on the do-not-call list.\n", string.Empty));
        var (code, output, error) = await RunAsync("dnc", "add", "(555) 111-0001", "--reason", "asked by letter", StoreArg);
        (code, output).Should().Be((0, "+15551110001 is on the do-not-call list.\n"), error);
        (code, output, _) = await RunAsync("dnc", "check", "+1 555 111 0001", StoreArg);
        code.Should().Be(0);
        output.Should().Contain("+15551110001 is on the do-not-call list since").And.Contain("asked by letter");
        (await RunAsync("dnc", "remove", "+15551110001", StoreArg)).Code.Should().Be(0);
        (await RunAsync("dnc", "remove", "+15551110001", StoreArg)).Error.Should().Be("error: +15551110001 is not on the do-not-call list.\n");
        (await RunAsync("dnc", "add", "not a number", StoreArg)).Code.Should().Be(2);
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        using var input = new StringReader(string.Empty);
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await EngineCli.RunAsync(args, input, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
