using System.Net;
using IvrEngine.Dialer;
using IvrEngine.Profiles;
using IvrEngine.Tests.EndToEnd;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.Web;

/// <summary>The outgoing campaigns' part of the statistics over real HTTP (<c>/api/statistics/campaigns</c>): every
/// campaign's figures as JSON and CSV, a campaign's results per contact as CSV, with what a spreadsheet would run as a
/// formula escaped, for supervisors and admins only, and a clear 400 or 404 for what is not a campaign.</summary>
public sealed class CampaignStatisticsApiTests
{
    private static readonly DateTimeOffset Made = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_supervisor_reads_every_campaigns_figures_newest_first_as_json_and_csv_with_formulas_escaped()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        var store = (IDialerStore)engine.Host.Services.GetRequiredService<IClientStore>();
        using var supervisor = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "supervisor");

        // None yet: an empty list, and a CSV of the header alone.
        (await DeskWeb.JsonAsync(await supervisor.GetAsync(new Uri("/api/statistics/campaigns", UriKind.Relative)))).GetProperty("campaigns").GetArrayLength().Should().Be(0);
        (await supervisor.GetStringAsync(new Uri("/api/statistics/campaigns?format=csv", UriKind.Relative))).Should().Be(string.Join(',', CampaignFigures.Columns) + "\r\n");

        await store.SaveCampaignAsync(Campaign("older", "Older reminders", Made));
        await store.SaveCampaignAsync(Campaign("evil", "=HYPERLINK(\"http://attacker.example\",\"x\")", Made.AddDays(1)));
        await store.AddContactsAsync("evil", [new CampaignContact { Phone = "2001", Name = "@SUM(1+1)", TimeZone = "UTC" }, new CampaignContact { Phone = "2002", TimeZone = "UTC" }]);
        var claimed = (await store.ClaimDueAsync("evil", "engine", DateTimeOffset.UtcNow, 1, ["UTC"])).Single();
        await store.RecordAttemptAsync(claimed.Id, claimed.CallUuid!, AttemptOutcomes.Busy, "USER_BUSY", ContactStatus.Pending, DateTimeOffset.UtcNow.AddMinutes(10));

        var json = await supervisor.GetAsync(new Uri("/api/statistics/campaigns", UriKind.Relative));
        json.StatusCode.Should().Be(HttpStatusCode.OK);
        json.Headers.CacheControl!.NoStore.Should().BeTrue();
        var campaigns = (await DeskWeb.JsonAsync(json)).GetProperty("campaigns").EnumerateArray().ToList();
        campaigns.Select(c => c.GetProperty("id").GetString()).Should().Equal("evil", "older");
        var evil = campaigns[0];
        (evil.GetProperty("name").GetString(), evil.GetProperty("state").GetString(), evil.GetProperty("card").GetString())
            .Should().Be(("=HYPERLINK(\"http://attacker.example\",\"x\")", "running", "7000"), "JSON carries the name as it is");
        var totals = evil.GetProperty("totals");
        (totals.GetProperty("contacts").GetInt32(), totals.GetProperty("dialed").GetInt32(), totals.GetProperty("busy").GetInt32(),
            totals.GetProperty("pending").GetInt32(), totals.GetProperty("answered").GetInt32()).Should().Be((2, 1, 1, 2, 0));
        totals.GetProperty("answerPercent").GetDouble().Should().Be(0);
        campaigns[1].GetProperty("totals").GetProperty("answerPercent").ValueKind.Should().Be(System.Text.Json.JsonValueKind.Null, "nobody was dialed");

        var csv = await supervisor.GetAsync(new Uri("/api/statistics/campaigns?format=csv", UriKind.Relative));
        csv.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        csv.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        csv.Content.Headers.ContentDisposition.FileName!.Trim('"').Should().MatchRegex("^ivrengine-campaigns-[0-9]{8}T[0-9]{4}\\.csv$");
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines.Should().Equal(
            string.Join(',', CampaignFigures.Columns),
            "evil,\"'=HYPERLINK(\"\"http://attacker.example\"\",\"\"x\"\")\",running,7000,2026-12-02T09:00:00Z,2,1,1,0,0.0,0,0,0,1,0,0,0,0,0,2,0",
            "older,Older reminders,running,7000,2026-12-01T09:00:00Z,0,0,0,0,,0,0,0,0,0,0,0,0,0,0,0");

        // A campaign's results per contact: the contact's name escaped too.
        var results = await supervisor.GetAsync(new Uri("/api/statistics/campaigns/evil/results", UriKind.Relative));
        results.StatusCode.Should().Be(HttpStatusCode.OK);
        results.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        var rows = (await results.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        rows.Should().HaveCount(3);
        rows[0].Should().Be(string.Join(',', CampaignResults.Columns));
        rows[1].Should().StartWith("2001,\"'@SUM(1+1)\",,pending,1,").And.Contain(",busy,USER_BUSY,");
        rows[2].Should().Be("2002,,,pending,0,,,,,,");
    }

    [Fact]
    public async Task What_is_not_a_campaign_is_a_clear_400_or_404_and_only_supervisors_and_admins_may_read()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        var store = (IDialerStore)engine.Host.Services.GetRequiredService<IClientStore>();
        await store.SaveCampaignAsync(Campaign("known", "Known", Made));
        var web = DeskWeb.Base(engine);
        using var supervisor = await DeskWeb.SignInAsync(web, "supervisor");

        async Task Problem(string path, HttpStatusCode status, string words)
        {
            var response = await supervisor.GetAsync(new Uri(path, UriKind.Relative));
            response.StatusCode.Should().Be(status, path);
            (await response.Content.ReadAsStringAsync()).Should().Contain(words, path);
        }

        await Problem("/api/statistics/campaigns?format=xlsx", HttpStatusCode.BadRequest, "format must be json or csv, not 'xlsx'");
        await Problem("/api/statistics/campaigns/bad%20id/results", HttpStatusCode.BadRequest, "the campaign id is 1 to 64 letters, digits");
        await Problem("/api/statistics/campaigns/a%0Ab/results", HttpStatusCode.BadRequest, "the campaign id is 1 to 64 letters, digits");
        await Problem($"/api/statistics/campaigns/{new string('x', 65)}/results", HttpStatusCode.BadRequest, "the campaign id is 1 to 64 letters, digits");
        await Problem("/api/statistics/campaigns/unknown/results", HttpStatusCode.NotFound, "there is no campaign unknown");

        using var admin = await DeskWeb.SignInAsync(web, "admin");
        (await admin.GetAsync(new Uri("/api/statistics/campaigns/known/results", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);
        using var agent = await DeskWeb.SignInAsync(web, "agent1001");
        (await agent.GetAsync(new Uri("/api/statistics/campaigns", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await agent.GetAsync(new Uri("/api/statistics/campaigns/known/results", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var anonymous = DeskWeb.Anonymous(web);
        (await anonymous.GetAsync(new Uri("/api/statistics/campaigns", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync(new Uri("/api/statistics/campaigns/known/results", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    private static OutboundCampaign Campaign(string id, string name, DateTimeOffset createdAt) => new()
    {
        Id = id, Name = name, CardDnis = "7000", CallerIdNumber = "5550100", DialString = "user/{number}",
        State = OutboundCampaignState.Running, CreatedAt = createdAt,
    };
}
