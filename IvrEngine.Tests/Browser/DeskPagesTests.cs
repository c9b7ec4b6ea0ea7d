using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace IvrEngine.Tests.Browser;

/// <summary>The desk's pages in Chromium against <see cref="FakeDeskServer"/> (the contract of docs/agent-desktop.md
/// faked): the card pops on a ringing call, follows the call's state, keeps the agent's input on a conflict, turns a new
/// caller into a client; sign-in errors are spoken; hostile strings stay text; nothing breaks the CSP.</summary>
public sealed class DeskPagesTests
{
    private const string Hostile = "<img src=x onerror=\"window.__pwned=1\"> Нино ბერიძე";

    [BrowserFact]
    public async Task The_card_pops_for_a_ringing_call_and_follows_it_to_wrap_up()
    {
        await using var desk = await FakeDeskServer.StartAsync();
        desk.Card = FakeDeskServer.SampleCard("call-1");
        desk.Client = FakeDeskServer.SampleClient(Hostile);
        desk.Desk = FakeDeskServer.DeskWithCall("call-1", "ringing");
        await using var browser = await BrowserSession.StartAsync(desk.Url);

        await browser.RunAsync(async page =>
        {
            await page.GotoAsync("/agent");
            var card = page.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Assertions.Expect(card).ToBeVisibleAsync();
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync(Hostile);
            await Assertions.Expect(card.GetByRole(AriaRole.Status, new() { Name = "Ringing" })).ToBeVisibleAsync();
            await Assertions.Expect(card.GetByTestId("direction")).ToHaveTextAsync("INCOMING");
            await Assertions.Expect(card.GetByTestId("category")).ToHaveTextAsync("VIP");
            await Assertions.Expect(card.GetByTestId("cti")).ToContainTextAsync("VIP client");
            await Assertions.Expect(card.GetByTestId("overdue")).ToContainTextAsync("overdue");
            await Assertions.Expect(card.GetByRole(AriaRole.Form, new() { Name = "Wrap-up" })).ToBeHiddenAsync();
            (await page.EvaluateAsync<bool>("() => window.__pwned === 1")).Should().BeFalse("a caller's name is text, never HTML");

            desk.PushDesk(FakeDeskServer.DeskWithCall("call-1", "on-call"));
            await Assertions.Expect(card.GetByRole(AriaRole.Status, new() { Name = "On call" })).ToBeVisibleAsync();
            var wrapUp = card.GetByRole(AriaRole.Form, new() { Name = "Wrap-up" });
            await wrapUp.GetByLabel("Disposition").SelectOptionAsync("callback");
            await wrapUp.GetByLabel("Wrap-up note").FillAsync("call back tomorrow");
            await wrapUp.GetByRole(AriaRole.Button, new() { Name = "Save wrap-up" }).ClickAsync();
            await Assertions.Expect(wrapUp.GetByText("Wrap-up saved.")).ToBeVisibleAsync();

            var sent = desk.Requests.Single(r => r.Path == "/api/calls/call-1/wrapup");
            sent.Csrf.Should().Be(FakeDeskServer.CsrfToken);
            sent.Json!["disposition"]!.GetValue<string>().Should().Be("callback");
            browser.ScriptErrors.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task A_conflicting_edit_keeps_the_agents_input_and_shows_theirs_on_reload()
    {
        await using var desk = await FakeDeskServer.StartAsync();
        desk.Card = FakeDeskServer.SampleCard("call-2");
        desk.Client = FakeDeskServer.SampleClient("Alice", version: 3);
        desk.Desk = FakeDeskServer.DeskWithCall("call-2", "on-call");
        desk.PatchConflict = FakeDeskServer.SampleClient("Alice (their edit)", version: 4);
        await using var browser = await BrowserSession.StartAsync(desk.Url);

        await browser.RunAsync(async page =>
        {
            await page.GotoAsync("/agent");
            var edit = page.GetByRole(AriaRole.Form, new() { Name = "Edit client" });
            await edit.GetByLabel("Name", new() { Exact = true }).FillAsync("Alice Smith");
            await edit.GetByLabel("Name", new() { Exact = true }).PressAsync("Enter");

            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Someone else changed this card");
            await Assertions.Expect(edit.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("Alice Smith");
            await page.GetByRole(AriaRole.Button, new() { Name = "Reload their version" }).ClickAsync();

            var card = page.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("Alice (their edit)");
            await Assertions.Expect(card.GetByTestId("card-version")).ToHaveTextAsync("Version 4");
            await Assertions.Expect(card.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync("Alice Smith");

            desk.PatchConflict = null;
            await card.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("Alice Smith");
            desk.Requests.Where(r => r.Method == "PATCH").Select(r => r.Json!["version"]!.GetValue<int>()).Should().Equal(3, 4);
            browser.ScriptErrors.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task A_photo_over_2_MB_is_refused_in_the_browser_and_a_small_one_is_sent_as_its_type()
    {
        await using var desk = await FakeDeskServer.StartAsync();
        desk.Card = FakeDeskServer.SampleCard("call-5");
        desk.Client = FakeDeskServer.SampleClient("Alice");
        desk.Desk = FakeDeskServer.DeskWithCall("call-5", "on-call");
        await using var browser = await BrowserSession.StartAsync(desk.Url);

        await browser.RunAsync(async page =>
        {
            await page.GotoAsync("/agent");
            var upload = page.GetByRole(AriaRole.Form, new() { Name = "Upload photo" });
            await upload.GetByLabel("Photo").SetInputFilesAsync(new FilePayload
            {
                Name = "big.png", MimeType = "image/png", Buffer = new byte[(2 * 1024 * 1024) + 1],
            });
            await upload.GetByRole(AriaRole.Button, new() { Name = "Upload photo" }).ClickAsync();
            await Assertions.Expect(upload.GetByRole(AriaRole.Status)).ToContainTextAsync("at most 2 MB");
            desk.Requests.Should().NotContain(r => r.Method == "PUT");

            byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3];
            await upload.GetByLabel("Photo").SetInputFilesAsync(new FilePayload { Name = "me.png", MimeType = "image/png", Buffer = png });
            await upload.GetByRole(AriaRole.Button, new() { Name = "Upload photo" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Img, new() { Name = "Photo of Alice" })).ToBeVisibleAsync();
            var put = desk.Requests.Single(r => r.Method == "PUT");
            put.Path.Should().Be("/api/clients/c1/photo");
            put.ContentType.Should().Be("image/png");
            put.Csrf.Should().Be(FakeDeskServer.CsrfToken);
        });
    }

    [BrowserFact]
    public async Task A_new_caller_becomes_a_client_from_the_card()
    {
        await using var desk = await FakeDeskServer.StartAsync();
        desk.Card = FakeDeskServer.SampleCard("call-3", ani: "+15550100");
        desk.Desk = FakeDeskServer.DeskWithCall("call-3", "ringing");
        await using var browser = await BrowserSession.StartAsync(desk.Url);

        await browser.RunAsync(async page =>
        {
            await page.GotoAsync("/agent");
            var card = page.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("New caller");
            await Assertions.Expect(card.GetByTestId("caller-number")).ToHaveTextAsync("+15550100");

            var create = card.GetByRole(AriaRole.Form, new() { Name = "Create client" });
            await create.GetByLabel("Name").FillAsync("Bob Brown");
            await create.GetByLabel("Company").FillAsync("Brown & Co");
            await create.GetByRole(AriaRole.Button, new() { Name = "Create client" }).ClickAsync();

            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("Bob Brown");
            await Assertions.Expect(card.GetByRole(AriaRole.Form, new() { Name = "Edit client" })).ToBeVisibleAsync();
            browser.ScriptErrors.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task The_agent_page_says_when_the_stream_is_down_and_comes_back()
    {
        await using var desk = await FakeDeskServer.StartAsync();
        await using var browser = await BrowserSession.StartAsync(desk.Url);

        await browser.RunAsync(async page =>
        {
            await page.GotoAsync("/agent");
            await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Connected");
            await Assertions.Expect(page.GetByTestId("idle")).ToBeVisibleAsync();

            desk.DropStreams();
            await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Reconnecting…");
            await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Connected");
        });
    }

    [BrowserFact]
    public async Task Sign_in_speaks_wrong_passwords_and_too_many_attempts()
    {
        await using var desk = await FakeDeskServer.StartAsync();
        await using var browser = await BrowserSession.StartAsync(desk.Url);

        await browser.RunAsync(async page =>
        {
            await page.GotoAsync("/signin?return=%2Fagent");
            desk.SignInStatus = 401;
            await page.GetByLabel("User name").FillAsync("agent1");
            await page.GetByLabel("Password").FillAsync("wrong");
            await page.GetByLabel("Password").PressAsync("Enter");
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong user name or password.");

            desk.SignInStatus = 429;
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Too many attempts");

            desk.SignInStatus = 200;
            await page.GetByLabel("Password").FillAsync("right");
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/agent$"));
            await Assertions.Expect(page.GetByTestId("agent-name")).ToHaveTextAsync("Agent One");
            browser.ScriptErrors.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task Supervisor_and_admin_pages_load_under_the_csp()
    {
        await using var desk = await FakeDeskServer.StartAsync();
        desk.User["role"] = "admin";
        desk.Desk = FakeDeskServer.DeskWithCall("call-4", "on-call");
        desk.Desk["agents"] = new JsonArray(new JsonObject { ["agent"] = "1001@default", ["status"] = "Available", ["state"] = "In a queue call" });
        await using var browser = await BrowserSession.StartAsync(desk.Url);

        await browser.RunAsync(async page =>
        {
            await page.GotoAsync("/supervisor");
            await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Live calls" })).ToContainTextAsync("With 1001@default");
            await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Agents" })).ToContainTextAsync("Available");

            await page.GotoAsync("/admin");
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Users" })).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Form, new() { Name = "Demo call" })).ToBeVisibleAsync();
            browser.ScriptErrors.Where(e => !e.Contains("404", StringComparison.Ordinal)).Should().BeEmpty();
        });
    }
}
