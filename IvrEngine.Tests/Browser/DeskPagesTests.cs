using Microsoft.Playwright;

namespace IvrEngine.Tests.Browser;

/// <summary>What the real engine cannot be made to do on demand, against <see cref="FakeDeskServer"/>: the desk stream
/// ends under the page (a proxy's timeout, a network drop). Every other page test is in <see cref="DeskBrowserTests"/>,
/// against the real engine.</summary>
public sealed class DeskPagesTests
{
    [BrowserFact]
    public async Task When_the_desk_stream_ends_the_agent_page_says_so_reconnects_and_shows_the_desk_as_it_is_now()
    {
        await using var desk = await FakeDeskServer.StartAsync();
        await using var browser = await BrowserSession.StartAsync(desk.Url);

        await browser.RunAsync(async page =>
        {
            await page.GotoAsync("/agent");
            await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Connected");
            await Assertions.Expect(page.GetByTestId("idle")).ToBeVisibleAsync();

            // A call came while the stream was down: the state sent on reconnecting carries it.
            desk.Desk = FakeDeskServer.DeskWithCall("call-1");
            desk.Card = FakeDeskServer.NewCallerCard("call-1");
            desk.DropStreams();
            await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Reconnecting…");
            await Assertions.Expect(page.GetByTestId("connection")).ToHaveTextAsync("Connected");
            var card = page.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Assertions.Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToHaveTextAsync("New caller");
            await Assertions.Expect(card.GetByTestId("caller-number")).ToHaveTextAsync("+995555123456");
            desk.StreamsOpened.Should().Be(2);
            browser.ScriptErrors.Should().BeEmpty();
        });
    }
}
