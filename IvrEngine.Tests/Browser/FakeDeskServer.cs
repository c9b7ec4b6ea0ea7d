using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Tests.Browser;

/// <summary>The desk's pages (the real wwwroot copied beside the tests) with a fake of the HTTP API of
/// docs/agent-desktop.md: what the pages need to be tested without the engine. Answers are set per test
/// (<see cref="Card"/>, <see cref="Client"/>, <see cref="PatchConflict"/>, ...); <see cref="PushDesk"/> sends a desk
/// event to every open stream; <see cref="Requests"/> records what the pages sent (method, path, CSRF header, body).</summary>
internal sealed class FakeDeskServer : IAsyncDisposable
{
    public const string Csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                            + "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    public const string CsrfToken = "csrf-test-token";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<Guid, Channel<string>> _streams = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();

    private FakeDeskServer(WebApplication app) => _app = app;

    public string Url { get; private set; } = string.Empty;

    /// <summary>The session's user (role agent unless changed).</summary>
    public JsonObject User { get; set; } = new()
    {
        ["userName"] = "agent1", ["displayName"] = "Agent One", ["role"] = "agent", ["agent"] = "1001@default", ["extension"] = "1001",
    };

    /// <summary>The desk state sent when a stream opens (and by <see cref="PushDesk"/> when given none).</summary>
    public JsonObject Desk { get; set; } = new() { ["sequence"] = 1, ["calls"] = new JsonArray(), ["waiting"] = new JsonArray(), ["agents"] = new JsonArray() };

    /// <summary>GET /api/calls/{uuid}/card answers this (its client replaced by <see cref="Client"/> when that is set).</summary>
    public JsonObject Card { get; set; } = new();

    /// <summary>The client behind the card; null for a new caller. POST .../client and .../attach set it.</summary>
    public JsonObject? Client { get; set; }

    /// <summary>When set, PATCH /api/clients/{id} answers 409 with this as "current".</summary>
    public JsonObject? PatchConflict { get; set; }

