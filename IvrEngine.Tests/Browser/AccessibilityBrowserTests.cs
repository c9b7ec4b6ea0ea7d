using IvrEngine.Profiles;
using Microsoft.Playwright;

namespace IvrEngine.Tests.Browser;

/// <summary>axe-core (<see cref="Axe"/>: WCAG 2.0/2.1 A and AA rules) on every page of the agent desktop against the
/// real engine (<see cref="RealDesk"/>), in the states an agent, a supervisor and an admin actually see: no violation
/// is allowed, and each is named in the failure.</summary>
public sealed class AccessibilityBrowserTests
{
    [BrowserFact]
    public async Task The_sign_in_page_has_no_axe_violations_also_with_its_error_shown()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);

        await browser.RunAsync(async page =>
        {
            await page.GotoAsync("/signin");
            var form = page.GetByRole(AriaRole.Form, new() { Name = "Sign in" });
            await Assertions.Expect(form.GetByLabel("User name")).ToBeVisibleAsync();
            await Axe.ShouldHaveNoViolationsAsync(page, "the sign-in page");

            await form.GetByLabel("User name").FillAsync("agent1001");
            await form.GetByLabel("Password").FillAsync("not the password");
            await form.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("Wrong user name or password.");
            await Axe.ShouldHaveNoViolationsAsync(page, "the sign-in page with its error");
            browser.ScriptErrors.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task The_agent_page_has_no_axe_violations_when_idle()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "agent1001");
            await Assertions.Expect(page.GetByTestId("idle")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByTestId("agent-status")).ToHaveValueAsync("Available");
            await Axe.ShouldHaveNoViolationsAsync(page, "the idle agent page");
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task The_agent_page_has_no_axe_violations_with_a_VIPs_full_card_ringing_and_with_a_new_callers_card()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "agent1001");
            var card = page.GetByRole(AriaRole.Region, new() { Name = "Client card" });

            var vip = await lab.DemoCallAsync(DemoDataSeeder.WellKnown.VipPhone);
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("Eleanor Vance");
            await Assertions.Expect(card.GetByTestId("call-state")).ToHaveTextAsync("Ringing");
            await Assertions.Expect(card.GetByRole(AriaRole.Form, new() { Name = "Edit client" })).ToBeVisibleAsync();
            await Assertions.Expect(card.GetByRole(AriaRole.Table, new() { Name = "Open orders" })).ToBeVisibleAsync();
            await Axe.ShouldHaveNoViolationsAsync(page, "the agent page with a VIP's card ringing");

            await lab.DemoStepAsync(vip, "answer");
            await lab.DemoStepAsync(vip, "end");
            await Assertions.Expect(card.GetByTestId("call-state")).ToHaveTextAsync("Wrap-up");
            await Axe.ShouldHaveNoViolationsAsync(page, "the agent page with a card in wrap-up");
            await card.GetByRole(AriaRole.Button, new() { Name = "Save wrap-up" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("idle")).ToBeVisibleAsync();

            await lab.DemoCallAsync(DemoDataSeeder.UnknownAnis[0]);
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("New caller");
            await Assertions.Expect(card.GetByRole(AriaRole.Form, new() { Name = "Create client" })).ToBeVisibleAsync();
            await Axe.ShouldHaveNoViolationsAsync(page, "the agent page with a new caller's card");
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task The_supervisor_page_has_no_axe_violations_with_a_call_listed_and_its_card_open()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "supervisor", "/supervisor");
            var call = await lab.QueuedCallAsync(DemoDataSeeder.WellKnown.VipPhone);
            await call.OfferToAgentAsync(RealDesk.Agent1001, answer: true);
            var row = page.GetByRole(AriaRole.Table, new() { Name = "Live calls" }).GetByRole(AriaRole.Row).Filter(new() { HasText = "Eleanor Vance" });
            await Assertions.Expect(row).ToContainTextAsync("On call");
            await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Agents" })).ToContainTextAsync("In a queue call");

            await row.GetByRole(AriaRole.Button, new() { Name = "Open the card of Eleanor Vance" }).ClickAsync();
            var card = page.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("Eleanor Vance");
            await Assertions.Expect(card.GetByRole(AriaRole.Region, new() { Name = "What the IVR did" })).ToBeVisibleAsync();
            await Axe.ShouldHaveNoViolationsAsync(page, "the supervisor page with a call and its card");
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task The_admin_page_has_no_axe_violations()
    {
        await using var lab = await RealDesk.StartAsync();
        await using var browser = await BrowserSession.StartAsync(lab.Url);

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "admin", "/admin");
            await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Users" })).ToContainTextAsync("agent1001");
            await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Campaign cards" })).ToContainTextAsync("Demo Bank");
            await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "API tokens" })).ToBeVisibleAsync();
            await Axe.ShouldHaveNoViolationsAsync(page, "the admin page");

            // With a demo call listed (its Answer and End buttons) and a new token shown once.
            var demo = page.GetByRole(AriaRole.Form, new() { Name = "Demo call" });
            await demo.GetByLabel("Caller number").FillAsync(DemoDataSeeder.WellKnown.VipPhone);
            await demo.GetByLabel("Offer to agent").FillAsync(RealDesk.Agent1001);
            await demo.GetByRole(AriaRole.Button, new() { Name = "Start demo call" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = $"Answer demo call from {DemoDataSeeder.WellKnown.VipPhone}" })).ToBeVisibleAsync();
            var token = page.GetByRole(AriaRole.Form, new() { Name = "Create token" });
            await token.GetByLabel("Token name").FillAsync("crm");
            await token.GetByLabel("Acts as user").FillAsync("agent1001");
            await token.GetByRole(AriaRole.Button, new() { Name = "Create token" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("token-value")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("^ivr_"));
            await Axe.ShouldHaveNoViolationsAsync(page, "the admin page with a demo call and a new token");
            browser.ScriptErrors.Should().BeEmpty();
            browser.FailedResponses.Should().BeEmpty();
        });
    }
}
