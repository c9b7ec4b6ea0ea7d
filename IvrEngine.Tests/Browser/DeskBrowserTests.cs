using System.Diagnostics;
using System.Text.RegularExpressions;
using IvrEngine.Profiles;
using IvrEngine.Tests.EndToEnd;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace IvrEngine.Tests.Browser;

/// <summary>The agent desktop in Chromium against the real engine (<see cref="RealDesk"/>): sign-in through the page,
/// the card popping for a call mod_callcenter offers over the inbound connection, a new caller made a client, phones,
/// tickets, two agents on one card, who may open what, the supervisor's and admin's pages, and
/// the wrap-up. Every test also checks the pages had no script error or CSP violation.</summary>
public sealed class DeskBrowserTests(ITestOutputHelper output)
{
    /// <summary>The longest a card may take to pop: from the offer to the card's heading on the agent's page.</summary>
    private static readonly TimeSpan PopBudget = TimeSpan.FromSeconds(1);

    private const string GeorgianName = "ნინო ბერიძე";
    private const string GeorgianNote = "VIP კლიენტი; მიმართეთ სახელით.";
    private const string Hostile = "Nino <img src=x onerror=\"window.__pwned=1\"> Беридзе";

    [BrowserFact]
    public async Task An_agent_signs_in_through_the_sign_in_page_and_wrong_passwords_and_too_many_attempts_are_spoken()
    {
        await using var lab = await RealDesk.StartAsync("--Web:SignInPermitsPerMinute=4");
        await using var browser = await BrowserSession.StartAsync(lab.Url);

        await browser.RunAsync(async page =>
        {
            await page.GotoAsync("/agent");
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin\\?return=%2Fagent$"));
            var form = page.GetByRole(AriaRole.Form, new() { Name = "Sign in" });
            await form.GetByLabel("User name").FillAsync("agent1001");
            await form.GetByLabel("Password").FillAsync("not the password");
            await form.GetByLabel("Password").PressAsync("Enter");
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong user name or password.");

            await form.GetByLabel("Password").FillAsync(Web.DeskWeb.Password);
            await form.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/agent$"));
            await Assertions.Expect(page.GetByTestId("agent-name")).ToHaveTextAsync(new Regex("^Anna Petrova"));
            await Assertions.Expect(page.GetByTestId("agent-extension")).ToHaveTextAsync("ext. 1001");
            await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Connected");
            await Assertions.Expect(page.GetByTestId("agent-status")).ToHaveValueAsync("Available");
            await Assertions.Expect(page.GetByTestId("idle")).ToBeVisibleAsync();

            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin$"));
            (await page.EvaluateAsync<int>("async () => (await fetch('/api/session')).status")).Should().Be(401, "the session ended");

            // The limit is 4 a minute from one address: RealDesk signed its admin in, and two were used above.
            await form.GetByLabel("User name").FillAsync("agent1001");
            await form.GetByLabel("Password").FillAsync("still not it");
            await form.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong user name or password.");
            await form.GetByLabel("Password").FillAsync(Web.DeskWeb.Password);
            await form.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("Too many attempts");
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/signin$"));

            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().Equal("401 POST /api/signin", "401 GET /api/session", "401 POST /api/signin", "429 POST /api/signin");
        });
    }

