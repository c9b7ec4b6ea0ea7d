using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IvrEngine.Profiles;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Web;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.Web;

/// <summary>The web app's users for tests, and HTTP clients signed in as them (cookie and antiforgery header, as the
/// pages do) or carrying an API token.</summary>
internal static class DeskWeb
{
    public const string Password = "correct horse battery";

    /// <summary>agent1001 (1001@default), agent1002 (1002@default), supervisor, admin; all with <see cref="Password"/>.</summary>
    public static async Task AddUsersAsync(IServiceProvider services)
    {
        var accounts = services.GetRequiredService<UserAccounts>();
        var store = services.GetRequiredService<IDeskStore>();
        foreach (var (name, display, role, agent, extension) in new[]
        {
            ("agent1001", "Anna Petrova", UserRoles.Agent, "1001@default", "1001"),
            ("agent1002", "Giorgi Beridze", UserRoles.Agent, "1002@default", "1002"),
            ("supervisor", "Sam Super", UserRoles.Supervisor, (string?)null, (string?)null),
            ("admin", "Ada Admin", UserRoles.Admin, null, null),
        })
        {
            // The demo data brings these users with printed passwords; tests use a known one.
            if (await store.FindUserAsync(name) is null) await accounts.CreateUserAsync(name, display, role, agent, extension, Password);
            else await accounts.SetPasswordAsync(name, Password);
        }
    }

    public static Uri Base(EngineUnderTest engine) => engine.Host.Services.GetRequiredService<WebEndpointService>().Addresses[0];

    /// <summary>Signs in as the pages do: antiforgery token first, then the form, then the token bound to the user.</summary>
    public static async Task<HttpClient> SignInAsync(Uri baseAddress, string userName, string password = Password)
    {
        var http = Anonymous(baseAddress);
        var csrf = await CsrfAsync(http);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/signin") { Content = JsonContent.Create(new { userName, password }) };
        request.Headers.Add(WebSecurity.AntiforgeryHeader, csrf);
        var response = await http.SendAsync(request).WaitAsync(EngineUnderTest.Patience);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var session = await JsonAsync(response);
        http.DefaultRequestHeaders.Add(WebSecurity.AntiforgeryHeader, session.GetProperty("csrf").GetString());
        return http;
    }

    /// <summary>A client with a cookie jar and nothing else.</summary>
    public static HttpClient Anonymous(Uri baseAddress) =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = baseAddress, Timeout = EngineUnderTest.Patience };

    public static async Task<string> CsrfAsync(HttpClient http)
    {
        var body = await JsonAsync(await http.GetAsync(new Uri("/api/antiforgery", UriKind.Relative)).WaitAsync(EngineUnderTest.Patience));
        return body.GetProperty("csrf").GetString()!;
    }

    /// <summary>A client carrying a fresh API token of <paramref name="userName"/> with these scopes.</summary>
    public static async Task<HttpClient> TokenAsync(IServiceProvider services, Uri baseAddress, string userName, params string[] scopes)
    {
        var (_, plain) = await services.GetRequiredService<UserAccounts>().CreateTokenAsync("test", userName, scopes.Length == 0 ? ["read", "write"] : scopes);
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = EngineUnderTest.Patience };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", plain);
        return http;
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
