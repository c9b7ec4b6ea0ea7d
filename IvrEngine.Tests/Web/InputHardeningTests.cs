using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Tests.Web;

/// <summary>What the web APIs refuse, over real HTTP: values with a trailing newline, a chunked body over the limit;
/// and what their log lines carry.</summary>
public sealed class InputHardeningTests
{
    private const string CallId = "0c5c8a4e-1b2d-4c3e-9f00-a1b2c3d4e5f6";

    [Theory]
    [InlineData("category", "vip\n")]
    [InlineData("language", "en\n")]
    [InlineData("category", "vip\r\n")]
    public async Task A_context_edit_with_a_trailing_newline_is_refused_with_400(string field, string value)
    {
        await using var engine = await EngineUnderTest.StartAsync();
        using var http = await HttpAsync(engine, "supervisor");
        var body = new Dictionary<string, object> { ["version"] = 1, [field] = value };

        var response = await http.PatchAsync(new Uri($"/calls/{CallId}/context", UriKind.Relative), JsonContent.Create(body)).WaitAsync(EngineUnderTest.Patience);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        (await DeskWeb.JsonAsync(response)).GetProperty("error").GetString().Should().Contain(field);
    }

    [Fact]
    public async Task A_campaign_number_with_a_trailing_newline_is_refused_and_not_stored()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        using var http = await HttpAsync(engine, "admin");

