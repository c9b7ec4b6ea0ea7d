using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using IvrEngine.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Tests.Browser;

/// <summary>The agent's page (the real wwwroot copied beside the tests) with a fake of the few endpoints it needs to
/// load: what the real engine cannot do on demand, end a page's desk stream (<see cref="DropStreams"/>) to show the
/// page reconnecting. Every other page test runs against the real engine (<see cref="RealDesk"/>).</summary>
internal sealed class FakeDeskServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<Guid, Channel<string>> _streams = new();
    private int _opened;

    private FakeDeskServer(WebApplication app) => _app = app;

    public string Url { get; private set; } = string.Empty;

    /// <summary>How many desk streams the pages opened so far.</summary>
    public int StreamsOpened => Volatile.Read(ref _opened);

    /// <summary>The desk state a stream sends when it opens.</summary>
    public JsonObject Desk { get; set; } = EmptyDesk();

    /// <summary>GET /api/calls/{uuid}/card answers this.</summary>
    public JsonObject Card { get; set; } = new();

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
            context.Response.Headers.ContentSecurityPolicy = WebSecurity.ContentSecurityPolicy;
            await next();
        });
        app.MapGet("/agent", () => Results.File(Path.Combine(root, "agent.html"), "text/html; charset=utf-8"));
        app.UseStaticFiles(new StaticFileOptions { FileProvider = new PhysicalFileProvider(root) });
        server.MapApi(app);
        await app.StartAsync();
        server.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return server;
    }

    /// <summary>Ends every open stream, as a proxy or a network drop would.</summary>
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
        var user = new JsonObject
        {
            ["userName"] = "agent1", ["displayName"] = "Agent One", ["role"] = "agent", ["agent"] = "1001@default", ["extension"] = "1001",
        };
        app.MapGet("/api/session", () => Results.Json(new JsonObject { ["user"] = user.DeepClone(), ["csrf"] = "csrf" }));
        app.MapGet("/api/desk/stream", async (HttpContext context) =>
        {
            var id = Guid.NewGuid();
            var channel = Channel.CreateUnbounded<string>();
            _streams[id] = channel;
            Interlocked.Increment(ref _opened);
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
        app.MapGet("/api/calls/{uuid}/card", () => Results.Json(Card));
    }

    private static async Task WriteEventAsync(HttpContext context, string json)
    {
        await context.Response.WriteAsync($"event: desk\ndata: {json}\n\n");
        await context.Response.Body.FlushAsync();
    }

    private static JsonObject EmptyDesk() => new() { ["sequence"] = 1, ["calls"] = new JsonArray(), ["waiting"] = new JsonArray(), ["agents"] = new JsonArray() };

    /// <summary>A desk state with one call ringing on agent 1001's desk, as the engine sends it.</summary>
    public static JsonObject DeskWithCall(string uuid) => JsonNode.Parse($$"""
        {"sequence": 2, "agent": {"agent": "1001@default", "status": "Available", "state": "Receiving", "since": null, "calls": 1},
         "calls": [{"callUuid": "{{uuid}}", "agent": "1001@default", "state": "ringing", "queue": "vip@default",
                    "offeredAt": "2026-12-04T20:40:40Z", "answeredAt": null, "endedAt": null, "queuedAt": "2026-12-04T20:40:00Z",
                    "how": "queue", "ani": "+995555123456", "dnis": "5000", "clientName": "Nino", "category": "vip", "ctiCode": "V"}],
         "waiting": [], "agents": []}
        """)!.AsObject();

    /// <summary>A new caller's card of the engine's shape.</summary>
    public static JsonObject NewCallerCard(string uuid) => JsonNode.Parse($$"""
        {"call": {"uuid": "{{uuid}}", "startedAt": "2026-12-04T20:40:00Z", "direction": "INCOMING", "ani": "+995555123456", "dnis": "5000",
                  "state": "ringing", "queue": "vip@default", "waitSeconds": 40, "agent": {"agent": "1001@default", "extension": "1001", "name": "Agent One"}, "live": true},
         "campaign": null, "ivr": {"flow": "default", "path": [], "keyed": {}, "routeRule": null, "routeReason": null, "lastStep": null, "outcome": null},
         "cti": {"code": "N", "reason": "new caller"}, "client": null, "newCaller": true, "wrapUp": null}
        """)!.AsObject();
}