    [BrowserFact]
    public async Task A_call_mod_callcenter_offers_to_1001_pops_the_full_card_within_a_second_and_the_saved_wrap_up_clears_the_desk()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "agent1001");
            await Assertions.Expect(page.GetByTestId("idle")).ToBeVisibleAsync();
            var call = await lab.QueuedCallAsync(DemoDataSeeder.WellKnown.GeorgianVipPhone);

            // The offer goes the way FreeSWITCH's goes: callcenter::info events on the engine's inbound connection.
            var watch = Stopwatch.StartNew();
            await call.OfferToAgentAsync(RealDesk.Agent1001, answer: true);
            await page.WaitForFunctionAsync("name => document.querySelector('[data-testid=client-name]')?.textContent === name", GeorgianName);
            var popped = watch.Elapsed;
            output.WriteLine($"card popped {popped.TotalMilliseconds:F0} ms after the offer (render {await page.GetByTestId("client-card").Locator("..").GetAttributeAsync("data-render-ms")} ms)");
            popped.Should().BeLessThan(PopBudget, "the card pops while the agent's phone rings");

            var card = page.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync(GeorgianName);
            await Assertions.Expect(card.GetByTestId("category")).ToHaveTextAsync("VIP");
            await Assertions.Expect(card.GetByTestId("category")).ToHaveClassAsync(new Regex("\\bcat-vip\\b"));
            await Assertions.Expect(card.GetByTestId("cti")).ToContainTextAsync("V");
            await Assertions.Expect(card.GetByTestId("caller-number")).ToHaveTextAsync(DemoDataSeeder.WellKnown.GeorgianVipPhone);
            await Assertions.Expect(card.GetByRole(AriaRole.Table, new() { Name = "Open orders" })).ToContainTextAsync("ORD-90007");
            await Assertions.Expect(card.GetByRole(AriaRole.Region, new() { Name = "Notes and warnings" })).ToContainTextAsync(GeorgianNote);
            await Assertions.Expect(card.GetByTestId("local-time")).ToContainTextAsync("Asia/Tbilisi");
            await Assertions.Expect(card.GetByRole(AriaRole.Region, new() { Name = "What the IVR did" })).ToContainTextAsync(lab.Desk.Find(call.Uuid)!.Queue!);
            await Assertions.Expect(card.GetByTestId("call-state")).ToHaveTextAsync("On call");
            (await page.EvaluateAsync<bool>("() => document.fonts.check('16px \"Noto Sans Georgian\"', 'ნ')")).Should().BeTrue("the page brings its Georgian font");

            await call.AgentEndsAsync();
            await Assertions.Expect(card.GetByTestId("call-state")).ToHaveTextAsync("Wrap-up");
            var wrapUp = card.GetByRole(AriaRole.Form, new() { Name = "Wrap-up" });
            await wrapUp.GetByLabel("Disposition").SelectOptionAsync("callback");
            await wrapUp.GetByLabel("Wrap-up note").FillAsync("დარეკავს ხვალ");
            await wrapUp.GetByRole(AriaRole.Button, new() { Name = "Save wrap-up" }).ClickAsync();

            await Assertions.Expect(page.GetByTestId("idle")).ToBeVisibleAsync();
            await Assertions.Expect(card).ToHaveCountAsync(0);
            var record = await lab.Services.GetRequiredService<IDeskStore>().FindInteractionAsync(call.Uuid);
            record!.Disposition.Should().Be("callback");
            record.WrapUpNote.Should().Be("დარეკავს ხვალ");
            lab.Desk.Find(call.Uuid).Should().BeNull("the wrap-up is done");
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task A_client_with_4020_notes_pops_with_the_newest_50_and_says_how_many_older_ones_are_not_shown()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);
        const string phone = "+15557770420";
        var at = DateTimeOffset.UtcNow.AddDays(-5000);
        await lab.Services.GetRequiredService<IClientStore>().InsertAsync(new ClientCard
        {
            Id = Guid.NewGuid(),
            Name = "Noted Client",
            Phones = [phone],
            HasContract = true,
            CreatedAt = at,
            Notes = [.. Enumerable.Range(0, 4020).Select(i => new ClientNote { Text = $"note {i}", Author = "agent-101", At = at.AddDays(i) })],
        });

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "agent1001");
            await Assertions.Expect(page.GetByTestId("idle")).ToBeVisibleAsync();
            var call = await lab.QueuedCallAsync(phone);
            await call.OfferToAgentAsync(RealDesk.Agent1001, answer: true);

            var notes = page.GetByRole(AriaRole.Region, new() { Name = "Notes and warnings" });
            await Assertions.Expect(notes.GetByRole(AriaRole.Listitem)).ToHaveCountAsync(50);
            await Assertions.Expect(notes.GetByRole(AriaRole.Listitem).First).ToContainTextAsync("note 4019");
            await Assertions.Expect(notes.GetByTestId("more-notes")).ToHaveTextAsync("and 3970 older notes not shown");
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task A_new_callers_card_shows_only_the_number_the_agent_makes_them_a_client_and_their_next_call_pops_the_full_card()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);
        var number = DemoDataSeeder.UnknownAnis[0];

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "agent1001");
            var first = await lab.DemoCallAsync(number);
            var card = page.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("New caller");
            await Assertions.Expect(card.GetByTestId("caller-number")).ToHaveTextAsync(number);
            await Assertions.Expect(card.GetByTestId("cti")).ToContainTextAsync("N");
            await Assertions.Expect(card.GetByRole(AriaRole.Region, new() { Name = "Notes and warnings" })).ToHaveCountAsync(0);
            await Assertions.Expect(card.GetByRole(AriaRole.Table, new() { Name = "Open orders" })).ToHaveCountAsync(0);
            await Assertions.Expect(card.GetByRole(AriaRole.Form, new() { Name = "Edit client" })).ToHaveCountAsync(0);
            await Assertions.Expect(card.GetByTestId("category")).ToHaveCountAsync(0);

            // A name that is HTML stays text.
            var create = card.GetByRole(AriaRole.Form, new() { Name = "Create client" });
            await create.GetByLabel("Name").FillAsync(Hostile);
            await create.GetByLabel("Company").FillAsync("Beridze & Co");
            await create.GetByRole(AriaRole.Button, new() { Name = "Create client" }).ClickAsync();
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync(Hostile);
            await Assertions.Expect(card.GetByTestId("company")).ToHaveTextAsync("Beridze & Co");
            (await page.EvaluateAsync<bool>("() => window.__pwned === 1")).Should().BeFalse("a client's name is text, never HTML");
            var client = await lab.Services.GetRequiredService<IClientStore>().FindByPhoneAsync(number);
            client!.Name.Should().Be(Hostile);

            await lab.DemoStepAsync(first, "answer");
            await lab.DemoStepAsync(first, "end");
            await Assertions.Expect(card.GetByTestId("call-state")).ToHaveTextAsync("Wrap-up");
            await card.GetByRole(AriaRole.Button, new() { Name = "Save wrap-up" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("idle")).ToBeVisibleAsync();

            var second = await lab.DemoCallAsync(number);
            await Assertions.Expect(card).ToHaveAttributeAsync("data-call", second);
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync(Hostile);
            await Assertions.Expect(card.GetByTestId("call-state")).ToHaveTextAsync("Ringing");
            await Assertions.Expect(card.GetByTestId("category")).ToHaveTextAsync("Regular");
            await Assertions.Expect(card.GetByTestId("caller-number")).ToHaveTextAsync(number);
            await Assertions.Expect(card.GetByRole(AriaRole.Form, new() { Name = "Edit client" })).ToBeVisibleAsync();
            await Assertions.Expect(card.GetByRole(AriaRole.Region, new() { Name = "Open tickets" })).ToBeVisibleAsync();
            await Assertions.Expect(card.GetByRole(AriaRole.Region, new() { Name = "Notes and warnings" })).ToBeVisibleAsync();
            // The call in which the agent made them a client is in their history.
            await Assertions.Expect(card.GetByRole(AriaRole.Table, new() { Name = "Last contacts" })).ToContainTextAsync("Demo Bank");
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task The_agent_adds_a_phone_uploads_a_photo_creates_a_ticket_and_changes_its_status_and_all_of_it_is_on_the_card_after_a_reload()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "agent1001");
            var uuid = await lab.DemoCallAsync(DemoDataSeeder.WellKnown.VipPhone);
            await lab.DemoStepAsync(uuid, "answer");
            var card = page.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("Eleanor Vance");
            await Assertions.Expect(card.GetByTestId("call-state")).ToHaveTextAsync("On call");

            var phone = card.GetByRole(AriaRole.Form, new() { Name = "Add phone" });
            await phone.GetByLabel("Phone").FillAsync("+1 555 777 0001");
            await phone.GetByRole(AriaRole.Button, new() { Name = "Add phone" }).ClickAsync();
            await Assertions.Expect(card.GetByText("+15557770001")).ToBeVisibleAsync();

            var upload = card.GetByRole(AriaRole.Form, new() { Name = "Upload photo" });
            await upload.GetByLabel("Photo").SetInputFilesAsync(new FilePayload { Name = "big.png", MimeType = "image/png", Buffer = new byte[(2 * 1024 * 1024) + 1] });
            await upload.GetByRole(AriaRole.Button, new() { Name = "Upload photo" }).ClickAsync();
            await Assertions.Expect(upload.GetByRole(AriaRole.Status)).ToContainTextAsync("at most 2 MB");
            await upload.GetByLabel("Photo").SetInputFilesAsync(new FilePayload { Name = "me.png", MimeType = "image/png", Buffer = OnePixelPng });
            await upload.GetByRole(AriaRole.Button, new() { Name = "Upload photo" }).ClickAsync();
            var photo = card.GetByRole(AriaRole.Img, new() { Name = "Photo of Eleanor Vance" });
            await Assertions.Expect(photo).ToHaveJSPropertyAsync("naturalWidth", 1);

            var create = card.GetByRole(AriaRole.Form, new() { Name = "Create ticket" });
            await create.GetByLabel("Subject").FillAsync("Card blocked abroad");
            await create.GetByLabel("Owner").FillAsync("agent1001");
            await create.GetByRole(AriaRole.Button, new() { Name = "Create ticket" }).ClickAsync();
            var tickets = card.GetByRole(AriaRole.Table, new() { Name = "Open tickets" });
            await Assertions.Expect(tickets).ToContainTextAsync("Card blocked abroad");
            await card.GetByLabel("Status of ticket Card blocked abroad", new() { Exact = true }).SelectOptionAsync("in-progress");
            var saved = await page.RunAndWaitForResponseAsync(
                () => card.GetByRole(AriaRole.Button, new() { Name = "Save status of ticket Card blocked abroad" }).ClickAsync(),
                r => r.Request.Method == "PATCH" && r.Url.Contains("/api/tickets/", StringComparison.Ordinal));
            saved.Status.Should().Be(200);

            // What the server kept, not what the page remembers.
            await page.ReloadAsync();
            await Assertions.Expect(card.GetByText("+15557770001")).ToBeVisibleAsync();
            await Assertions.Expect(card.GetByLabel("Status of ticket Card blocked abroad", new() { Exact = true })).ToHaveValueAsync("in-progress");
            await Assertions.Expect(photo).ToHaveJSPropertyAsync("naturalWidth", 1);

            await card.GetByLabel("Status of ticket Card blocked abroad", new() { Exact = true }).SelectOptionAsync("resolved");
            await card.GetByRole(AriaRole.Button, new() { Name = "Save status of ticket Card blocked abroad" }).ClickAsync();
            await Assertions.Expect(tickets).Not.ToContainTextAsync("Card blocked abroad");
            await page.ReloadAsync();
            await Assertions.Expect(tickets).ToContainTextAsync("None");

            var client = await lab.Services.GetRequiredService<IClientStore>().FindByPhoneAsync(DemoDataSeeder.WellKnown.VipPhone);
            client!.Phones.Should().Contain("+15557770001");
            (await lab.Services.GetRequiredService<IClientStore>().GetTicketsAsync(client.Id)).Should().ContainSingle(t => t.Subject == "Card blocked abroad")
                .Which.Status.Should().Be("resolved");
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().BeEmpty("the 2 MB photo never left the browser");
        });
    }

    [BrowserFact]
    public async Task Two_agents_edit_one_card_the_second_sees_the_conflict_keeps_their_input_reloads_and_saves_without_undoing_the_first()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);

        await browser.RunAsync(async anna =>
        {
            var giorgi = await browser.NewContextPageAsync();
            await RealDesk.SignInAsync(anna, "agent1001");
            await RealDesk.SignInAsync(giorgi, "agent1002");
            await lab.DemoCallAsync(DemoDataSeeder.WellKnown.VipPhone, RealDesk.Agent1001);
            await lab.DemoCallAsync(DemoDataSeeder.WellKnown.VipPhone, RealDesk.Agent1002);
            var annasCard = anna.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            var giorgisCard = giorgi.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Assertions.Expect(annasCard.GetByTestId("card-version")).ToHaveTextAsync(new Regex("^Version \\d+$"));
            var version = int.Parse((await annasCard.GetByTestId("card-version").TextContentAsync())!["Version ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            await Assertions.Expect(giorgisCard.GetByTestId("card-version")).ToHaveTextAsync($"Version {version}");

            // Giorgi saves first.
            var giorgisEdit = giorgisCard.GetByRole(AriaRole.Form, new() { Name = "Edit client" });
            await giorgisEdit.GetByLabel("Company").FillAsync("Vance Holdings");
            await giorgisEdit.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
            await Assertions.Expect(giorgisCard.GetByTestId("card-version")).ToHaveTextAsync($"Version {version + 1}");

            // Anna's form still holds the version she opened.
            var annasEdit = annasCard.GetByRole(AriaRole.Form, new() { Name = "Edit client" });
            var name = annasEdit.GetByLabel("Name", new() { Exact = true });
            await name.FillAsync("Eleanor Vance-Smith");
            await name.PressAsync("Enter");
            await Assertions.Expect(annasCard.GetByRole(AriaRole.Alert)).ToContainTextAsync("Someone else changed this card");
            await Assertions.Expect(name).ToHaveValueAsync("Eleanor Vance-Smith");
            await annasCard.GetByRole(AriaRole.Button, new() { Name = "Reload their version" }).ClickAsync();
            await Assertions.Expect(annasCard.GetByTestId("card-version")).ToHaveTextAsync($"Version {version + 1}");
            await Assertions.Expect(annasCard.GetByTestId("company")).ToHaveTextAsync("Vance Holdings");
            await Assertions.Expect(name).ToHaveValueAsync("Eleanor Vance-Smith");
            await Assertions.Expect(annasEdit.GetByLabel("Company")).ToHaveValueAsync("Vance Holdings");
            await annasEdit.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();

            await Assertions.Expect(annasCard.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("Eleanor Vance-Smith");
            await Assertions.Expect(annasCard.GetByTestId("card-version")).ToHaveTextAsync($"Version {version + 2}");
            var saved = await lab.Services.GetRequiredService<IClientStore>().FindByPhoneAsync(DemoDataSeeder.WellKnown.VipPhone);
            saved!.Name.Should().Be("Eleanor Vance-Smith");
            saved.Company.Should().Be("Vance Holdings", "the second save changed only what its agent changed");
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().ContainSingle().Which.Should().StartWith("409 PATCH /api/clients/");
        });
    }

    [BrowserFact]
    public async Task An_agent_cannot_open_another_agents_call_and_nobody_signed_out_can_use_the_API()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);

        await browser.RunAsync(async anna =>
        {
            await RealDesk.SignInAsync(anna, "agent1001");
            var uuid = await lab.DemoCallAsync(DemoDataSeeder.WellKnown.VipPhone, RealDesk.Agent1001);
            var card = anna.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("Eleanor Vance");
            var clientId = (await lab.Services.GetRequiredService<IClientStore>().FindByPhoneAsync(DemoDataSeeder.WellKnown.VipPhone))!.Id;
            (await StatusAsync(anna, $"/api/calls/{uuid}/card")).Should().Be(200);

            var giorgi = await browser.NewContextPageAsync();
            await RealDesk.SignInAsync(giorgi, "agent1002");
            await Assertions.Expect(giorgi.GetByTestId("idle")).ToBeVisibleAsync();
            (await StatusAsync(giorgi, $"/api/calls/{uuid}/card")).Should().Be(404);
            (await StatusAsync(giorgi, $"/api/clients/{clientId}")).Should().Be(404);
            (await StatusAsync(giorgi, $"/api/clients/{clientId}/photo")).Should().Be(404);
            (await giorgi.APIRequest.GetAsync($"/api/calls/{uuid}/card")).Status.Should().Be(404);
            (await giorgi.GotoAsync("/supervisor"))!.Status.Should().Be(403);

            var nobody = await browser.NewContextPageAsync();
            await nobody.GotoAsync("/agent");
            await Assertions.Expect(nobody).ToHaveURLAsync(new Regex("/signin\\?return=%2Fagent$"));
            (await StatusAsync(nobody, $"/api/calls/{uuid}/card")).Should().Be(401);
            (await StatusAsync(nobody, "/api/desk/state")).Should().Be(401);
            (await StatusAsync(nobody, "/api/desk/stream")).Should().Be(401);
            (await nobody.APIRequest.GetAsync($"/api/clients/{clientId}")).Status.Should().Be(401);
            browser.ScriptErrors.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task The_supervisor_sees_the_caller_wait_in_the_queue_then_with_the_agent_sees_agents_status_changes_and_opens_the_card_read_only()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);

        await browser.RunAsync(async supervisor =>
        {
            await RealDesk.SignInAsync(supervisor, "supervisor", "/supervisor");
            var agent = await browser.NewContextPageAsync();
            await RealDesk.SignInAsync(agent, "agent1001");
            var agents = supervisor.GetByRole(AriaRole.Table, new() { Name = "Agents" });
            var anna = agents.GetByRole(AriaRole.Row).Filter(new() { HasText = RealDesk.Agent1001 });
            await Assertions.Expect(anna).ToContainTextAsync("Available");

            // The agent's status goes to FreeSWITCH (callcenter_config) and comes back as an event to every page.
            await agent.GetByLabel("My status").SelectOptionAsync("On Break");
            await Assertions.Expect(agent.GetByText("Status: On Break")).ToBeVisibleAsync();
            await Assertions.Expect(anna).ToContainTextAsync("On Break");
            await agent.GetByLabel("My status").SelectOptionAsync("Available");
            await Assertions.Expect(anna).ToContainTextAsync("Available");

            var call = await lab.QueuedCallAsync(DemoDataSeeder.WellKnown.VipPhone);
            var queue = lab.Desk.Waiting().Single().Queue;
            var calls = supervisor.GetByRole(AriaRole.Table, new() { Name = "Live calls" });
            var row = calls.GetByRole(AriaRole.Row).Filter(new() { HasText = "Eleanor Vance" });
            await Assertions.Expect(row).ToContainTextAsync($"Waiting in {queue}");
            await Assertions.Expect(row).ToContainTextAsync(DemoDataSeeder.WellKnown.VipPhone);

            await call.OfferToAgentAsync(RealDesk.Agent1001, answer: true);
            await Assertions.Expect(row).ToContainTextAsync($"With {RealDesk.Agent1001} ({queue})");
            await Assertions.Expect(row).ToContainTextAsync("On call");
            await Assertions.Expect(anna).ToContainTextAsync("In a queue call");
            await Assertions.Expect(calls.GetByRole(AriaRole.Row)).ToHaveCountAsync(2);

            await row.GetByRole(AriaRole.Button, new() { Name = "Open the card of Eleanor Vance" }).ClickAsync();
            var card = supervisor.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("Eleanor Vance");
            await Assertions.Expect(card.GetByTestId("category")).ToHaveTextAsync("VIP");
            await Assertions.Expect(card.GetByRole(AriaRole.Region, new() { Name = "Notes and warnings" })).ToContainTextAsync("greet by name");
            await Assertions.Expect(card.GetByRole(AriaRole.Form, new() { Name = "Edit client" })).ToHaveCountAsync(0);

            await call.AgentEndsAsync();
            await Assertions.Expect(row).ToContainTextAsync("Wrap-up");
            await Assertions.Expect(card.GetByTestId("call-state")).ToHaveTextAsync("Wrap-up");
            await agent.GetByRole(AriaRole.Button, new() { Name = "Save wrap-up" }).ClickAsync();
            await Assertions.Expect(calls).ToContainTextAsync("No live calls.");
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task The_admin_starts_a_demo_call_from_the_admin_page_that_pops_on_the_agents_page_and_makes_and_revokes_a_token()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);

        await browser.RunAsync(async admin =>
        {
            await RealDesk.SignInAsync(admin, "admin", "/admin");
            var agent = await browser.NewContextPageAsync();
            await RealDesk.SignInAsync(agent, "agent1001");
            await Assertions.Expect(admin.GetByRole(AriaRole.Table, new() { Name = "Users" })).ToContainTextAsync("agent1001");
            await Assertions.Expect(admin.GetByRole(AriaRole.Table, new() { Name = "Campaign cards" })).ToContainTextAsync("Demo Bank");

            var demo = admin.GetByRole(AriaRole.Form, new() { Name = "Demo call" });
            await demo.GetByLabel("Caller number").FillAsync(DemoDataSeeder.WellKnown.VipPhone);
            await demo.GetByLabel("Offer to agent").FillAsync(RealDesk.Agent1001);
            await demo.GetByRole(AriaRole.Button, new() { Name = "Start demo call" }).ClickAsync();
            await Assertions.Expect(demo.GetByRole(AriaRole.Status)).ToContainTextAsync($"offered to {RealDesk.Agent1001}");

            var card = agent.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("Eleanor Vance");
            await Assertions.Expect(card.GetByTestId("call-state")).ToHaveTextAsync("Ringing");
            await admin.GetByRole(AriaRole.Button, new() { Name = $"Answer demo call from {DemoDataSeeder.WellKnown.VipPhone}" }).ClickAsync();
            await Assertions.Expect(card.GetByTestId("call-state")).ToHaveTextAsync("On call");
            await admin.GetByRole(AriaRole.Button, new() { Name = $"End demo call from {DemoDataSeeder.WellKnown.VipPhone}" }).ClickAsync();
            await Assertions.Expect(card.GetByTestId("call-state")).ToHaveTextAsync("Wrap-up");

            // A token made on the page is shown once, works, and stops working once revoked there.
            var token = admin.GetByRole(AriaRole.Form, new() { Name = "Create token" });
            await token.GetByLabel("Token name").FillAsync("crm");
            await token.GetByLabel("Acts as user").FillAsync("agent1001");
            await token.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
            await Assertions.Expect(admin.GetByTestId("token-value")).ToHaveValueAsync(new Regex("^ivr_"));
            var plain = await admin.GetByTestId("token-value").InputValueAsync();
            using var crm = new HttpClient { BaseAddress = new Uri(lab.Url), Timeout = EngineUnderTest.Patience };
            crm.DefaultRequestHeaders.Authorization = new("Bearer", plain);
            (await crm.GetAsync(new Uri("/api/desk/state", UriKind.Relative))).StatusCode.Should().Be(System.Net.HttpStatusCode.OK);
            await admin.GetByRole(AriaRole.Button, new() { Name = "Revoke token crm" }).ClickAsync();
            await Assertions.Expect(admin.GetByRole(AriaRole.Table, new() { Name = "API tokens" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "crm" }))
                .ToContainTextAsync("revoked");
            (await crm.GetAsync(new Uri("/api/desk/state", UriKind.Relative))).StatusCode.Should().Be(System.Net.HttpStatusCode.Unauthorized);
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().BeEmpty();
        });
    }

    /// <summary>The docs' screenshots of the card (docs/screenshots/card-vip.png, card-problem.png, card-new-caller.png):
    /// written there only with IVR_DOCS_SCREENSHOTS=1, else to the artifacts folder, so an ordinary run checks the three
    /// cards and leaves the docs alone. Each card is of a call that went through the bank flow (5000) and was offered
    /// through mod_callcenter, so "What the IVR did" shows the real path, keys, rule, reason, queue and wait: the VIP
    /// known by number (the vip rule); the problem client known by number, whose manager rule sends them to their
    /// manager first (agent_agent-106: not registered, so the dialplan's fallback queue, general); a new caller who
    /// chose to identify by account, keyed an unknown account three times and went to general (the account itself is
    /// not kept, it was in no record: only that it was invalid). The simulator's offer
    /// either bridges at once or fails at once (its agent-offering has no ringing phone behind it), so the cards are
    /// taken on call ("On call"), not ringing.</summary>
    [BrowserFact]
    public async Task Screenshots_of_the_card_for_a_VIP_a_problem_client_and_a_new_caller()
    {
        var folder = BrowserEnvironment.ScreenshotFolder();
        await using var lab = await RealDesk.StartAsync(RealDesk.ShippedFlows);
        await using var browser = await BrowserSession.StartAsync(lab.Url, new ViewportSize { Width = 1280, Height = 900 });

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "agent1001");
            var card = page.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            foreach (var (ani, keys, heading, reason, keyed, file) in new (string, string[], string, string, string?, string)[]
            {
                (DemoDataSeeder.WellKnown.VipPhone, [], "Eleanor Vance", "vip: CTI code V", null, "card-vip.png"),
                (DemoDataSeeder.WellKnown.ProblemPhone, [], "Виктор Соколов", "manager: category problem; manager agent-106 first", null, "card-problem.png"),
                (DemoDataSeeder.UnknownAnis[1], ["2", "55555#", "55555#", "55555#"], "New caller", "3 invalid entries", "account_statusinvalid", "card-new-caller.png"),
            })
            {
                var call = await lab.QueuedCallAsync(ani, keys);
                await call.OfferToAgentAsync(RealDesk.Agent1001, answer: true);
                await Assertions.Expect(card).ToHaveAttributeAsync("data-call", call.Uuid);
                await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync(heading);
                await Assertions.Expect(card.GetByTestId("call-state")).ToHaveTextAsync("On call");
                var ivr = card.GetByRole(AriaRole.Region, new() { Name = "What the IVR did" });
                await Assertions.Expect(ivr).ToContainTextAsync("bank/welcome");
                await Assertions.Expect(ivr).ToContainTextAsync(lab.Desk.Find(call.Uuid)!.Queue!);
                await Assertions.Expect(ivr).Not.ToContainTextAsync("demo");
                await Assertions.Expect(ivr).ToContainTextAsync(reason);
                if (keyed is not null) await Assertions.Expect(ivr).ToContainTextAsync(keyed);
                await page.EvaluateAsync("() => document.fonts.ready.then(() => true)");
                var path = Path.Combine(folder, file);
                // The pointer off the card (it rests where the last wrap-up was saved: a hovered button).
                await page.Mouse.MoveAsync(0, 0);
                // The whole page at the 1280x900 viewport: what the IVR did sits below the fold.
                await browser.SaveScreenshotAsync(path, fullPage: true);
                new FileInfo(path).Length.Should().BeGreaterThan(10_000, $"{file} shows the card");
                output.WriteLine($"{file}: {path}");

                await call.AgentEndsAsync();
                await Assertions.Expect(card.GetByTestId("call-state")).ToHaveTextAsync("Wrap-up");
                await card.GetByRole(AriaRole.Button, new() { Name = "Save wrap-up" }).ClickAsync();
                await Assertions.Expect(page.GetByTestId("idle")).ToBeVisibleAsync();
            }

            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().BeEmpty();
        });
    }

    /// <summary>A 1x1 PNG.</summary>
    private static readonly byte[] OnePixelPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    /// <summary>The status of a GET made by the page itself (its cookies, its origin).</summary>
    private static Task<int> StatusAsync(IPage page, string path) =>
        page.EvaluateAsync<int>("async path => { const c = new AbortController(); const r = await fetch(path, { signal: c.signal }); c.abort(); return r.status; }", path);
}
