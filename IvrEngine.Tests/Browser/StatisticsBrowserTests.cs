using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text.Json;
using System.Text.RegularExpressions;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Statistics;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Tests.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace IvrEngine.Tests.Browser;

/// <summary>The statistics page in Chromium against the real engine (<see cref="RealDesk"/> with the shipped flows):
/// the live wallboard from the desk stream while callers are in the IVR, wait in queues and talk to an agent, then the
/// reports and charts of what those calls were counted as, the CSV downloads and the bank flow's funnel; and who may
/// open the page; a report filtered on an agent, with the charts of handle time, wrap-ups and requests of calls wrapped
/// up and ticketed on the desk. The docs' screenshots of the wallboard, the funnel and the filtered report are made here.</summary>
public sealed class StatisticsBrowserTests(ITestOutputHelper output)
{
    /// <summary>The headings of the charts whose tables the filtered report opens.</summary>
    private static readonly string[] ChartTables = ["handle-heading", "wrap-ups-heading", "hourly-heading"];

    /// <summary>The links that download the report the page shows: its own and those under the new charts.</summary>
    private static readonly string[] ReportCsvLinks = ["report-csv", "handle-csv", "wrap-ups-csv"];

    [BrowserFact]
    public async Task The_wallboard_shows_callers_live_and_the_reports_charts_csv_and_funnel_show_the_calls_counted()
    {
        var folder = BrowserEnvironment.ScreenshotFolder();
        await using var lab = await RealDesk.StartAsync(RealDesk.ShippedFlows, "--Statistics:HangupGraceSeconds=0");
        await using var browser = await BrowserSession.StartAsync(lab.Url, new ViewportSize { Width = 1280, Height = 900 });
        var collector = lab.Services.GetRequiredService<StatisticsCollector>();
        var counted = collector.CountedCalls.FirstAsync(n => n >= 3).ToTask();

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "supervisor", "/statistics");
            await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Connected");
            await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Pages" }).GetByRole(AriaRole.Link, new() { Name = "Statistics" }))
                .ToHaveAttributeAsync("aria-current", "page");
            await Assertions.Expect(page.GetByTestId("report-message")).ToHaveTextAsync(new Regex("^No calls from "));
            var queues = page.GetByRole(AriaRole.Table, new() { Name = "Waiting per queue" });
            var agents = page.GetByRole(AriaRole.Table, new() { Name = "Agents by state" });
            await Assertions.Expect(queues).ToContainTextAsync("Nobody is waiting.");
            await Assertions.Expect(agents.GetByRole(AriaRole.Row).Filter(new() { HasText = "Available" })).ToHaveTextAsync(new Regex("Available\\s*Waiting\\s*2"));

            // A caller the bank flow asks how to identify, who says nothing yet: in the IVR.
            var silent = await lab.FreeSwitch.StartCallAsync(lab.Engine.EndPoint, new CallerScript { Ani = DemoDataSeeder.UnknownAnis[0], CallerName = string.Empty });
            await Assertions.Expect(page.GetByTestId("in-ivr")).ToHaveTextAsync("1");
            await silent.HangUpAsync();
            await silent.Completion.WaitAsync(EngineUnderTest.Patience);
            await Assertions.Expect(page.GetByTestId("in-ivr")).ToHaveTextAsync("0");

            // The VIP waits in the VIP queue: the queue's row and the longest wait, which counts up on its own.
            var vip = await lab.QueuedCallAsync(DemoDataSeeder.WellKnown.VipPhone);
            var vipQueue = lab.Desk.Waiting().Single().Queue;
            await Assertions.Expect(page.GetByTestId("waiting-total")).ToHaveTextAsync("1");
            var vipRow = queues.GetByRole(AriaRole.Row).Filter(new() { HasText = vipQueue });
            await Assertions.Expect(vipRow).ToHaveTextAsync(new Regex($"^{Regex.Escape(vipQueue)}\\s*1\\s*0:\\d\\d$"));
            var longest = page.GetByTestId("longest-wait");
            await Assertions.Expect(longest).ToHaveTextAsync(new Regex("^0:\\d\\d$"));
            var shown = await longest.TextContentAsync();
            await Assertions.Expect(longest).Not.ToHaveTextAsync(shown!);

            // The agent takes it; a second caller, not identified, goes to the general queue.
            await vip.OfferToAgentAsync(RealDesk.Agent1001, answer: true);
            await Assertions.Expect(page.GetByTestId("with-agents")).ToHaveTextAsync("1");
            await Assertions.Expect(queues).ToContainTextAsync("Nobody is waiting.");
            await Assertions.Expect(agents).ToContainTextAsync(new Regex("Available\\s*In a queue call\\s*1"));
            var unknown = await lab.QueuedCallAsync(DemoDataSeeder.UnknownAnis[1], "2", "55555#", "55555#", "55555#");
            var generalQueue = lab.Desk.Waiting().Single().Queue;
            generalQueue.Should().NotBe(vipQueue);
            await Assertions.Expect(queues.GetByRole(AriaRole.Row).Filter(new() { HasText = generalQueue })).ToContainTextAsync("1");
            await Assertions.Expect(page.GetByTestId("waiting-total")).ToHaveTextAsync("1");
            await page.EvaluateAsync("() => document.fonts.ready.then(() => true)");
            await page.Mouse.MoveAsync(0, 0);
            var wallboardPng = Path.Combine(folder, "statistics-wallboard.png");
            await page.GetByTestId("wallboard").ScreenshotAsync(new LocatorScreenshotOptions { Path = wallboardPng });
            new FileInfo(wallboardPng).Length.Should().BeGreaterThan(10_000);
            output.WriteLine($"statistics-wallboard.png: {wallboardPng}");

