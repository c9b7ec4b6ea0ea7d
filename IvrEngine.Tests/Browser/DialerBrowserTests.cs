using System.Text;
using System.Text.RegularExpressions;
using IvrEngine.Profiles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace IvrEngine.Tests.Browser;

/// <summary>The outgoing campaigns page (<c>/campaigns</c>) in Chromium against the real engine (<see cref="RealDesk"/>,
/// with the demo data's outgoing card 7000): an admin creates a campaign (a wrong one first: its problems are shown next
/// to the form), uploads a contact file, starts and pauses it and sees the state and the buttons follow, downloads the
/// results and uses the do-not-call list; with no axe violation on the way. The docs' screenshot of the page is made
/// here.</summary>
public sealed class DialerBrowserTests
{
    [BrowserFact]
    public async Task An_admin_creates_a_campaign_uploads_its_contacts_starts_and_pauses_it_and_downloads_its_results()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url, new ViewportSize { Width = 1280, Height = 900 });
        var dialer = (IDialerStore)lab.Services.GetRequiredService<IClientStore>();

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "admin", "/admin");
            await page.GetByRole(AriaRole.Navigation, new() { Name = "Pages" }).GetByRole(AriaRole.Link, new() { Name = "Outgoing campaigns" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/campaigns$"));
            var list = page.GetByRole(AriaRole.Table, new() { Name = "Campaigns" });
            await Assertions.Expect(list).ToContainTextAsync("No campaigns yet");
            await Assertions.Expect(page.GetByLabel("Flow of an answered call").Locator("option")).ToHaveCountAsync(2, new() { Timeout = 10_000 });
            await Axe.ShouldHaveNoViolationsAsync(page, "the campaigns page with no campaign");

            // A wrong campaign: every problem in plain words next to the form, nothing saved.
            var form = page.GetByRole(AriaRole.Form, new() { Name = "Campaign settings" });
            await form.GetByLabel("Campaign id").FillAsync("reminders");
            await form.GetByLabel("Name", new() { Exact = true }).FillAsync("Payment reminders");
            await form.GetByLabel("Campaign card (its number)").FillAsync("7000");
            await form.GetByLabel("Caller id number").FillAsync("Bank");
            await form.GetByLabel("From").FillAsync("20:00");
            await form.GetByLabel("To", new() { Exact = true }).FillAsync("09:00");
            await form.GetByRole(AriaRole.Button, new() { Name = "Save campaign" }).ClickAsync();
            var problems = page.GetByTestId("campaign-msg").GetByRole(AriaRole.List, new() { Name = "Problems" });
            await Assertions.Expect(problems.GetByRole(AriaRole.Listitem)).ToHaveTextAsync(
                ["caller id: a number (digits, an optional +)", "calling hours: 'from' must be before 'to' (the same day, in the contact's time zone)"]);
            await Axe.ShouldHaveNoViolationsAsync(page, "the campaigns page with a refused save");
            (await dialer.ListCampaignsAsync()).Should().BeEmpty();

            await form.GetByLabel("Caller id number").FillAsync("+15550100");
            await form.GetByLabel("From").FillAsync("09:00");
            await form.GetByLabel("To", new() { Exact = true }).FillAsync("20:00");
            await form.GetByLabel("Flow of an answered call").SelectOptionAsync("default");
            await form.GetByLabel("After a busy line, wait (minutes)").FillAsync("15");
            await form.GetByRole(AriaRole.Button, new() { Name = "Save campaign" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("campaign-msg")).ToHaveTextAsync("Campaign reminders added (draft).");
            await Assertions.Expect(page.GetByTestId("campaign-state")).ToHaveTextAsync("draft");
            await Assertions.Expect(list.GetByRole(AriaRole.Row).Filter(new() { HasText = "reminders" })).ToContainTextAsync("draft");
            var saved = await dialer.GetCampaignAsync("reminders");
            (saved!.Flow, saved.Busy.After, saved.CallerIdNumber).Should().Be(("default", TimeSpan.FromMinutes(15), "+15550100"));

            var actions = page.GetByRole(AriaRole.Group, new() { Name = "Campaign actions" });
            await Assertions.Expect(actions.GetByRole(AriaRole.Button, new() { Name = "Start campaign reminders" })).ToBeEnabledAsync();
            await Assertions.Expect(actions.GetByRole(AriaRole.Button, new() { Name = "Pause campaign reminders" })).ToBeDisabledAsync();
            await Assertions.Expect(actions.GetByRole(AriaRole.Button, new() { Name = "Resume campaign reminders" })).ToBeDisabledAsync();

            // The contact file: three rows taken, one refused with its line.
            var upload = page.GetByRole(AriaRole.Form, new() { Name = "Add contacts from a file" });
            await upload.GetByLabel("Contact file (CSV with the columns phone, name, timezone)").SetInputFilesAsync(new FilePayload
            {
                Name = "contacts.csv",
                MimeType = "text/csv",
                Buffer = Encoding.UTF8.GetBytes("phone,name,timezone\n+1 555 111 0001,Ann Example,\n1001,Desk Phone,Asia/Tbilisi\nnonsense,,\n+15551110003,\"=HYPERLINK(\"\"http://evil\"\")\",\n"),
            });
            await upload.GetByRole(AriaRole.Button, new() { Name = "Upload the contacts" }).ClickAsync();
            var added = page.GetByTestId("contacts-msg");
            await Assertions.Expect(added).ToContainTextAsync("From contacts.csv: 3 contacts found, 3 added, 0 already in the campaign, 1 rejected.");
            await Assertions.Expect(added.GetByRole(AriaRole.List, new() { Name = "Rows not taken" })).ToContainTextAsync("Line 4: phone 'nonsense' is not a phone number");
            var contacts = page.GetByRole(AriaRole.Table, new() { Name = "Contacts" });
            await Assertions.Expect(contacts.GetByRole(AriaRole.Row).Filter(new() { HasText = "Desk Phone" })).ToContainTextAsync("Asia/Tbilisi");
            await Assertions.Expect(contacts.Locator("caption")).ToHaveTextAsync("Contacts 1 to 3 of 3");
            await Assertions.Expect(list.GetByRole(AriaRole.Row).Filter(new() { HasText = "reminders" }).GetByRole(AriaRole.Cell).Nth(2)).ToHaveTextAsync("3");

            // Start, then pause: the state and the buttons follow, and the store has the state the dialer reads.
            await actions.GetByRole(AriaRole.Button, new() { Name = "Start campaign reminders" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("campaign-state")).ToHaveTextAsync("running");
            await Assertions.Expect(list.GetByRole(AriaRole.Row).Filter(new() { HasText = "reminders" })).ToContainTextAsync("running");
            await Assertions.Expect(actions.GetByRole(AriaRole.Button, new() { Name = "Start campaign reminders" })).ToBeDisabledAsync();
            await actions.GetByRole(AriaRole.Button, new() { Name = "Pause campaign reminders" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("campaign-state")).ToHaveTextAsync("paused");
            await Assertions.Expect(actions.GetByRole(AriaRole.Button, new() { Name = "Resume campaign reminders" })).ToBeEnabledAsync();
            await Assertions.Expect(actions.GetByRole(AriaRole.Button, new() { Name = "Pause campaign reminders" })).ToBeDisabledAsync();
            (await dialer.GetCampaignAsync("reminders"))!.State.Should().Be(OutboundCampaignState.Paused);

            var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("results-csv").ClickAsync());
            download.SuggestedFilename.Should().Be("campaign-reminders-results.csv");
            var csv = (await File.ReadAllTextAsync((await download.PathAsync())!)).Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
            csv.Should().HaveCount(4);
            csv[0].Should().StartWith("phone,name,client_id,status,attempts");
            csv.Should().Contain(l => l.StartsWith("1001,Desk Phone,,pending,0,", StringComparison.Ordinal))
                .And.Contain(l => l.StartsWith("\"'+15551110003\",\"'=HYPERLINK(", StringComparison.Ordinal), "a formula is written as text");

            // The do-not-call list.
            var dnc = page.GetByRole(AriaRole.Form, new() { Name = "Do-not-call list" });
            await dnc.GetByLabel("Phone number").FillAsync("(555) 111-0002");
            await dnc.GetByLabel("Reason (when adding)").FillAsync("asked by letter");
            await dnc.GetByRole(AriaRole.Button, new() { Name = "Add to the list" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("dnc-msg")).ToHaveTextAsync("+15551110002 is on the do-not-call list (asked by letter).");
            (await dialer.FindDoNotCallAsync("+15551110002")).Should().NotBeNull();
            var listed = page.GetByRole(AriaRole.Table, new() { Name = "Numbers on the do-not-call list" });
            await Assertions.Expect(listed.GetByRole(AriaRole.Row, new() { Name = "+15551110002 asked by letter" })).ToBeVisibleAsync();
            await dnc.GetByRole(AriaRole.Button, new() { Name = "Take off the list" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("dnc-msg")).ToHaveTextAsync("(555) 111-0002 is off the do-not-call list.");
            await Assertions.Expect(listed.GetByRole(AriaRole.Row, new() { Name = "+15551110002 asked by letter" })).ToHaveCountAsync(0);
            await dnc.GetByRole(AriaRole.Button, new() { Name = "Check the number" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("dnc-msg")).ToHaveTextAsync("+15551110002 is not on the do-not-call list.");
            (await dialer.FindDoNotCallAsync("+15551110002")).Should().BeNull();

            await Axe.ShouldHaveNoViolationsAsync(page, "the campaigns page with a paused campaign and its contacts");
            await browser.SaveScreenshotAsync(Path.Combine(BrowserEnvironment.ScreenshotFolder(), "campaigns.png"));
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().Equal(["400 PUT /api/dialer/campaigns/reminders"], "the refused save is the only error");
        });
    }

    [BrowserFact]
    public async Task A_transition_the_state_does_not_allow_is_refused_on_the_page_in_plain_words()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);
        var dialer = (IDialerStore)lab.Services.GetRequiredService<IClientStore>();
        await dialer.SaveCampaignAsync(new OutboundCampaign { Id = "survey", Name = "Survey", CardDnis = "7001", CallerIdNumber = "+15550100" });

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "admin", "/campaigns");
            await page.GetByRole(AriaRole.Button, new() { Name = "Open campaign survey" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("campaign-state")).ToHaveTextAsync("draft");
            await Assertions.Expect(page.GetByRole(AriaRole.Form, new() { Name = "Campaign settings" }).GetByLabel("Campaign id")).ToHaveValueAsync("survey");

            // Stopped meanwhile (by the command line, another admin): the page's Start is refused with the reason.
            var stored = (await dialer.GetCampaignAsync("survey"))!;
            stored.State = OutboundCampaignState.Stopped;
            await dialer.SaveCampaignAsync(stored);
            await page.GetByRole(AriaRole.Button, new() { Name = "Start campaign survey" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Not done" }))
                .ToHaveTextAsync("Not done: campaign survey: only a draft can be started; this campaign is stopped.");
            await Assertions.Expect(page.GetByTestId("campaign-state")).ToHaveTextAsync("stopped");
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Stop campaign survey" })).ToBeDisabledAsync();
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().Equal(["409 POST /api/dialer/campaigns/survey/start"]);
        });
    }
}
