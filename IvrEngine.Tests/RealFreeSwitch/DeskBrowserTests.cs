using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Tests.Browser;
using IvrEngine.Tests.Web;
using IvrEngine.Web.Desk;
using Microsoft.Extensions.DependencyInjection;
using System.Reactive.Linq;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The screen pop end to end: a real call through real FreeSWITCH, mod_callcenter offering it to a SIP agent
/// whose phone rings until told to accept, and the agent's page in a real browser.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class DeskBrowserTests
{
    [RealFreeSwitchFact]
    public async Task A_real_call_offered_to_a_SIP_agent_pops_the_card_in_the_browser_before_the_phone_answers()
    {
        if (BrowserEnvironment.Missing is { } missing) throw new InvalidOperationException(missing);
        await using var lab = await RealLab.StartAsync(new LabOptions
        {
            Agents = ["1001"], ManualAnswer = ["1001"],
            FreeSwitchEvents = [.. FreeSwitchInstance.AllEvents.Where(e => e != "CUSTOM" && !e.Contains("::", StringComparison.Ordinal)),
                "CUSTOM", "callcenter::info", "sofia::register", "sofia::unregister", "sofia::profile_start"],
        }, nameof(A_real_call_offered_to_a_SIP_agent_pops_the_card_in_the_browser_before_the_phone_answers));
        var services = lab.Engine!.Services!;
        await services.GetRequiredService<InboundClientService>().Client!.SubscribeAsync(DeskServices.Events).WaitAsync(RealLab.Patience);
        await DeskWeb.AddUsersAsync(services);
        await using var browser = await BrowserSession.StartAsync(lab.Engine.WebBase.ToString());

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "agent1001");
            // The moment the card's heading shows, by the page's own clock (the same machine's clock as FreeSWITCH's).
            await page.EvaluateAsync("""
                () => new MutationObserver((_, observer) => {
                  const card = document.querySelector('[data-testid=client-card] h2');
                  if (card && card.textContent.trim().length > 0) { window.popAt = Date.now(); observer.disconnect(); }
                }).observe(document.body, { childList: true, subtree: true, characterData: true })
                """);

            // When the engine's own inbound connection got the offer. (FreeSWITCH's Event-Date-Timestamp cannot be used:
            // it reads FreeSWITCH's cached clock, which here lagged the real time by up to ~0.5 s while idle.)
            var offerArrived = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var tap = services.GetRequiredService<InboundClientService>().Client!.Events
                .Where(e => e.EventSubclass == "callcenter::info" && e["CC-Action"] == "agent-offering")
                .Subscribe(_ => offerArrived.TrySetResult(DateTimeOffset.UtcNow));
            var call = await lab.CallAsync("5000", DemoDataSeeder.WellKnown.VipPhone);

            var card = page.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToContainTextAsync("Eleanor Vance", new() { Timeout = (float)RealLab.Patience.TotalMilliseconds });
            await Expect(card.GetByTestId("call-state")).ToHaveTextAsync("Ringing");
            await Expect(card.GetByTestId("category")).ToContainTextAsync("VIP");
            var offered = await lab.Events.CallcenterAsync("agent-offering", call.Caller, RealLab.Patience);
            offered["CC-Agent"].Should().Be("1001@default");
            lab.Events.Snapshot().Should().NotContain(e => e.EventSubclass == "callcenter::info" && e["CC-Action"] == "bridge-agent-start"
                && e["CC-Member-Session-UUID"] == call.Caller, "the agent's phone has not been told to answer");
            var popAt = DateTimeOffset.FromUnixTimeMilliseconds(await page.EvaluateAsync<long>("() => window.popAt"));
            var latency = popAt - await offerArrived.Task.WaitAsync(RealLab.Patience);
            File.AppendAllText(BrowserEnvironment.ArtifactsFolder.TrimEnd('/') + "-pop.txt",
                $"{DateTimeOffset.UtcNow:O} real FreeSWITCH: agent-offering received by the engine -> card shown in the browser: {latency.TotalMilliseconds:0} ms{Environment.NewLine}");
            latency.Should().BeLessThan(TimeSpan.FromSeconds(1), "the card pops while the phone rings");

            await lab.Agents!.CommandAsync("accept");
            await Expect(card.GetByTestId("call-state")).ToHaveTextAsync("On call", new() { Timeout = (float)RealLab.Patience.TotalMilliseconds });
            await lab.FreeSwitch.ApiAsync($"uuid_kill {call.Caller}");
            await Expect(card.GetByTestId("call-state")).ToHaveTextAsync("Wrap-up", new() { Timeout = (float)RealLab.Patience.TotalMilliseconds });
            await page.GetByLabel("Disposition").SelectOptionAsync("resolved");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save wrap-up" }).ClickAsync();
            await Expect(page.GetByTestId("idle")).ToBeVisibleAsync(new() { Timeout = (float)RealLab.Patience.TotalMilliseconds });
            (await services.GetRequiredService<IDeskStore>().FindInteractionAsync(call.Caller))!.Disposition.Should().Be("resolved");
            services.GetRequiredService<DeskService>().CallsOf("1001@default").Should().BeEmpty();
        });
        browser.ScriptErrors.Should().BeEmpty();
    }
}