            // The second caller gives up waiting; the agent ends the VIP's call. Three calls to count.
            await unknown.HangUpAsync();
            await unknown.Completion.WaitAsync(EngineUnderTest.Patience);
            await vip.AgentEndsAsync();
            await vip.Completion.WaitAsync(EngineUnderTest.Patience);
            (await counted.WaitAsync(EngineUnderTest.Patience)).Should().BeGreaterThanOrEqualTo(3);
            await collector.FlushAsync(lab.Services.GetRequiredService<IStatisticsStore>());

            var form = page.GetByRole(AriaRole.Form, new() { Name = "Report" });
            await Assertions.Expect(form.GetByLabel("Rows by")).ToHaveValueAsync("queue");
            await form.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("report-message")).ToHaveTextAsync(new Regex("^3 calls from "));
            var report = await TableAsync(page, "Report by queue");
            report.Keys.Should().BeEquivalentTo(["(none)", vipQueue, generalQueue]);
            report[vipQueue].Keys.Should().ContainInOrder(["Calls", "IVR calls", "Contained", "Containment %", "Abandoned in IVR", "Failed in IVR",
                "Queued", "Answered", "Abandoned", "Abandon %", "Overflowed", "Service level %", "Avg wait s", "P90 wait s", "Avg talk s", "Avg in IVR s",
                "Transfers", "Repeats"], "the table has every figure of the report");
            report[vipQueue].Should().Contain(new Dictionary<string, string> { ["Calls"] = "1", ["Queued"] = "1", ["Answered"] = "1", ["Abandoned"] = "0", ["Service level %"] = "100" });
            report[generalQueue].Should().Contain(new Dictionary<string, string> { ["Calls"] = "1", ["Queued"] = "1", ["Answered"] = "0", ["Abandoned"] = "1", ["Abandon %"] = "100", ["Service level %"] = "0" });
            report["(none)"].Should().Contain(new Dictionary<string, string> { ["Calls"] = "1", ["Abandoned in IVR"] = "1", ["Queued"] = "0", ["Service level %"] = "—" });

            // The charts are drawn from the same figures.
            var hourly = await ChartAsync(page, "hourly-chart");
            hourly.Drawn.Should().BeTrue("the hourly chart has pixels on its canvas");
            hourly.Totals.Should().Equal(new Dictionary<string, double>
            {
                ["Answered"] = 1, ["Abandoned"] = 1, ["Overflowed"] = 0, ["Contained in IVR"] = 0, ["Abandoned in IVR"] = 1,
            });
            hourly.Labels.Should().HaveCount(24);
            var serviceLevel = await ChartAsync(page, "sl-chart");
            serviceLevel.Drawn.Should().BeTrue();
            serviceLevel.Labels.Should().BeEquivalentTo([vipQueue, generalQueue]);
            serviceLevel.Series["Service level % (answered within 20 s)"].Should().Equal(serviceLevel.Labels.Select(q => q == vipQueue ? 100d : 0d));
            serviceLevel.Series["Abandon %"].Should().Equal(serviceLevel.Labels.Select(q => q == vipQueue ? 0d : 100d));

            // The CSV link downloads the same report.
            var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("report-csv").ClickAsync());
            download.SuggestedFilename.Should().MatchRegex("^ivrengine-queue-.*\\.csv$");
            var csv = (await File.ReadAllTextAsync((await download.PathAsync())!)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            csv[0].Should().StartWith("queue,calls,calls_in_ivr,");
            csv.Should().Contain(l => l.StartsWith(vipQueue + ",1,1,", StringComparison.Ordinal));
            csv.Should().HaveCount(4);

            // The hourly chart's table has its CSV too: the report by hour, 24 rows at most (hours with calls).
            await page.Locator("#hourly-heading ~ details summary").ClickAsync();
            var hourlyCsv = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("hourly-csv").ClickAsync());
            hourlyCsv.SuggestedFilename.Should().MatchRegex("^ivrengine-hour-.*\\.csv$");
            (await File.ReadAllTextAsync((await hourlyCsv.PathAsync())!)).Should().StartWith("hour,calls,");

            // Rows by agent: the agent who answered.
            await form.GetByLabel("Rows by").SelectOptionAsync("agent");
            await form.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
            var byAgent = await TableAsync(page, "Report by agent");
            byAgent[RealDesk.Agent1001]["Answered"].Should().Be("1");

            // The funnel of the bank flow (the only flow that ran, picked already): three callers at its first step.
            var funnelForm = page.GetByRole(AriaRole.Form, new() { Name = "Funnel" });
            await Assertions.Expect(funnelForm.GetByLabel("Flow")).ToHaveValueAsync("bank");
            await funnelForm.GetByRole(AriaRole.Button, new() { Name = "Show funnel" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("funnel-message")).ToHaveTextAsync(new Regex("^bank: 3 callers at its first step, \\d+ steps\\.$"));
            var steps = await TableAsync(page, "Funnel of bank");
            steps.Should().NotBeEmpty();
            steps.Values.First()["Entered"].Should().Be("3", "every caller reaches the flow's first step");
            steps.Keys.Should().Contain(["identify", "welcome", "how-identify"]);
            steps.Values.Sum(s => int.Parse(s["Hung up"], System.Globalization.CultureInfo.InvariantCulture)).Should().Be(1, "one caller hung up in the IVR");
            steps.Values.Select(s => s["Left to"]).Should().Contain(t => t.Contains("vip", StringComparison.Ordinal)).And.Contain(t => t.Contains("general", StringComparison.Ordinal));
            var funnel = await ChartAsync(page, "funnel-chart");
            funnel.Drawn.Should().BeTrue();
            funnel.Labels.Should().Equal(steps.Keys);
            funnel.Series["Entered"].Should().Equal(steps.Values.Select(s => double.Parse(s["Entered"], System.Globalization.CultureInfo.InvariantCulture)));
            var funnelCsv = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId("funnel-csv").ClickAsync());
            var funnelLines = (await File.ReadAllTextAsync((await funnelCsv.PathAsync())!)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            funnelLines.Should().HaveCount(steps.Count + 1, "a header and a line per step");

            await page.EvaluateAsync("() => document.fonts.ready.then(() => true)");
            await page.Mouse.MoveAsync(0, 0);
            var funnelPng = Path.Combine(folder, "statistics-funnel.png");
            await page.GetByTestId("funnel").ScreenshotAsync(new LocatorScreenshotOptions { Path = funnelPng });
            new FileInfo(funnelPng).Length.Should().BeGreaterThan(10_000);
            output.WriteLine($"statistics-funnel.png: {funnelPng}");
            await Axe.ShouldHaveNoViolationsAsync(page, "the statistics page with a report and a funnel");

            // A flow nobody went through, and a request the engine refuses, are said in words.
            await funnelForm.GetByLabel("Flow").FillAsync("taxi");
            await funnelForm.GetByRole(AriaRole.Button, new() { Name = "Show funnel" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("funnel-message")).ToHaveTextAsync("No caller went through the flow taxi in this period.");
            await form.GetByLabel("Time zone").FillAsync("Mars/Olympus_Mons");
            await form.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "The report could not be made" })).ToContainTextAsync("Mars/Olympus_Mons");
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().NotBeEmpty().And.OnlyContain(r => r.StartsWith("400 GET /api/statistics/report?", StringComparison.Ordinal));
        });
    }

    [BrowserFact]
    public async Task The_campaign_table_shows_each_outgoing_campaigns_lifetime_figures_and_downloads_them_and_a_campaigns_results_as_csv()
    {
        var folder = BrowserEnvironment.ScreenshotFolder();
        await using var lab = await RealDesk.StartAsync();
        var store = (IDialerStore)lab.Services.GetRequiredService<IClientStore>();
        var now = DateTimeOffset.UtcNow;

        // A campaign of five contacts as a dialer left it: one answered and transferred to 1001, one answered and
        // completed the survey, one busy (to be retried), one not answered within its attempts, one on the do-not-call
        // list; and a draft nobody was dialed from.
        await store.SaveCampaignAsync(new OutboundCampaign
        {
            Id = "reminders", Name = "Payment reminders", CardDnis = "7000", CallerIdNumber = "5550100", State = OutboundCampaignState.Running, CreatedAt = now.AddDays(-2),
        });
        await store.SaveCampaignAsync(new OutboundCampaign
        {
            Id = "survey", Name = "December survey", CardDnis = "7001", CallerIdNumber = "5550100", State = OutboundCampaignState.Draft, CreatedAt = now.AddDays(-1),
        });
        await store.AddDoNotCallAsync(new DoNotCallEntry("2005", "asked not to be called", now));
        await store.AddContactsAsync("reminders", [.. Enumerable.Range(2001, 5).Select(n => n.ToString(CultureInfo.InvariantCulture)).Select(p => new CampaignContact { Phone = p, Name = "Contact " + p, TimeZone = "UTC" })]);
        var claimed = (await store.ClaimDueAsync("reminders", "engine", now, 5, ["UTC"])).ToDictionary(c => c.Phone);
        claimed.Keys.Should().BeEquivalentTo(["2001", "2002", "2003", "2004"], "2005 is on the do-not-call list");
        async Task Attempt(string phone, string outcome, string? cause, ContactStatus status) =>
            (await store.RecordAttemptAsync(claimed[phone].Id, claimed[phone].CallUuid!, outcome, cause, status, status == ContactStatus.Pending ? now.AddMinutes(10) : null)).Should().BeTrue();
        await Attempt("2001", AttemptOutcomes.Answered, null, ContactStatus.Done);
        await store.RecordResultAsync(claimed["2001"].Id, claimed["2001"].CallUuid!, ContactResults.Transferred, new Dictionary<string, string>(), null);
        (await store.RecordAgentAsync(claimed["2001"].Id, claimed["2001"].CallUuid!, RealDesk.Agent1001)).Should().BeTrue();
        await Attempt("2002", AttemptOutcomes.Answered, null, ContactStatus.Done);
        await store.RecordResultAsync(claimed["2002"].Id, claimed["2002"].CallUuid!, ContactResults.Completed, new Dictionary<string, string> { ["satisfaction"] = "5" }, null);
        await Attempt("2003", AttemptOutcomes.Busy, "USER_BUSY", ContactStatus.Pending);
        await Attempt("2004", AttemptOutcomes.NoAnswer, "NO_ANSWER", ContactStatus.Exhausted);

        await using var browser = await BrowserSession.StartAsync(lab.Url, new ViewportSize { Width = 1280, Height = 900 });
        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "supervisor", "/statistics");
            await Assertions.Expect(page.GetByTestId("campaigns-message")).ToHaveTextAsync("2 campaigns, 4 contacts dialed.");
            await Assertions.Expect(page.GetByTestId("campaigns-lifetime")).ToContainTextAsync("whatever the period above");
            var table = await TableAsync(page, "Outgoing campaigns");
            table.Keys.Should().Equal("December survey (survey)", "Payment reminders (reminders)");
            table["Payment reminders (reminders)"].Should().Equal(new Dictionary<string, string>
            {
                ["State"] = "running", ["Contacts"] = "5", ["Dialed"] = "4", ["Attempts"] = "4", ["Answered"] = "2", ["Answer %"] = "50",
                ["Completed"] = "1", ["Transferred"] = "1", ["Opted out"] = "0", ["Busy"] = "1", ["No answer"] = "1", ["Failed"] = "0",
                ["Do not call"] = "1", ["Pending"] = "1", ["Results"] = "CSV per contact",
            });
            table["December survey (survey)"].Should().Contain(new Dictionary<string, string> { ["State"] = "draft", ["Contacts"] = "0", ["Dialed"] = "0", ["Answer %"] = "—" });

            // The table's CSV: the same figures.
            var campaigns = await CsvAsync(page, "campaigns-csv", "^ivrengine-campaigns-[0-9]{8}T[0-9]{4}\\.csv$");
            campaigns.Keys.Should().Equal("survey", "reminders");
            campaigns["reminders"].Should().Contain(new Dictionary<string, string>
            {
                ["name"] = "Payment reminders", ["contacts"] = "5", ["dialed"] = "4", ["answered"] = "2", ["answer_percent"] = "50.0", ["completed"] = "1",
                ["transferred"] = "1", ["opted_out"] = "0", ["busy"] = "1", ["no_answer"] = "1", ["failed"] = "0", ["do_not_call"] = "1", ["pending"] = "1",
            });
            campaigns["survey"].Should().Contain(new Dictionary<string, string> { ["name"] = "December survey", ["state"] = "draft", ["answer_percent"] = string.Empty });

            // A campaign's results per contact, from its row.
            var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Payment reminders" });
            var download = await page.RunAndWaitForDownloadAsync(() => row.GetByRole(AriaRole.Link, new() { Name = "CSV per contact of Payment reminders" }).ClickAsync());
            download.SuggestedFilename.Should().MatchRegex("^ivrengine-campaign-reminders-[0-9]{8}T[0-9]{4}\\.csv$");
            var lines = (await File.ReadAllTextAsync((await download.PathAsync())!)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            lines.Should().HaveCount(6);
            lines.Should().Contain(l => l.StartsWith("2001,Contact 2001,,done,1,", StringComparison.Ordinal) && l.EndsWith(",answered,,transferred," + RealDesk.Agent1001 + ",", StringComparison.Ordinal));
            lines.Should().Contain(l => l.StartsWith("2002,", StringComparison.Ordinal) && l.EndsWith(",completed,,satisfaction=5", StringComparison.Ordinal));
            lines.Should().Contain(l => l.StartsWith("2005,Contact 2005,,donotcall,0,", StringComparison.Ordinal));

            await page.EvaluateAsync("() => document.fonts.ready.then(() => true)");
            await page.EvaluateAsync("() => { document.getElementById('campaigns-table').scrollLeft = 0; }");
            await page.Mouse.MoveAsync(0, 0);
            var png = Path.Combine(folder, "statistics-campaigns.png");
            await page.GetByTestId("campaigns").ScreenshotAsync(new LocatorScreenshotOptions { Path = png });
            new FileInfo(png).Length.Should().BeGreaterThan(10_000);
            output.WriteLine($"statistics-campaigns.png: {png}");
            await Axe.ShouldHaveNoViolationsAsync(page, "the statistics page with the campaign table");
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task An_agent_has_no_statistics_page_nor_link_and_an_admin_has_both()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);

        await browser.RunAsync(async agent =>
        {
            await RealDesk.SignInAsync(agent, "agent1001");
            var nav = agent.GetByRole(AriaRole.Navigation, new() { Name = "Pages" });
            await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Agent desk" })).ToBeVisibleAsync();
            await Assertions.Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Statistics" })).ToHaveCountAsync(0);
            (await agent.GotoAsync("/statistics"))!.Status.Should().Be(403);
            (await agent.APIRequest.GetAsync("/api/statistics/report")).Status.Should().Be(403);

            var admin = await browser.NewContextPageAsync();
            await RealDesk.SignInAsync(admin, "admin", "/admin");
            await admin.GetByRole(AriaRole.Navigation, new() { Name = "Pages" }).GetByRole(AriaRole.Link, new() { Name = "Statistics" }).ClickAsync();
            await Assertions.Expect(admin).ToHaveURLAsync(new Regex("/statistics$"));
            await Assertions.Expect(admin.GetByRole(AriaRole.Heading, new() { Name = "Live wallboard" })).ToBeVisibleAsync();
            await Assertions.Expect(admin.GetByTestId("connection")).ToHaveTextAsync("Connected");
            await Assertions.Expect(admin.GetByTestId("report-message")).ToHaveTextAsync(new Regex("^No calls from "));
            browser.ScriptErrors.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task A_report_filtered_on_an_agent_shows_that_agents_calls_wrap_ups_requests_and_handle_time_and_its_address_keeps_the_view()
    {
        var folder = BrowserEnvironment.ScreenshotFolder();
        await using var lab = await RealDesk.StartAsync(RealDesk.ShippedFlows, "--Statistics:HangupGraceSeconds=0");
        await using var browser = await BrowserSession.StartAsync(lab.Url, new ViewportSize { Width = 1280, Height = 900 });
        var collector = lab.Services.GetRequiredService<StatisticsCollector>();
        var counted = collector.CountedCalls.FirstAsync(n => n >= 4).ToTask();

        // Four calls to the bank. The VIP goes to the vip queue and 1001 takes it; while they talk, a client (code E)
        // asks for an agent at the menu and 1002 takes it in general, and an unknown caller asks for one and gives up
        // waiting in general. Then another unknown caller asks for an agent and 1001 takes it in general.
        var vip = await lab.QueuedCallAsync(DemoDataSeeder.WellKnown.VipPhone);
        var vipQueue = lab.Desk.Waiting().Single().Queue;
        (await vip.OfferToAgentAsync(RealDesk.Agent1001, answer: true)).Should().NotBeNull();
        var (client, generalQueue) = await AnsweredAsync(lab, DemoDataSeeder.WellKnown.ExistingPhone, RealDesk.Agent1002, "0");
        vipQueue.Should().NotBe(generalQueue);
        var gaveUp = await lab.QueuedCallAsync(DemoDataSeeder.UnknownAnis[1], "0");
        lab.Desk.Waiting().Single().Queue.Should().Be(generalQueue);
        await gaveUp.HangUpAsync();
        await gaveUp.Completion.WaitAsync(EngineUnderTest.Patience);
        await vip.AgentEndsAsync();
        await vip.Completion.WaitAsync(EngineUnderTest.Patience);
        var (unknown, unknownQueue) = await AnsweredAsync(lab, DemoDataSeeder.UnknownAnis[0], RealDesk.Agent1001, "0");
        unknownQueue.Should().Be(generalQueue);
        (await counted.WaitAsync(EngineUnderTest.Patience)).Should().BeGreaterThanOrEqualTo(4);

        // The agents wrap their calls up (resolved, callback, escalated) and a supervisor opens requests from two of
        // them: one from the VIP's call, two from the client's.
        var web = new Uri(lab.Url);
        using (var agent1001 = await DeskWeb.TokenAsync(lab.Services, web, "agent1001"))
        using (var agent1002 = await DeskWeb.TokenAsync(lab.Services, web, "agent1002"))
        using (var supervisor = await DeskWeb.TokenAsync(lab.Services, web, "supervisor"))
        {
            await WrapUpAsync(agent1001, vip.Uuid, "resolved");
            await WrapUpAsync(agent1002, client.Uuid, "callback");
            await WrapUpAsync(agent1001, unknown.Uuid, "escalated");
            var clients = lab.Services.GetRequiredService<IClientStore>();
            await TicketAsync(supervisor, (await clients.FindByPhoneAsync(DemoDataSeeder.WellKnown.VipPhone))!.Id, vip.Uuid, "Card blocked");
            var olivia = (await clients.FindByPhoneAsync(DemoDataSeeder.WellKnown.ExistingPhone))!.Id;
            await TicketAsync(supervisor, olivia, client.Uuid, "Call back about the statement");
            await TicketAsync(supervisor, olivia, client.Uuid, "Address change");
        }

        await collector.FlushAsync(lab.Services.GetRequiredService<IStatisticsStore>());

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "supervisor", "/statistics");
            var form = page.GetByRole(AriaRole.Form, new() { Name = "Report" });
            await Assertions.Expect(page.GetByTestId("report-message")).ToHaveTextAsync(new Regex("^4 calls from "));
            await Assertions.Expect(form.GetByLabel("Filter", new() { Exact = true })).ToHaveValueAsync("");
            await Assertions.Expect(form.GetByLabel("Filter value")).ToBeDisabledAsync();
            await Assertions.Expect(page.GetByTestId("whole-days")).ToBeHiddenAsync();

            // All calls: the table, and the new charts' figures per queue.
            var report = await TableAsync(page, "Report by queue");
            report.Keys.Should().BeEquivalentTo([vipQueue, generalQueue]);
            report[generalQueue].Should().Contain(new Dictionary<string, string>
            {
                ["Calls"] = "3", ["Answered"] = "2", ["Abandoned"] = "1", ["Requests"] = "2", ["Wrap-ups"] = "2",
                ["Resolved"] = "0", ["Callback"] = "1", ["Escalated"] = "1", ["No action"] = "0", ["Other disposition"] = "0", ["Resolved %"] = "0",
            });
            report[vipQueue].Should().Contain(new Dictionary<string, string>
            {
                ["Calls"] = "1", ["Answered"] = "1", ["Requests"] = "1", ["Wrap-ups"] = "1", ["Resolved"] = "1", ["Callback"] = "0", ["Resolved %"] = "100",
            });
            report[vipQueue].Keys.Should().ContainInOrder("Requests", "Avg wrap-up s", "Avg handle s", "Wrap-ups", "Resolved", "Callback", "Escalated",
                "No action", "Other disposition", "Resolved %");
            var wrapUps = await ChartAsync(page, "wrap-ups-chart");
            wrapUps.Drawn.Should().BeTrue();
            wrapUps.Labels.Should().Equal(generalQueue, vipQueue);
            wrapUps.Series.Keys.Should().Equal("Resolved", "Callback", "Escalated", "No action", "Other disposition", "Requests");
            wrapUps.Series["Resolved"].Should().Equal(0, 1);
            wrapUps.Series["Callback"].Should().Equal(1, 0);
            wrapUps.Series["Escalated"].Should().Equal(1, 0);
            wrapUps.Series["No action"].Should().Equal(0, 0);
            wrapUps.Series["Requests"].Should().Equal(2, 1);
            wrapUps.Painted["Callback"].Should().BePositive("the callback of the general queue is a bar of its colour");
            wrapUps.Painted["No action"].Should().Be(0);
            var hourly = await ChartAsync(page, "hourly-chart");
            hourly.Totals["Answered"].Should().Be(3);
            hourly.Totals["Abandoned"].Should().Be(1);
            await HandleTimeShouldBeTheReportsAsync(page, [generalQueue, vipQueue]);

            // Filtered on agent 1001: the values offered are the agents of the period, no agent shown in words.
            await form.GetByLabel("Filter", new() { Exact = true }).SelectOptionAsync("agent");
            var values = form.GetByLabel("Filter value");
            await Assertions.Expect(values.Locator("option")).ToHaveTextAsync(["none (no agent)", RealDesk.Agent1001, RealDesk.Agent1002]);
            await Assertions.Expect(values).ToBeEnabledAsync();
            await values.SelectOptionAsync(RealDesk.Agent1001);
            await form.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("report-message")).ToHaveTextAsync(new Regex($"^2 calls of agent {Regex.Escape(RealDesk.Agent1001)} from "));
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("[?&]where=agent%3D1001%40default(&|$)"));
            await Assertions.Expect(page.GetByTestId("whole-days")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("whole-days")).ToContainTextAsync("filtered on agent and cut by queue");
            await Assertions.Expect(page.GetByTestId("whole-days")).ToContainTextAsync("whole UTC days");
            await FilteredOn1001ByQueueAsync(page, vipQueue, generalQueue);

            // Every CSV of the view follows the filter: the report's (also under the new charts) and the hourly chart's.
            foreach (var heading in ChartTables) await OpenTableAsync(page, heading);
            foreach (var link in ReportCsvLinks)
            {
                var lines = await CsvAsync(page, link, "^ivrengine-queue-.*\\.csv$");
                lines.Keys.Should().BeEquivalentTo([vipQueue, generalQueue], $"{link} downloads the filtered report by queue");
                lines[vipQueue].Should().Contain(new Dictionary<string, string>
                {
                    ["calls"] = "1", ["requests"] = "1", ["wrap_ups"] = "1", ["disposition_resolved"] = "1", ["disposition_callback"] = "0", ["resolved_pct"] = "100",
                });
                lines[generalQueue].Should().Contain(new Dictionary<string, string>
                {
                    ["calls"] = "1", ["abandoned"] = "0", ["requests"] = "0", ["wrap_ups"] = "1", ["disposition_escalated"] = "1", ["disposition_callback"] = "0",
                    ["resolved_pct"] = "0",
                });
            }

            var byHour = await CsvAsync(page, "hourly-csv", "^ivrengine-hour-.*\\.csv$");
            byHour.Values.Sum(l => int.Parse(l["answered"], CultureInfo.InvariantCulture)).Should().Be(2);
            byHour.Values.Sum(l => int.Parse(l["abandoned"], CultureInfo.InvariantCulture)).Should().Be(0);
            (await page.GetByTestId("sl-csv").GetAttributeAsync("href")).Should().Contain("where=agent%3D1001%40default");
            await TableAsync(page, "Average handle time per queue");
            await Axe.ShouldHaveNoViolationsAsync(page, "the statistics page with a report filtered on an agent and the charts' tables open");

            // The docs' screenshot: the pickers, the charts (their tables closed) and the start of the report's table.
            await page.EvaluateAsync("() => { for (const d of document.querySelectorAll('.chart details')) d.open = false; }");
            await page.EvaluateAsync("() => document.fonts.ready.then(() => true)");
            await page.Mouse.MoveAsync(0, 0);
            var reportPng = Path.Combine(folder, "statistics-report.png");
            await page.GetByTestId("reports").ScreenshotAsync(new LocatorScreenshotOptions { Path = reportPng });
            new FileInfo(reportPng).Length.Should().BeGreaterThan(10_000);
            output.WriteLine($"statistics-report.png: {reportPng}");

            // The page's address reproduces the view: opened again, the pickers and the figures are the same.
            await page.GotoAsync(page.Url);
            await Assertions.Expect(page.GetByTestId("report-message")).ToHaveTextAsync(new Regex($"^2 calls of agent {Regex.Escape(RealDesk.Agent1001)} from "));
            await Assertions.Expect(form.GetByLabel("Filter", new() { Exact = true })).ToHaveValueAsync("agent");
            await Assertions.Expect(form.GetByLabel("Filter value")).ToHaveValueAsync(RealDesk.Agent1001);
            await Assertions.Expect(form.GetByLabel("Rows by")).ToHaveValueAsync("queue");
            await FilteredOn1001ByQueueAsync(page, vipQueue, generalQueue);

            // The calls no agent took: the caller who gave up waiting.
            await form.GetByLabel("Filter value").SelectOptionAsync(new SelectOptionValue { Label = "none (no agent)" });
            await form.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("report-message")).ToHaveTextAsync(new Regex("^1 call without an agent from "));
            report = await TableAsync(page, "Report by queue");
            report.Keys.Should().Equal(generalQueue);
            report[generalQueue].Should().Contain(new Dictionary<string, string> { ["Calls"] = "1", ["Answered"] = "0", ["Abandoned"] = "1", ["Wrap-ups"] = "0" });
            (await ChartAsync(page, "wrap-ups-chart")).Labels.Should().BeEmpty("no call without an agent was wrapped up");
            (await ChartAsync(page, "handle-chart")).Labels.Should().BeEmpty("no call without an agent was answered");

            // Rows by agent, filtered on an agent: its own slices by hour, not whole days; the queues' chart still is.
            await form.GetByLabel("Filter value").SelectOptionAsync(RealDesk.Agent1002);
            await form.GetByLabel("Rows by").SelectOptionAsync("agent");
            await form.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("report-message")).ToHaveTextAsync(new Regex($"^1 call of agent {Regex.Escape(RealDesk.Agent1002)} from "));
            var byAgent = await TableAsync(page, "Report by agent");
            byAgent.Keys.Should().Equal(RealDesk.Agent1002);
            byAgent[RealDesk.Agent1002].Should().Contain(new Dictionary<string, string> { ["Calls"] = "1", ["Callback"] = "1", ["Requests"] = "2" });
            await Assertions.Expect(page.GetByTestId("whole-days")).ToBeHiddenAsync();
            await Assertions.Expect(page.GetByTestId("sl-whole-days")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Wrap-ups by disposition and requests per agent" })).ToBeVisibleAsync();
            var perAgent = await ChartAsync(page, "wrap-ups-chart");
            perAgent.Labels.Should().Equal(RealDesk.Agent1002);
            perAgent.Series["Callback"].Should().Equal(1);
            perAgent.Series["Requests"].Should().Equal(2);
            await HandleTimeShouldBeTheReportsAsync(page, [RealDesk.Agent1002]);
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().BeEmpty();
        });
    }

    /// <summary>The view of the calls agent 1001 took, rows by queue: one call in each queue, the VIP's resolved with a
    /// request, the other escalated without one; the hourly chart has their two answers and no abandon.</summary>
    private static async Task FilteredOn1001ByQueueAsync(IPage page, string vipQueue, string generalQueue)
    {
        var report = await TableAsync(page, "Report by queue");
        report.Keys.Should().BeEquivalentTo([vipQueue, generalQueue]);
        report[generalQueue].Should().Contain(new Dictionary<string, string>
        {
            ["Calls"] = "1", ["Answered"] = "1", ["Abandoned"] = "0", ["Requests"] = "0", ["Wrap-ups"] = "1", ["Callback"] = "0", ["Escalated"] = "1", ["Resolved %"] = "0",
        });
        report[vipQueue].Should().Contain(new Dictionary<string, string> { ["Calls"] = "1", ["Requests"] = "1", ["Wrap-ups"] = "1", ["Resolved"] = "1", ["Resolved %"] = "100" });
        var wrapUps = await ChartAsync(page, "wrap-ups-chart");
        wrapUps.Labels.Should().Equal(generalQueue, vipQueue);
        wrapUps.Series["Resolved"].Should().Equal(0, 1);
        wrapUps.Series["Callback"].Should().Equal(0, 0);
        wrapUps.Series["Escalated"].Should().Equal(1, 0);
        wrapUps.Series["Requests"].Should().Equal(0, 1);
        wrapUps.Painted["Callback"].Should().Be(0, "nobody of 1001's calls is to be called back");
        wrapUps.Painted["Escalated"].Should().BePositive();
        wrapUps.Painted["Resolved"].Should().BePositive();
        var hourly = await ChartAsync(page, "hourly-chart");
        hourly.Totals["Answered"].Should().Be(2);
        hourly.Totals["Abandoned"].Should().Be(0);
        var serviceLevel = await ChartAsync(page, "sl-chart");
        serviceLevel.Labels.Should().BeEquivalentTo([vipQueue, generalQueue]);
        serviceLevel.Series["Abandon %"].Should().Equal(0, 0);
        await HandleTimeShouldBeTheReportsAsync(page, [generalQueue, vipQueue]);
    }

    /// <summary>The handle time chart's bars are the rows with answered calls of the report the page shows (its JSON,
    /// fetched from the report's CSV link), each the average talk plus the wrap-up seconds per answered call: together
    /// the average handle time; the chart's table has the same rows.</summary>
    private static async Task HandleTimeShouldBeTheReportsAsync(IPage page, string[] rows)
    {
        var href = (await page.GetByTestId("report-csv").GetAttributeAsync("href"))!;
        var response = await page.APIRequest.GetAsync(href.Replace("format=csv", "format=json", StringComparison.Ordinal));
        response.Status.Should().Be(200);
        var figures = (await response.JsonAsync())!.Value.GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("figures"));
        var chart = await ChartAsync(page, "handle-chart");
        chart.Drawn.Should().BeTrue();
        chart.Labels.Should().Equal(rows);
        chart.Series.Keys.Should().Equal("Talk", "Wrap-up (per answered call)");
        for (var i = 0; i < rows.Length; i++)
        {
            var f = figures[rows[i]];
            f.GetProperty("wrapUps").GetInt64().Should().BePositive();
            chart.Series["Talk"][i].Should().BeApproximately(f.GetProperty("averageTalkSeconds").GetDouble(), 1e-9);
            (chart.Series["Talk"][i] + chart.Series["Wrap-up (per answered call)"][i]).Should().BeApproximately(f.GetProperty("averageHandleSeconds").GetDouble(), 1e-9);
            chart.Series["Wrap-up (per answered call)"][i].Should().BeGreaterThanOrEqualTo(0);
        }

        await OpenTableAsync(page, "handle-heading");
        (await TableAsync(page, (await page.Locator("#handle-heading").TextContentAsync())!)).Keys.Should().Equal(rows);
    }

    /// <summary>Opens the figures' table under a chart (by its heading's id), as a user does, unless it is open.</summary>
    private static async Task OpenTableAsync(IPage page, string headingId)
    {
        var details = page.Locator($"#{headingId} ~ details");
        if (await details.EvaluateAsync<bool>("d => d.open")) return;
        await details.Locator("summary").ClickAsync();
        await Assertions.Expect(details).ToHaveAttributeAsync("open", "");
    }

    /// <summary>A call from <paramref name="ani"/> (keying <paramref name="keys"/>) that waits in a queue, is answered by
    /// <paramref name="agent"/> and ended by the agent; with the queue it waited in.</summary>
    private static async Task<(SimulatedCall Call, string Queue)> AnsweredAsync(RealDesk lab, string ani, string agent, params string[] keys)
    {
        var call = await lab.QueuedCallAsync(ani, keys);
        var queue = lab.Desk.Waiting().Single().Queue;
        (await call.OfferToAgentAsync(agent, answer: true)).Should().NotBeNull();
        await call.AgentEndsAsync();
        await call.Completion.WaitAsync(EngineUnderTest.Patience);
        return (call, queue);
    }

    private static async Task WrapUpAsync(HttpClient agent, string callUuid, string disposition)
    {
        var response = await agent.PostAsJsonAsync(new Uri($"/api/calls/{callUuid}/wrapup", UriKind.Relative), new { disposition, note = "statistics test" });
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task TicketAsync(HttpClient supervisor, Guid clientId, string callUuid, string subject)
    {
        var response = await supervisor.PostAsJsonAsync(new Uri($"/api/clients/{clientId}/tickets", UriKind.Relative), new { subject, callUuid });
        response.StatusCode.Should().Be(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Downloads a CSV link of the page (its file name matching <paramref name="fileName"/>): each line's first
    /// cell to its cells by the header's names.</summary>
    private static async Task<Dictionary<string, Dictionary<string, string>>> CsvAsync(IPage page, string testId, string fileName)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByTestId(testId).ClickAsync());
        download.SuggestedFilename.Should().MatchRegex(fileName);
        var lines = (await File.ReadAllTextAsync((await download.PathAsync())!)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].Split(',');
        return lines.Skip(1).Select(l => l.Split(',')).ToDictionary(c => c[0], c => header.Zip(c).Skip(1).ToDictionary(p => p.First, p => p.Second));
    }

    /// <summary>A table of the page by its name: each body row's header cell (or first cell) to its cells by column.</summary>
    private static async Task<Dictionary<string, Dictionary<string, string>>> TableAsync(IPage page, string name)
    {
        var table = page.GetByRole(AriaRole.Table, new() { Name = name, Exact = true });
        await Assertions.Expect(table).ToBeVisibleAsync();
        var rows = await table.EvaluateAsync<string[][]>(
            "t => [...t.rows].map(r => [...r.cells].map(c => c.textContent.trim()))");
        var header = rows[0];
        return rows.Skip(1).ToDictionary(r => r[0], r => header.Zip(r).Skip(1).ToDictionary(p => p.First, p => p.Second));
    }

    /// <summary>A chart's data, and per dataset how many pixels of its colour its plot area has (its bars; the legend
    /// is outside the area).</summary>
    private sealed record ChartData(bool Drawn, IReadOnlyList<string> Labels, IReadOnlyDictionary<string, double[]> Series, IReadOnlyDictionary<string, int> Painted)
    {
        public Dictionary<string, double> Totals => Series.ToDictionary(s => s.Key, s => s.Value.Sum());
    }

    /// <summary>What Chart.js holds for a canvas (its labels and datasets), and whether the canvas has pixels drawn.</summary>
    private static async Task<ChartData> ChartAsync(IPage page, string canvasId)
    {
        var json = await page.EvaluateAsync<JsonElement>("""
            id => {
              const canvas = document.getElementById(id);
              const chart = Chart.getChart(canvas);
              if (!chart) return null;
              const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
              let drawn = false;
              for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) { drawn = true; break; }
              const ratio = chart.currentDevicePixelRatio;
              const area = chart.chartArea;
              const plot = canvas.getContext('2d').getImageData(Math.floor(area.left * ratio), Math.floor(area.top * ratio),
                Math.max(1, Math.floor(area.width * ratio)), Math.max(1, Math.floor(area.height * ratio))).data;
              const painted = d => {
                if (typeof d.backgroundColor !== 'string' || !/^#[0-9a-f]{6}$/i.test(d.backgroundColor)) return -1;
                const [r, g, b] = [1, 3, 5].map(i => parseInt(d.backgroundColor.slice(i, i + 2), 16));
                let n = 0;
                for (let i = 0; i < plot.length; i += 4) if (plot[i] === r && plot[i + 1] === g && plot[i + 2] === b && plot[i + 3] === 255) n++;
                return n;
              };
              return {
                drawn, labels: chart.data.labels.map(String),
                series: chart.data.datasets.map(d => ({ label: d.label, data: d.data.map(Number), painted: painted(d) })),
              };
            }
            """, canvasId);
        json.ValueKind.Should().Be(JsonValueKind.Object, $"Chart.js drew a chart on #{canvasId}");
        return new ChartData(
            json.GetProperty("drawn").GetBoolean(),
            [.. json.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!)],
            json.GetProperty("series").EnumerateArray().ToDictionary(
                s => s.GetProperty("label").GetString()!,
                s => s.GetProperty("data").EnumerateArray().Select(d => d.GetDouble()).ToArray()),
            json.GetProperty("series").EnumerateArray().ToDictionary(s => s.GetProperty("label").GetString()!, s => s.GetProperty("painted").GetInt32()));
    }
}
