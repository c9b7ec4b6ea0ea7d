using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IvrEngine.Tests.Web;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The web side of a two-engine lab: users made through an engine's admin API (the engines are child
/// processes, so nothing is reached through their services), signed-in clients, and the desk's server-sent events.</summary>
internal static class TwoEngineLabWeb
{
    /// <summary>Gives <paramref name="users"/> the tests' known password (<see cref="DeskWeb.Password"/>) through
    /// <paramref name="engine"/>'s admin API, signed in as the lab's first admin. The demo data brings them with printed
    /// passwords; a user it did not bring is made.</summary>
    public static async Task PrepareUsersAsync(EngineInstance engine, params (string Name, string Role, string? Agent, string? Extension)[] users)
    {
        using var admin = await DeskWeb.SignInAsync(engine.WebBase, TwoBoxLab.AdminUser, TwoBoxLab.AdminPassword);
        foreach (var (name, role, agent, extension) in users)
        {
            var patch = await admin.PatchAsync(new Uri($"/api/admin/users/{name}", UriKind.Relative), JsonContent.Create(new { password = DeskWeb.Password }));
            if (patch.StatusCode == HttpStatusCode.NotFound)
            {
                var created = await admin.PostAsync(new Uri("/api/admin/users", UriKind.Relative),
                    JsonContent.Create(new { userName = name, displayName = name, role, agent, extension, password = DeskWeb.Password }));
                created.StatusCode.Should().Be(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
                continue;
            }

            patch.StatusCode.Should().Be(HttpStatusCode.OK, await patch.Content.ReadAsStringAsync());
        }
    }

    /// <summary>The first desk state, sent on connect or after a change, that <paramref name="until"/> accepts: read
    /// from the page's own stream (<c>GET /api/desk/stream</c>), so the wait ends on the engine's push.</summary>
    public static async Task<JsonElement> DeskStateAsync(HttpClient http, Func<JsonElement, bool> until, TimeSpan patience, string what)
    {
        using var timeout = new CancellationTokenSource(patience);
        var last = "(no state)";
        try
        {
            using var response = await http.GetAsync(new Uri("/api/desk/stream", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
            while (await reader.ReadLineAsync(timeout.Token) is { } line)
            {
                if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
                last = line[5..].Trim();
                using var state = JsonDocument.Parse(last);
                if (until(state.RootElement)) return state.RootElement.Clone();
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // Reported below.
        }

        throw new TimeoutException($"the desk did not show {what} within {patience.TotalSeconds:0} s; last state: {last}");
    }

    /// <summary>The calls of a desk state (its <c>calls</c>).</summary>
    public static IEnumerable<JsonElement> Calls(JsonElement state) => state.GetProperty("calls").EnumerateArray();

    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> GetAsync(HttpClient http, string path)
    {
        var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await BodyAsync(response), response);
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(HttpClient http, string path, object body)
    {
        var response = await http.PostAsync(new Uri(path, UriKind.Relative), JsonContent.Create(body));
        return (response.StatusCode, await BodyAsync(response), response);
    }

    private static async Task<JsonElement> BodyAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (text.Length == 0) return default;
        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonDocument.Parse(JsonSerializer.Serialize(new { text })).RootElement.Clone();
        }
    }
}
