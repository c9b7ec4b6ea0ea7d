using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text.Json;
using System.Text.RegularExpressions;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Statistics;
using IvrEngine.Tests.EndToEnd;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace IvrEngine.Tests.Browser;

/// <summary>The statistics page in Chromium against the real engine (<see cref="RealDesk"/> with the shipped flows):
/// the live wallboard from the desk stream while callers are in the IVR, wait in queues and talk to an agent, then the
/// reports and charts of what those calls were counted as, the CSV downloads and the bank flow's funnel; and who may
/// open the page. The docs' screenshots of the wallboard and of the funnel are made here.</summary>
public sealed class StatisticsBrowserTests(ITestOutputHelper output)
{
    [BrowserFact]
    public async Task The_wallboard_shows_callers_live_and_the_reports_charts_csv_and_funnel_show_the_calls_counted()
    {
        var folder = Environment.GetEnvironmentVariable("IVR_DOCS_SCREENSHOTS") == "1"
            ? Path.Combine(DeskBrowserTests.RepositoryRoot(), "docs", "screenshots")
            : Path.Combine(BrowserEnvironment.ArtifactsFolder, "screenshots");
        Directory.CreateDirectory(folder);
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

    private sealed record ChartData(bool Drawn, IReadOnlyList<string> Labels, IReadOnlyDictionary<string, double[]> Series)
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
              return { drawn, labels: chart.data.labels.map(String), series: chart.data.datasets.map(d => ({ label: d.label, data: d.data.map(Number) })) };
            }
            """, canvasId);
        json.ValueKind.Should().Be(JsonValueKind.Object, $"Chart.js drew a chart on #{canvasId}");
        return new ChartData(
            json.GetProperty("drawn").GetBoolean(),
            [.. json.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!)],
            json.GetProperty("series").EnumerateArray().ToDictionary(
                s => s.GetProperty("label").GetString()!,
                s => s.GetProperty("data").EnumerateArray().Select(d => d.GetDouble()).ToArray()));
    }
}
