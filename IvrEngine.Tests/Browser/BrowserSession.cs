using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace IvrEngine.Tests.Browser;

/// <summary>One headless Chromium with one context and one page, for one test. Console errors and uncaught page
/// errors (CSP violations among them) are collected in <see cref="ConsoleErrors"/>.
/// <code>
/// await using var browser = await BrowserSession.StartAsync();
/// await browser.RunAsync(async page =>
/// {
///     await page.GotoAsync(url);
///     await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Client card" })).ToBeVisibleAsync();
/// });
/// </code>
/// A failing body leaves a full-page screenshot named after the test in <see cref="BrowserEnvironment.ArtifactsFolder"/>.
/// </summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    /// <summary>How long locators and assertions wait by default (auto-waiting; never a sleep).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly List<string> _consoleErrors = [];
    private readonly List<string> _failedResponses = [];

    private readonly string? _baseUrl;

    private BrowserSession(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page, string? baseUrl)
    {
        _baseUrl = baseUrl;
        Playwright = playwright;
        Browser = browser;
        Context = context;
        Page = page;
    }

    public IPlaywright Playwright { get; }

    public IBrowser Browser { get; }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    /// <summary>Console errors and uncaught exceptions the pages reported so far.</summary>
    public IReadOnlyList<string> ConsoleErrors
    {
        get
        {
            lock (_consoleErrors) return [.. _consoleErrors];
        }
    }

    /// <summary>Every answer with a status of 400 or more the pages received, as "STATUS METHOD path".</summary>
    public IReadOnlyList<string> FailedResponses
    {
        get
        {
            lock (_failedResponses) return [.. _failedResponses];
        }
    }

    /// <summary>The console errors that are not the browser's note of an HTTP error status ("Failed to load resource: ...
    /// 409"): script errors and CSP violations. A page that shows a 401 or 409 to its user still has none.</summary>
    public IReadOnlyList<string> ScriptErrors =>
        [.. ConsoleErrors.Where(e => !e.StartsWith("console: Failed to load resource: the server responded with a status of", StringComparison.Ordinal))];

    /// <summary>Starts Chromium (the system's; see <see cref="BrowserEnvironment"/>), a context and a page.</summary>
    /// <param name="baseUrl">Relative URLs in GotoAsync resolve against it.</param>
    /// <param name="viewport">The page size (1280x900 by default).</param>
    public static async Task<BrowserSession> StartAsync(string? baseUrl = null, ViewportSize? viewport = null)
    {
        var chromium = BrowserEnvironment.Chromium
            ?? throw new InvalidOperationException(BrowserEnvironment.Missing ?? "Chromium not found");
        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = chromium,
                Headless = true,
                Args = BrowserEnvironment.RunningAsRoot ? ["--no-sandbox"] : [],
            });
            var context = await browser.NewContextAsync(new BrowserNewContextOptions
            {
                BaseURL = baseUrl,
                ViewportSize = viewport ?? new ViewportSize { Width = 1280, Height = 900 },
                Locale = "en-GB",
            });
            context.SetDefaultTimeout((float)DefaultTimeout.TotalMilliseconds);
            Assertions.SetDefaultExpectTimeout((float)DefaultTimeout.TotalMilliseconds);
            var page = await context.NewPageAsync();
            var session = new BrowserSession(playwright, browser, context, page, baseUrl);
            session.Watch(page);
            return session;
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>A further page in the same context (same cookies), watched for console errors too.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var page = await Context.NewPageAsync();
        Watch(page);
        return page;
    }

    /// <summary>A page in a new context of the same browser (its own cookies: another user), watched like
    /// <see cref="Page"/> and kept in the screenshots of a failure.</summary>
    public async Task<IPage> NewContextPageAsync()
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = _baseUrl,
            ViewportSize = Page.ViewportSize is { } size ? new ViewportSize { Width = size.Width, Height = size.Height } : null,
            Locale = "en-GB",
        });
        context.SetDefaultTimeout((float)DefaultTimeout.TotalMilliseconds);
        var page = await context.NewPageAsync();
        Watch(page);
        return page;
    }

    /// <summary>Runs the test body against <see cref="Page"/>; when it throws, saves a full-page screenshot named after
    /// the test (the calling method unless given) and rethrows.</summary>
    public async Task RunAsync(Func<IPage, Task> body, [CallerMemberName] string testName = "")
    {
        try
        {
            await body(Page);
        }
        catch
        {
            await KeepScreenshotOnFailureAsync(testName);
            throw;
        }
    }

    /// <summary>Saves a full-page screenshot of every open page to the artifacts folder as
    /// <c>{testName}-failure[-n].png</c>; never throws (the test's own failure matters more). Returns the paths.</summary>
    public async Task<IReadOnlyList<string>> KeepScreenshotOnFailureAsync(string testName)
    {
        var saved = new List<string>();
        try
        {
            Directory.CreateDirectory(BrowserEnvironment.ArtifactsFolder);
            var pages = Browser.Contexts.SelectMany(c => c.Pages).ToList();
            for (var i = 0; i < pages.Count; i++)
            {
                if (pages[i].IsClosed) continue;
                var name = Sanitize(testName) + "-failure" + (i == 0 ? string.Empty : $"-{i}") + ".png";
                var path = Path.Combine(BrowserEnvironment.ArtifactsFolder, name);
                await pages[i].ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true, Timeout = 5000 });
                saved.Add(path);
            }
        }
        catch (PlaywrightException)
        {
        }
        catch (IOException)
        {
        }

        return saved;
    }

    /// <summary>Saves a screenshot of the page (or of <see cref="Page"/>) to a path, creating its folder: the docs'
    /// screenshots are made this way.</summary>
    public async Task SaveScreenshotAsync(string path, IPage? page = null, bool fullPage = true)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await (page ?? Page).ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage });
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Context.CloseAsync();
            await Browser.CloseAsync();
        }
        catch (PlaywrightException)
        {
        }
        finally
        {
            Playwright.Dispose();
        }
    }

    private void Watch(IPage page)
    {
        page.Console += (_, message) =>
        {
            // The browser asks for /favicon.ico by itself; a 404 there is no fault of the page.
            if (message.Type == "error" && !message.Location.Contains("/favicon.ico", StringComparison.Ordinal))
            {
                lock (_consoleErrors) _consoleErrors.Add($"console: {message.Text} ({message.Location})");
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400 && !response.Url.EndsWith("/favicon.ico", StringComparison.Ordinal))
            {
                lock (_failedResponses) _failedResponses.Add($"{response.Status} {response.Request.Method} {new Uri(response.Url).PathAndQuery}");
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_consoleErrors) _consoleErrors.Add($"page error: {error}");
        };
    }

    private static string Sanitize(string name)
    {
        var invalid = Path.GetInvalidFileNameChars();
        var chars = name.Select(c => invalid.Contains(c) || char.IsWhiteSpace(c) ? '_' : c).ToArray();
        return chars.Length == 0 ? "browser-test" : new string(chars);
    }
}
