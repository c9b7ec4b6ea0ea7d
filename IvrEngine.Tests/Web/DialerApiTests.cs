using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using IvrEngine.Profiles;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Tests.Profiles;
using IvrEngine.Web;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.Web;

/// <summary>The admin API of outgoing campaigns (<c>/api/dialer</c>) over real HTTP against the real engine, signed in
/// as the pages are (cookie and antiforgery header): what it saves, adds, changes and downloads, read back through the
/// API and the store; and what it refuses, each with a plain message and nothing stored.</summary>
public sealed class DialerApiTests
{
    [Fact]
    public async Task A_campaign_is_saved_filled_from_a_file_and_a_query_started_paused_and_its_results_downloaded()
    {
        await using var engine = await StartAsync();
        using var http = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");
        await AddClientsAsync(engine);

        var created = await http.PutAsJsonAsync("/api/dialer/campaigns/reminders", Campaign());
        created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var body = await DeskWeb.JsonAsync(created);
        body.GetProperty("added").GetBoolean().Should().BeTrue();
        body.GetProperty("note").ValueKind.Should().Be(JsonValueKind.Null, "card 7000 is outgoing");
        body.GetProperty("campaign").GetProperty("state").GetString().Should().Be("draft");
        body.GetProperty("campaign").GetProperty("version").GetInt32().Should().Be(1);

        var edited = await http.PutAsJsonAsync("/api/dialer/campaigns/reminders", Campaign(version: 1, name: "December reminders", busyAfter: "00:20:00"));
        edited.StatusCode.Should().Be(HttpStatusCode.OK, await edited.Content.ReadAsStringAsync());

        using var file = Csv("phone,name,timezone\n+1 555 111 0001,Again,\n1001,Desk Phone,Asia/Tbilisi\nnonsense,,\n+15551110003,\"=HYPERLINK(\"\"http://evil\"\")\",\n");
        var fromFile = await http.PostAsync(new Uri("/api/dialer/campaigns/reminders/contacts", UriKind.Relative), file);
        fromFile.StatusCode.Should().Be(HttpStatusCode.OK, await fromFile.Content.ReadAsStringAsync());
        var added = await DeskWeb.JsonAsync(fromFile);
        (added.GetProperty("found").GetInt32(), added.GetProperty("added").GetInt32()).Should().Be((3, 3));
        var rejected = added.GetProperty("rejected").EnumerateArray().Single();
        rejected.GetProperty("line").GetInt32().Should().Be(4);
        rejected.GetProperty("reason").GetString().Should().StartWith("phone 'nonsense' is not a phone number");

        var fromQuery = await http.PostAsJsonAsync("/api/dialer/campaigns/reminders/contacts", new { query = "Client.Overdue > 0" });
        fromQuery.StatusCode.Should().Be(HttpStatusCode.OK, await fromQuery.Content.ReadAsStringAsync());
        (await DeskWeb.JsonAsync(fromQuery)).GetProperty("summary").GetString().Should().Be("1 contacts found, 0 added, 1 already in the campaign, 0 rejected");

        var list = await DeskWeb.JsonAsync(await http.GetAsync(new Uri("/api/dialer/campaigns", UriKind.Relative)));
        var listed = list.EnumerateArray().Single();
        listed.GetProperty("campaign").GetProperty("name").GetString().Should().Be("December reminders");
        listed.GetProperty("campaign").GetProperty("busy").GetProperty("after").GetString().Should().Be("00:20:00");
        listed.GetProperty("totals").GetProperty("contacts").GetInt32().Should().Be(3);
        listed.GetProperty("totals").GetProperty("pending").GetInt32().Should().Be(3);

        var page = await DeskWeb.JsonAsync(await http.GetAsync(new Uri("/api/dialer/campaigns/reminders/contacts?skip=1&take=1", UriKind.Relative)));
        page.GetProperty("total").GetInt32().Should().Be(3);
        var second = page.GetProperty("contacts").EnumerateArray().Single();
        (second.GetProperty("phone").GetString(), second.GetProperty("name").GetString(), second.GetProperty("timeZone").GetString(), second.GetProperty("status").GetString())
            .Should().Be(("1001", "Desk Phone", "Asia/Tbilisi", "pending"));

        var started = await http.PostAsync(new Uri("/api/dialer/campaigns/reminders/start", UriKind.Relative), null);
        started.StatusCode.Should().Be(HttpStatusCode.OK, await started.Content.ReadAsStringAsync());
        (await DeskWeb.JsonAsync(started)).GetProperty("campaign").GetProperty("state").GetString().Should().Be("running");
        var paused = await http.PostAsync(new Uri("/api/dialer/campaigns/reminders/pause", UriKind.Relative), null);
        (await DeskWeb.JsonAsync(paused)).GetProperty("campaign").GetProperty("state").GetString().Should().Be("paused");
        var stored = await Dialer(engine).GetCampaignAsync("reminders");
        stored!.State.Should().Be(OutboundCampaignState.Paused, "the API writes the state the dialer follows");
        stored.Name.Should().Be("December reminders");

        var results = await http.GetAsync(new Uri("/api/dialer/campaigns/reminders/results.csv", UriKind.Relative));
        results.StatusCode.Should().Be(HttpStatusCode.OK);
        results.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        results.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        results.Content.Headers.ContentDisposition.FileName.Should().Be("campaign-reminders-results.csv");
        var lines = (await results.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().StartWith("phone,name,client_id,status,attempts");
        lines.Should().HaveCount(4);
        // A name or number a spreadsheet would run as a formula is written as text (a leading ').
        lines.Should().Contain(l => l.StartsWith("\"'+15551110003\",\"'=HYPERLINK(\"\"http://evil\"\")\",", StringComparison.Ordinal));
        lines.Should().Contain(l => l.StartsWith("1001,Desk Phone,,pending,0,", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_campaign_is_refused_with_every_problem_in_plain_words_and_nothing_is_saved()
    {
        await using var engine = await StartAsync();
        using var http = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");

        var (status, error) = await PutAsync(http, "reminders", Campaign(from: "20:00:00", to: "09:00:00", zone: "Mars/Olympus", flow: "nope", callerId: "Bank"));
        status.Should().Be(HttpStatusCode.BadRequest);
        error.GetProperty("problems").EnumerateArray().Select(p => p.GetString()).Should().BeEquivalentTo(
            "calling hours: 'from' must be before 'to' (the same day, in the contact's time zone)",
            "calling hours: time zone 'Mars/Olympus' unknown (an IANA name, e.g. Europe/London)",
            "caller id: a number (digits, an optional +)",
            "flow: the engine has no flow named 'nope' (it has default)");

        (status, error) = await PutAsync(http, "reminders", Campaign(from: "25:00:00"));
        status.Should().Be(HttpStatusCode.BadRequest);
        error.GetProperty("error").GetString().Should().StartWith("the body is not a campaign: ").And.Contain("$.hours.from");

        (status, error) = await PutAsync(http, "reminders", Campaign(card: "7999"));
        (status, error.GetProperty("error").GetString()).Should().Be((HttpStatusCode.BadRequest,
            "card: there is no campaign card for number 7999 (add it on the admin page, direction outgoing)"));
        (status, error) = await PutAsync(http, "bad%20id", Campaign());
        (status, error.GetProperty("error").GetString()).Should().Be((HttpStatusCode.BadRequest, "id: 1 to 64 letters, digits, '-' or '_'"));
        (status, error) = await PutAsync(http, "reminders", Campaign(id: "other"));
        (status, error.GetProperty("error").GetString()).Should().Be((HttpStatusCode.BadRequest, "id: the body's id 'other' is not the address's 'reminders'"));
        var notJson = await http.PutAsync(new Uri("/api/dialer/campaigns/reminders", UriKind.Relative), new StringContent("{ not json", Encoding.UTF8, "application/json"));
        notJson.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await http.GetStringAsync(new Uri("/api/dialer/campaigns", UriKind.Relative))).Should().Be("[]");

        // Versions: a new campaign is version 0; a save over a change made meanwhile is a conflict.
        (await PutAsync(http, "reminders", Campaign())).Status.Should().Be(HttpStatusCode.Created);
        (status, error) = await PutAsync(http, "reminders", Campaign(name: "Twice"));
        (status, error.GetProperty("error").GetString()).Should().Be((HttpStatusCode.Conflict,
            "there is a campaign reminders already; open it to change it, or choose another id"));
        (await PutAsync(http, "reminders", Campaign(version: 1, name: "First edit"))).Status.Should().Be(HttpStatusCode.OK);
        (status, error) = await PutAsync(http, "reminders", Campaign(version: 1, name: "Stale edit"));
        (status, error.GetProperty("error").GetString()).Should().Be((HttpStatusCode.Conflict,
            "campaign reminders was changed meanwhile (it is draft now); open it again and make your change"));
        (await Dialer(engine).GetCampaignAsync("reminders"))!.Name.Should().Be("First edit");
        (await http.GetAsync(new Uri("/api/dialer/campaigns/missing", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_contact_file_or_query_that_cannot_be_read_is_refused_with_where_and_why_and_nothing_is_added()
    {
        await using var engine = await StartAsync();
        using var http = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");
        await AddClientsAsync(engine);
        (await PutAsync(http, "reminders", Campaign())).Status.Should().Be(HttpStatusCode.Created);
        var contacts = new Uri("/api/dialer/campaigns/reminders/contacts", UriKind.Relative);

        using (var noPhone = Csv("number,name\n+15551110001,Ann\n"))
        {
            await RefusedAsync(await http.PostAsync(contacts, noPhone), HttpStatusCode.BadRequest, "The contact file's header has no 'phone' column (phone,name,timezone).");
        }

        using (var brokenQuote = Csv("phone,name\n+15551110001,Ann\n+15551110002,\"Bob\n+15551110003,Cy\n"))
        {
            var response = await http.PostAsync(contacts, brokenQuote);
            response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            (await DeskWeb.JsonAsync(response)).GetProperty("error").GetString().Should().StartWith("The contact file cannot be read at line 3: ");
        }

        // Over the limit: refused on its Content-Length before a byte of it is sent (the client waits for 100 Continue).
        using (var tooLarge = new HttpRequestMessage(HttpMethod.Post, contacts) { Content = new ByteArrayContent(new byte[DialerApi.MaxContactFileBytes + 1]) })
        {
            tooLarge.Content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
            tooLarge.Headers.ExpectContinue = true;
            await RefusedAsync(await http.SendAsync(tooLarge), HttpStatusCode.RequestEntityTooLarge, "the contact file is larger than 10 MB; split it");
        }

        using (var image = new ByteArrayContent([0x89, 0x50, 0x4E, 0x47]))
        {
            image.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            (await http.PostAsync(contacts, image)).StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        }

        var badQuery = await http.PostAsJsonAsync(contacts, new { query = "Client.Overdue >" });
        badQuery.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await DeskWeb.JsonAsync(badQuery)).GetProperty("error").GetString().Should().Contain("(at character");
        var failing = await http.PostAsJsonAsync(contacts, new { query = "1 / (Client.Overdue - Client.Overdue) > 0" });
        failing.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await DeskWeb.JsonAsync(failing)).GetProperty("error").GetString().Should().StartWith("The query fails on client ");
        await RefusedAsync(await http.PostAsJsonAsync(contacts, new { query = " " }), HttpStatusCode.BadRequest,
            "query: a condition over Client, 1 to 2000 characters (e.g. Client.Overdue > 0)");
        await RefusedAsync(await http.PostAsJsonAsync("/api/dialer/campaigns/missing/contacts", new { query = "true" }), HttpStatusCode.NotFound, "there is no campaign missing");
        await RefusedAsync(await http.GetAsync(new Uri("/api/dialer/campaigns/reminders/contacts?take=501", UriKind.Relative)), HttpStatusCode.BadRequest,
            "take: a number from 1 to 500");

        (await Dialer(engine).TotalsAsync("reminders")).Contacts.Should().Be(0);
    }

    [Fact]
    public async Task A_state_action_the_campaign_is_not_in_a_state_for_answers_409_with_the_reason()
    {
        await using var engine = await StartAsync();
        using var http = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");
        (await PutAsync(http, "reminders", Campaign())).Status.Should().Be(HttpStatusCode.Created);

        await RefusedAsync(await PostAsync(http, "reminders/resume"), HttpStatusCode.Conflict, "campaign reminders: only a paused campaign can be resumed; this one is draft");
        await RefusedAsync(await PostAsync(http, "reminders/pause"), HttpStatusCode.Conflict, "campaign reminders: only a running campaign can be paused; this one is draft");
        (await PostAsync(http, "reminders/start")).StatusCode.Should().Be(HttpStatusCode.OK);
        await RefusedAsync(await PostAsync(http, "reminders/start"), HttpStatusCode.Conflict, "campaign reminders: only a draft can be started; this campaign is running");
        (await PostAsync(http, "reminders/pause")).StatusCode.Should().Be(HttpStatusCode.OK);
        await RefusedAsync(await PostAsync(http, "reminders/start"), HttpStatusCode.Conflict, "campaign reminders: only a draft can be started; this campaign is paused (resume it)");
        (await PostAsync(http, "reminders/resume")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await PostAsync(http, "reminders/stop")).StatusCode.Should().Be(HttpStatusCode.OK);
        await RefusedAsync(await PostAsync(http, "reminders/stop"), HttpStatusCode.Conflict, "campaign reminders: the campaign is already stopped");
        await RefusedAsync(await PostAsync(http, "reminders/resume"), HttpStatusCode.Conflict, "campaign reminders: only a paused campaign can be resumed; this one is stopped");
        await RefusedAsync(await PostAsync(http, "missing/start"), HttpStatusCode.NotFound, "there is no campaign missing");
        (await PostAsync(http, "reminders/explode")).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Dialer(engine).GetCampaignAsync("reminders"))!.State.Should().Be(OutboundCampaignState.Stopped);
    }

    [Fact]
    public async Task A_number_is_put_on_the_do_not_call_list_checked_and_taken_off_in_any_usual_writing()
    {
        await using var engine = await StartAsync();
        using var http = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");

        var check = await DeskWeb.JsonAsync(await http.GetAsync(new Uri("/api/dialer/dnc/%2B15551110001", UriKind.Relative)));
        check.GetProperty("listed").GetBoolean().Should().BeFalse();
        var added = await http.PostAsJsonAsync("/api/dialer/dnc", new { phone = "(555) 111-0001", reason = "asked by letter" });
        added.StatusCode.Should().Be(HttpStatusCode.OK, await added.Content.ReadAsStringAsync());
        (await DeskWeb.JsonAsync(added)).GetProperty("phone").GetString().Should().Be("+15551110001");
        check = await DeskWeb.JsonAsync(await http.GetAsync(new Uri("/api/dialer/dnc/" + Uri.EscapeDataString("+1 555 111 0001"), UriKind.Relative)));
        (check.GetProperty("listed").GetBoolean(), check.GetProperty("reason").GetString()).Should().Be((true, "asked by letter"));
        (await Dialer(engine).FindDoNotCallAsync("+15551110001"))!.Reason.Should().Be("asked by letter");
        var byAdmin = await DeskWeb.JsonAsync(await http.PostAsJsonAsync("/api/dialer/dnc", new { phone = "1001" }));
        byAdmin.GetProperty("reason").GetString().Should().Be("added by admin");
        var list = await DeskWeb.JsonAsync(await http.GetAsync(new Uri("/api/dialer/dnc?skip=0&take=10", UriKind.Relative)));
        list.GetProperty("entries").EnumerateArray().Select(e => (e.GetProperty("phone").GetString(), e.GetProperty("reason").GetString()))
            .Should().Equal([("+15551110001", "asked by letter"), ("1001", "added by admin")], "the list in the order of the numbers");
        var second = await DeskWeb.JsonAsync(await http.GetAsync(new Uri("/api/dialer/dnc?skip=1&take=1", UriKind.Relative)));
        second.GetProperty("entries").EnumerateArray().Select(e => e.GetProperty("phone").GetString()).Should().Equal("1001");
        (await http.GetAsync(new Uri("/api/dialer/dnc?take=501", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await http.GetAsync(new Uri("/api/dialer/dnc?skip=-1", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.BadRequest);

        (await http.DeleteAsync(new Uri("/api/dialer/dnc/%2B15551110001", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NoContent);
        await RefusedAsync(await http.DeleteAsync(new Uri("/api/dialer/dnc/%2B15551110001", UriKind.Relative)), HttpStatusCode.NotFound,
            "+15551110001 is not on the do-not-call list");
        (await http.PostAsJsonAsync("/api/dialer/dnc", new { phone = "not a number" })).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await http.PostAsJsonAsync("/api/dialer/dnc", new { phone = "+15551110002", reason = new string('x', 201) })).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await Dialer(engine).FindDoNotCallAsync("+15551110002")).Should().BeNull();
    }

    [Fact]
    public async Task Only_admins_reach_the_dialer_and_a_change_made_with_the_cookie_needs_the_antiforgery_token()
    {
        await using var engine = await StartAsync();
        var baseAddress = DeskWeb.Base(engine);
        using var anonymous = DeskWeb.Anonymous(baseAddress);
        (await anonymous.GetAsync(new Uri("/api/dialer/campaigns", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var signIn = await anonymous.GetAsync(new Uri("/campaigns", UriKind.Relative));
        (signIn.StatusCode, signIn.Headers.Location?.ToString()).Should().Be((HttpStatusCode.Redirect, "/signin?return=%2Fcampaigns"), "the page sends a visitor to sign in");
        using var supervisor = await DeskWeb.SignInAsync(baseAddress, "supervisor");
        await RefusedAsync(await supervisor.GetAsync(new Uri("/api/dialer/campaigns", UriKind.Relative)), HttpStatusCode.Forbidden, "your role may not do this");
        (await supervisor.GetAsync(new Uri("/campaigns", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var agent = await DeskWeb.SignInAsync(baseAddress, "agent1001");
        (await agent.PutAsJsonAsync("/api/dialer/campaigns/reminders", Campaign())).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await agent.PostAsJsonAsync("/api/dialer/dnc", new { phone = "+15551110001" })).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        using var admin = await DeskWeb.SignInAsync(baseAddress, "admin");
        admin.DefaultRequestHeaders.Remove(WebSecurity.AntiforgeryHeader);
        var forged = await admin.PutAsJsonAsync("/api/dialer/campaigns/reminders", Campaign());
        forged.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await DeskWeb.JsonAsync(forged)).GetProperty("error").GetString().Should().Contain("antiforgery");
        using var readOnly = await DeskWeb.TokenAsync(engine.Host.Services, baseAddress, "admin", "read");
        (await readOnly.GetAsync(new Uri("/api/dialer/campaigns", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);
        await RefusedAsync(await readOnly.PutAsJsonAsync("/api/dialer/campaigns/reminders", Campaign()), HttpStatusCode.Forbidden, "this API token may only read");
        (await Dialer(engine).ListCampaignsAsync()).Should().BeEmpty();

        var page = await admin.GetAsync(new Uri("/campaigns", UriKind.Relative));
        page.StatusCode.Should().Be(HttpStatusCode.OK);
        (await page.Content.ReadAsStringAsync()).Should().Contain("<title>Outgoing campaigns");
    }

    /// <summary>The engine with its users and the outgoing campaign card 7000 (added through the admin API).</summary>
    private static async Task<EngineUnderTest> StartAsync()
    {
        var engine = await EngineUnderTest.StartAsync();
        try
        {
            await DeskWeb.AddUsersAsync(engine.Host.Services);
            using var http = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");
            var card = await http.PutAsJsonAsync("/api/admin/campaigns/7000", new { name = "Payment reminder", direction = "outgoing" });
            card.StatusCode.Should().Be(HttpStatusCode.OK, await card.Content.ReadAsStringAsync());
            return engine;
        }
        catch
        {
            await engine.DisposeAsync();
            throw;
        }
    }

    /// <summary>Two clients with a phone: one owes (overdue 40), one does not.</summary>
    private static async Task AddClientsAsync(EngineUnderTest engine)
    {
        var store = engine.Host.Services.GetRequiredService<IClientStore>();
        var csv = ImportText.Csv("Owes,,+15551110001,,,,en,,,Europe/London,,100,40,yes,", "Paid,,+15551110002,,,,en,,,,,100,0,yes,");
        using var input = ImportText.Utf8(csv);
        (await new ClientImporter(store, new StoreOptions()).ImportAsync(input, ClientFileFormat.Csv)).Imported.Should().Be(2);
    }

    private static IDialerStore Dialer(EngineUnderTest engine) => (IDialerStore)engine.Host.Services.GetRequiredService<IClientStore>();

    private static Dictionary<string, object?> Campaign(int version = 0, string? id = null, string name = "Payment reminders", string card = "7000",
        string? flow = null, string callerId = "+15550100", string from = "09:00:00", string to = "20:00:00", string zone = "America/New_York",
        string busyAfter = "00:10:00")
    {
        var campaign = new Dictionary<string, object?>
        {
            ["version"] = version, ["name"] = name, ["cardDnis"] = card, ["flow"] = flow, ["callerIdNumber"] = callerId,
            ["dialString"] = "sofia/gateway/pstn/{number}", ["ringSeconds"] = 30,
            ["hours"] = new { from, to, days = new[] { "monday", "tuesday", "wednesday" }, defaultTimeZone = zone },
            ["pacing"] = new { callsPerSecond = 2, maxConcurrent = 5, agentQueue = (string?)null },
            ["busy"] = new { after = busyAfter, maxAttempts = 3 },
            ["noAnswer"] = new { after = "01:00:00", maxAttempts = 3 },
            ["failed"] = new { after = "02:00:00", maxAttempts = 2 },
        };
        if (id is not null) campaign["id"] = id;
        return campaign;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PutAsync(HttpClient http, string id, object campaign)
    {
        var response = await http.PutAsJsonAsync($"/api/dialer/campaigns/{id}", campaign);
        return (response.StatusCode, await DeskWeb.JsonAsync(response));
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string path) =>
        http.PostAsync(new Uri("/api/dialer/campaigns/" + path, UriKind.Relative), null);

    private static async Task RefusedAsync(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(status, text);
        JsonDocument.Parse(text).RootElement.GetProperty("error").GetString().Should().Be(error);
    }

    private static StringContent Csv(string text) => new(text, Encoding.UTF8, "text/csv");
}
