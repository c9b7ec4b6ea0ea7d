using System.Net;
using System.Net.Http.Json;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Web;

namespace IvrEngine.Tests.Web;

/// <summary>The web app's guards over real HTTP: sign-in, antiforgery, rate limit, host filter, headers, tokens, roles.</summary>
public sealed class DeskSecurityTests
{
    private static readonly string[] ReadOnly = ["read"];

    [Theory]
    [InlineData("GET", "/api/session")]
    [InlineData("GET", "/api/desk/stream")]
    [InlineData("GET", "/api/calls/abc/card")]
    [InlineData("GET", "/calls/abc/context")]
    [InlineData("GET", "/api/admin/users")]
    [InlineData("GET", "/api/clients/search?q=ann")]
    public async Task Without_signing_in_the_API_answers_401(string method, string path)
    {
        await using var engine = await EngineUnderTest.StartAsync();
        using var http = DeskWeb.Anonymous(DeskWeb.Base(engine));

        var response = await http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await DeskWeb.JsonAsync(response)).GetProperty("error").GetString().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_page_without_a_session_redirects_to_sign_in_and_every_answer_carries_the_security_headers()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        using var http = DeskWeb.Anonymous(DeskWeb.Base(engine));

        var page = await http.GetAsync(new Uri("/agent", UriKind.Relative));

        page.StatusCode.Should().Be(HttpStatusCode.Redirect);
        page.Headers.Location!.ToString().Should().Be("/signin?return=%2Fagent");
        page.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("script-src 'self'").And.NotContain("unsafe-inline");
        page.Headers.GetValues("X-Content-Type-Options").Single().Should().Be("nosniff");
        page.Headers.GetValues("X-Frame-Options").Single().Should().Be("DENY");

        foreach (var path in new[] { "/", "/supervisor", "/admin", "/campaigns", "/statistics" })
        {
            var other = await http.GetAsync(new Uri(path, UriKind.Relative));
            (other.StatusCode, other.Headers.Location?.ToString()).Should().Be((HttpStatusCode.Redirect, "/signin?return=" + Uri.EscapeDataString(path)), path + " is a page");
        }
    }

    [Fact]
    public async Task Sign_in_needs_the_antiforgery_token_and_the_right_password_and_a_session_ends_at_sign_out()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var http = DeskWeb.Anonymous(DeskWeb.Base(engine));

        var forged = await http.PostAsJsonAsync("/api/signin", new { userName = "agent1001", password = DeskWeb.Password });
        forged.StatusCode.Should().Be(HttpStatusCode.BadRequest, "a sign-in without the antiforgery token may come from another site");

        var csrf = await DeskWeb.CsrfAsync(http);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, "/api/signin") { Content = JsonContent.Create(new { userName = "agent1001", password = "guess" }) };
        wrong.Headers.Add(WebSecurity.AntiforgeryHeader, csrf);
        var refused = await http.SendAsync(wrong);
        refused.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await DeskWeb.JsonAsync(refused)).GetProperty("error").GetString().Should().Be("wrong user name or password");

        using var signedIn = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "agent1001");
        var session = await DeskWeb.JsonAsync(await signedIn.GetAsync(new Uri("/api/session", UriKind.Relative)));
        session.GetProperty("user").GetProperty("agent").GetString().Should().Be("1001@default");
        session.GetProperty("user").GetProperty("role").GetString().Should().Be("agent");

        (await signedIn.PostAsync(new Uri("/api/signout", UriKind.Relative), null)).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await signedIn.GetAsync(new Uri("/api/session", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_state_changing_request_with_the_cookie_but_without_the_antiforgery_token_is_refused()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var http = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");
        http.DefaultRequestHeaders.Remove(WebSecurity.AntiforgeryHeader);

        var response = await http.PutAsJsonAsync("/api/admin/campaigns/5000", new { name = "Forged" });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await DeskWeb.JsonAsync(response)).GetProperty("error").GetString().Should().Contain("antiforgery");
    }

    [Fact]
    public async Task Sign_in_attempts_beyond_the_limit_per_minute_answer_429()
    {
        await using var engine = await EngineUnderTest.StartAsync(null, null, "--Web:SignInPermitsPerMinute=3");
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var http = DeskWeb.Anonymous(DeskWeb.Base(engine));
        var csrf = await DeskWeb.CsrfAsync(http);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var attempt = new HttpRequestMessage(HttpMethod.Post, "/api/signin") { Content = JsonContent.Create(new { userName = "agent1001", password = "guess" + i }) };
            attempt.Headers.Add(WebSecurity.AntiforgeryHeader, csrf);
            statuses.Add((await http.SendAsync(attempt)).StatusCode);
        }

        statuses.Should().Equal(HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized,
            HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task A_request_for_another_host_name_is_refused()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        using var http = DeskWeb.Anonymous(DeskWeb.Base(engine));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Host = "evil.example";

        (await http.SendAsync(request)).StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await http.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Roles_decide_the_pages_and_the_admin_API_and_a_read_only_token_cannot_write_and_a_revoked_one_cannot_read()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var agent = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "agent1001");
        (await agent.GetAsync(new Uri("/api/admin/users", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        (await agent.GetAsync(new Uri("/supervisor", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Forbidden);

        using var admin = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "admin");
        var users = await DeskWeb.JsonAsync(await admin.GetAsync(new Uri("/api/admin/users", UriKind.Relative)));
        users.EnumerateArray().Select(u => u.GetProperty("userName").GetString()).Should().Contain(["agent1001", "supervisor"]);
        (await (await admin.GetAsync(new Uri("/api/admin/users", UriKind.Relative))).Content.ReadAsStringAsync()).Should().NotContain("passwordHash");

        var created = await DeskWeb.JsonAsync(await admin.PostAsJsonAsync("/api/admin/tokens", new { name = "crm", userName = "supervisor", scopes = ReadOnly }));
        using var reader = new HttpClient { BaseAddress = DeskWeb.Base(engine) };
        reader.DefaultRequestHeaders.Authorization = new("Bearer", created.GetProperty("token").GetString());
        (await reader.GetAsync(new Uri("/api/session", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.OK);
        var write = await reader.PostAsJsonAsync("/api/clients/" + Guid.NewGuid() + "/notes", new { text = "x" });
        write.StatusCode.Should().Be(HttpStatusCode.Forbidden, "a read-only token may not write, and it needs no antiforgery token to be told so");

        (await admin.DeleteAsync(new Uri("/api/admin/tokens/" + created.GetProperty("id").GetGuid(), UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NoContent);
        (await reader.GetAsync(new Uri("/api/session", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }
}