        var response = await http.PutAsync(new Uri("/api/admin/campaigns/1001%0A", UriKind.Relative), JsonContent.Create(new { name = "Spring" }))
            .WaitAsync(EngineUnderTest.Patience);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
        var campaigns = await http.GetStringAsync(new Uri("/api/admin/campaigns", UriKind.Relative)).WaitAsync(EngineUnderTest.Patience);
        campaigns.Should().NotContain("1001");
    }

    [Fact]
    public async Task A_call_id_with_a_trailing_newline_is_refused_with_400()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        using var http = await HttpAsync(engine, "supervisor");

        var response = await http.GetAsync(new Uri($"/calls/{CallId}%0A/context", UriKind.Relative)).WaitAsync(EngineUnderTest.Patience);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("token", "/calls/" + CallId + "/context", "application/json", 300)]
    [InlineData("session", "/calls/" + CallId + "/context", "application/json", 300)]
    [InlineData("session", "/calls/" + CallId + "/context", "application/x-www-form-urlencoded", 300)]
    [InlineData("token", "/api/clients/" + CallId, "application/json", 300)]
    [InlineData("token", "/calls/" + CallId + "/context", "application/json", 3000)]
    public async Task A_chunked_body_over_the_limit_answers_413_with_a_problem_body_and_the_engine_goes_on(string auth, string path, string type, int kilobytes)
    {
        await using var engine = await EngineUnderTest.StartAsync();
        using var http = auth == "token" ? await HttpAsync(engine, "supervisor") : await SessionAsync(engine, "supervisor");
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri(path, UriKind.Relative))
        {
            // A stream of unknown length: HttpClient sends it chunked, with no Content-Length to refuse up front.
            Content = new StreamContent(new UnknownLengthStream("{\"version\":1,\"note\":{\"text\":\"" + new string('z', kilobytes * 1024) + "\"}}")),
        };
        request.Content.Headers.ContentType = new(type);
        request.Headers.TransferEncodingChunked = true;

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request).WaitAsync(EngineUnderTest.Patience);
        }
        catch (HttpRequestException ex)
        {
            throw new InvalidOperationException("the engine dropped the connection instead of answering 413", ex);
        }

        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge, text);
        text.Should().Contain("\"error\"").And.Contain("larger than 256 KB").And.NotContain("   at ");
        using var again = await HttpAsync(engine, "supervisor");
        (await again.GetAsync(new Uri("/health", UriKind.Relative)).WaitAsync(EngineUnderTest.Patience)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("/calls/" + CallId + "/context", "PATCH", "application/json")]
    [InlineData("/api/clients/" + CallId + "/photo", "PUT", "image/png")]
    public async Task A_malformed_chunked_body_answers_400_with_a_problem_body_not_500(string path, string method, string type)
    {
        // Kestrel refuses a body it cannot read (here a chunk size that is not hex; also a body over its limit, which it
        // can see before the endpoint's own check does) with BadHttpRequestException: the client's fault, not a 500.
        var logs = new ScopeCapture();
        await using var engine = await EngineUnderTest.StartAsync(null, s => s.AddSingleton<ILoggerProvider>(logs));
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        var (_, token) = await engine.Host.Services.GetRequiredService<IvrEngine.Profiles.UserAccounts>().CreateTokenAsync("raw", "supervisor", ["read", "write"]);
        var address = DeskWeb.Base(engine);
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port).WaitAsync(EngineUnderTest.Patience);
        var stream = tcp.GetStream();
        var raw = $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: {type}\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n10\r\n{\"version\":1,\"a\":\r\nZZ-not-hex\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(raw)).AsTask().WaitAsync(EngineUnderTest.Patience);

        using var reader = new StreamReader(stream, System.Text.Encoding.ASCII);
        var answer = await reader.ReadToEndAsync().WaitAsync(EngineUnderTest.Patience);

        answer.Should().StartWith("HTTP/1.1 400").And.Contain("\"error\"").And.NotContain("   at ");
        logs.Lines.Should().NotContain(l => l.Category == typeof(WebEndpointService).FullName && l.Message.EndsWith("failed", StringComparison.Ordinal));
        using var again = await HttpAsync(engine, "supervisor");
        (await again.GetAsync(new Uri("/health", UriKind.Relative)).WaitAsync(EngineUnderTest.Patience)).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_HTTP_log_line_about_a_call_carries_the_call_id_in_its_scope()
    {
        var logs = new ScopeCapture();
        await using var engine = await EngineUnderTest.StartAsync(null, s => s.AddSingleton<ILoggerProvider>(logs), "--Logging:LogLevel:Default=Information");
        using var http = await HttpAsync(engine, "supervisor");

        (await http.GetAsync(new Uri($"/calls/{CallId}/context", UriKind.Relative)).WaitAsync(EngineUnderTest.Patience)).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var line = logs.Lines.Should().ContainSingle(l => l.Category == typeof(WebEndpointService).FullName && l.Message.Contains($"/calls/{CallId}/context", StringComparison.Ordinal)).Subject;
        line.Scopes.Should().ContainSingle().Which.Should().Contain(CallId).And.NotContain("Dictionary");
    }

    private static async Task<HttpClient> HttpAsync(EngineUnderTest engine, string user)
    {
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        return await DeskWeb.TokenAsync(engine.Host.Services, DeskWeb.Base(engine), user);
    }

    private static async Task<HttpClient> SessionAsync(EngineUnderTest engine, string user)
    {
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        return await DeskWeb.SignInAsync(DeskWeb.Base(engine), user);
    }

    /// <summary>A readable stream that does not tell its length.</summary>
    private sealed class UnknownLengthStream(string text) : MemoryStream(System.Text.Encoding.UTF8.GetBytes(text))
    {
        public override bool CanSeek => false;
    }

    /// <summary>Keeps each log line with its scopes as the console prints them (their ToString).</summary>
    private sealed class ScopeCapture : ILoggerProvider, ISupportExternalScope
    {
        private readonly ConcurrentQueue<(string Category, string Message, IReadOnlyList<string> Scopes)> _lines = new();
        private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

        public IReadOnlyList<(string Category, string Message, IReadOnlyList<string> Scopes)> Lines => [.. _lines];

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(ScopeCapture capture, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => capture._scopes.Push(state);

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var scopes = new List<string>();
                capture._scopes.ForEachScope((scope, list) => list.Add(scope?.ToString() ?? string.Empty), scopes);
                capture._lines.Enqueue((category, formatter(state, exception), scopes));
            }
        }
    }
}