    /// <summary>The answer to the sign-in form: 200, 401 or 429.</summary>
    public int SignInStatus { get; set; } = 200;

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public static async Task<FakeDeskServer> StartAsync()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new FakeDeskServer(app);
        app.Use(async (context, next) =>
        {
            context.Response.Headers["Content-Security-Policy"] = Csp;
            await next();
        });
        foreach (var page in new[] { "signin", "agent", "supervisor", "admin" })
        {
            app.MapGet("/" + page, () => Results.File(Path.Combine(root, page + ".html"), "text/html; charset=utf-8"));
        }

        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(root) });
        server.MapApi(app);
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>Sends a desk event (the given state, else <see cref="Desk"/>) to every open stream.</summary>
    public void PushDesk(JsonObject? state = null)
    {
        if (state is not null) Desk = state;
        var text = Desk.ToJsonString();
        foreach (var stream in _streams.Values) stream.Writer.TryWrite(text);
    }

    /// <summary>Ends every open stream (the pages should show "Reconnecting…", then reconnect).</summary>
    public void DropStreams()
    {
        foreach (var stream in _streams.Values) stream.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        DropStreams();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void MapApi(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/api"))
            {
                context.Request.EnableBuffering();
                var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
                context.Request.Body.Position = 0;
                _requests.Enqueue(new RecordedRequest(context.Request.Method, context.Request.Path + context.Request.QueryString,
                    context.Request.Headers["X-CSRF-TOKEN"].ToString(), context.Request.ContentType, body));
            }

            await next();
        });
        app.MapGet("/api/session", () => Results.Json(new JsonObject { ["user"] = User.DeepClone(), ["csrf"] = CsrfToken }));
        app.MapGet("/api/antiforgery", () => Results.Json(new { csrf = CsrfToken }));
        app.MapPost("/api/signin", () => SignInStatus switch
        {
            200 => Results.Json(new JsonObject { ["user"] = User.DeepClone(), ["csrf"] = CsrfToken }),
            401 => Results.Json(new { error = "wrong user name or password" }, statusCode: 401),
            _ => Results.Json(new { error = "too many attempts" }, statusCode: SignInStatus),
        });
        app.MapPost("/api/signout", () => Results.NoContent());
        app.MapGet("/api/desk/stream", async (HttpContext context) =>
        {
            var id = Guid.NewGuid();
            var channel = Channel.CreateUnbounded<string>();
            _streams[id] = channel;
            try
            {
                context.Response.ContentType = "text/event-stream";
                context.Response.Headers.CacheControl = "no-cache";
                await WriteEventAsync(context, Desk.ToJsonString());
                await foreach (var text in channel.Reader.ReadAllAsync(context.RequestAborted)) await WriteEventAsync(context, text);
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                _streams.TryRemove(id, out _);
            }
        });
        app.MapPut("/api/desk/status", (JsonObject body) => Results.Json(new { status = body["status"]?.GetValue<string>() }));
        app.MapGet("/api/calls/{uuid}/card", (string uuid) =>
        {
            var card = (JsonObject)Card.DeepClone();
            card["client"] = Client?.DeepClone();
            card["newCaller"] = Client is null;
            return Results.Json(card);
        });
        app.MapPost("/api/calls/{uuid}/client", (JsonObject body) =>
        {
            Client = new JsonObject
            {
                ["id"] = "c-new", ["version"] = 1, ["name"] = body["name"]?.DeepClone(), ["company"] = body["company"]?.DeepClone(),
                ["language"] = body["language"]?.DeepClone(), ["category"] = "regular", ["phones"] = new JsonArray(Card["call"]?["ani"]?.DeepClone()),
            };
            return Results.Json(Client, statusCode: 201);
        });
        app.MapGet("/api/clients/{id}", () => Client is null ? Results.NotFound() : Results.Json(Client));
        app.MapPatch("/api/clients/{id}", (JsonObject body) =>
        {
            if (PatchConflict is { } theirs)
                return Results.Json(new JsonObject { ["error"] = "someone else saved first", ["current"] = theirs.DeepClone() }, statusCode: 409);
            foreach (var (key, value) in body)
            {
                if (key is "version" or "callUuid") continue;
                Client![key] = value?.DeepClone();
            }

            Client!["version"] = Client["version"]!.GetValue<int>() + 1;
            return Results.Json(Client);
        });
        app.MapPost("/api/calls/{uuid}/wrapup", () => Results.Json(new { ok = true }));
        app.MapPut("/api/clients/{id}/photo", (string id) =>
        {
            Client!["photoUrl"] = $"/api/clients/{id}/photo";
            return Results.Json(Client);
        });
        app.MapGet("/api/clients/{id}/photo", () => Results.File(
            Path.Combine(AppContext.BaseDirectory, "wwwroot", "assets", "img", "placeholder.svg"), "image/svg+xml"));
    }

    private static async Task WriteEventAsync(HttpContext context, string json)
    {
        await context.Response.WriteAsync($"event: desk\ndata: {json}\n\n");
        await context.Response.Body.FlushAsync();
    }

    /// <summary>A request a page made.</summary>
    public sealed record RecordedRequest(string Method, string Path, string Csrf, string? ContentType, string Body)
    {
        public JsonNode? Json => Body.Length == 0 ? null : JsonNode.Parse(Body);
    }

    /// <summary>A card of the contract's shape for a ringing call from <paramref name="ani"/>.</summary>
    public static JsonObject SampleCard(string uuid, string ani = "+995555123456") => JsonNode.Parse($$"""
        {"call": {"uuid": "{{uuid}}", "startedAt": "2026-12-04T20:40:00Z", "direction": "INCOMING", "ani": "{{ani}}", "dnis": "5000",
                  "state": "ringing", "queue": "vip@default", "waitSeconds": 42, "agent": {"extension": "1001", "name": "Agent One"} },
         "campaign": {"dnis": "5000", "name": "Bank", "service": "Retail banking", "hints": "Greet by name."},
         "ivr": {"flow": "bank", "path": ["bank/greeting", "bank/account"], "keyed": {"account": "****1234"},
                 "routeRule": "vip", "routeReason": "VIP client", "lastStep": "bank/route"},
         "cti": {"code": "V", "reason": "VIP client"}, "client": null, "newCaller": true, "wrapUp": null}
        """)!.AsObject();

    /// <summary>A client of the contract's shape.</summary>
    public static JsonObject SampleClient(string name, int version = 3) => new()
    {
        ["id"] = "c1", ["version"] = version, ["name"] = name, ["company"] = "შპს ბანკი", ["category"] = "vip", ["photoUrl"] = null,
        ["phones"] = new JsonArray("+995555123456"), ["accounts"] = new JsonArray("****1234"), ["cards"] = new JsonArray(),
        ["location"] = new JsonObject { ["city"] = "Tbilisi", ["country"] = "GE", ["timeZone"] = "Asia/Tbilisi", ["localTime"] = "21:00" },
        ["language"] = "ka", ["manager"] = "Ivan Petrov", ["balance"] = 1520.5, ["overdue"] = 120,
        ["notes"] = new JsonArray(new JsonObject { ["text"] = "Prefers Russian", ["author"] = "anna", ["at"] = "2026-11-02T10:00:00Z" }),
        ["orders"] = new JsonArray(), ["tickets"] = new JsonArray(), ["lastContacts"] = new JsonArray(),
    };

    /// <summary>A desk state with one call offered to agent 1001 in this state.</summary>
    public static JsonObject DeskWithCall(string uuid, string state) => JsonNode.Parse($$"""
        {"sequence": 2, "agent": {"agent": "1001@default", "status": "Available", "state": "Receiving"},
         "calls": [{"callUuid": "{{uuid}}", "agent": "1001@default", "state": "{{state}}", "queue": "vip@default",
                    "offeredAt": "2026-12-04T20:40:40Z", "answeredAt": null, "endedAt": null, "queuedAt": "2026-12-04T20:40:00Z",
                    "how": "queue", "ani": "+995555123456", "dnis": "5000", "clientName": "x", "company": "y", "category": "vip", "ctiCode": "V"}],
         "waiting": [], "agents": []}
        """)!.AsObject();
}
