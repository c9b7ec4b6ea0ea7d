using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;

namespace IvrEngine.Tests.Browser;

/// <summary>The browser kit itself: Playwright's driver (node, from the NuGet package) runs here and drives the system's
/// Chromium against a page served on loopback, under the desk's Content-Security-Policy.</summary>
public sealed class BrowserKitTests
{
    private const string Csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                             + "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    [BrowserFact]
    public async Task Opens_a_page_served_on_loopback_and_reads_its_text()
    {
        await using var site = await StaticSite.StartAsync(new Dictionary<string, (string Type, string Body)>
        {
            ["/"] = ("text/html; charset=utf-8", """
                <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Kit</title>
                <script type="module" src="/app.js"></script></head>
                <body><main><h1>Browser kit</h1><p role="status" aria-label="Script state" id="state">not run</p></main></body></html>
                """),
            ["/app.js"] = ("text/javascript", "document.getElementById('state').textContent = 'module ran: ' + 'გამარჯობა, привет';"),
        });
        await using var browser = await BrowserSession.StartAsync(site.Url);

        await browser.RunAsync(async page =>
        {
            await page.GotoAsync("/");

            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Browser kit" })).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status, new() { Name = "Script state" }))
                .ToHaveTextAsync("module ran: გამარჯობა, привет");
            browser.ConsoleErrors.Should().BeEmpty();
        });
    }

    [BrowserFact]
    public async Task A_failing_body_leaves_a_screenshot_and_rethrows()
    {
        await using var site = await StaticSite.StartAsync(new Dictionary<string, (string Type, string Body)>
        {
            ["/"] = ("text/html; charset=utf-8", "<!doctype html><html lang=\"en\"><body><p>nothing here</p></body></html>"),
        });
        await using var browser = await BrowserSession.StartAsync(site.Url);
        var name = $"kit-failure-{Guid.NewGuid():N}";

        var act = () => browser.RunAsync(async page =>
        {
            await page.GotoAsync("/");
            await Assertions.Expect(page.GetByText("never shown")).ToBeVisibleAsync(new() { Timeout = 200 });
        }, name);

        await act.Should().ThrowAsync<PlaywrightException>();
        var screenshot = Path.Combine(BrowserEnvironment.ArtifactsFolder, name + "-failure.png");
        File.Exists(screenshot).Should().BeTrue();
        File.Delete(screenshot);
    }

    /// <summary>A few fixed resources served by Kestrel on a free loopback port, with the desk's CSP.</summary>
    private sealed class StaticSite : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private StaticSite(WebApplication app, string url)
        {
            _app = app;
            Url = url;
        }

        public string Url { get; }

        public static async Task<StaticSite> StartAsync(Dictionary<string, (string Type, string Body)> resources)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.Run(async context =>
            {
                context.Response.Headers["Content-Security-Policy"] = Csp;
                if (!resources.TryGetValue(context.Request.Path.Value ?? "/", out var resource))
                {
                    context.Response.StatusCode = (int)HttpStatusCode.NotFound;
                    return;
                }

                context.Response.ContentType = resource.Type;
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(resource.Body));
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new StaticSite(app, address);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
