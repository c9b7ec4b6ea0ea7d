using System.Net;
using IvrEngine.Calls;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Web;

/// <summary>The engine's HTTP listener (<c>Web:Urls</c>): <c>/health</c> and the call-context API. A listener that
/// cannot bind is logged and the engine goes on serving calls. It opens before the other services start and closes
/// after they have stopped, so health answers 503 while the engine starts and while it drains.</summary>
public sealed partial class WebEndpointService(
    IOptions<WebOptions> options,
    IServiceProvider engine,
    CallRegistry calls,
    Func<int?> flowsVersion,
    ILogger<WebEndpointService> logger) : IHostedLifecycleService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The addresses bound, once started (port 0 resolved).</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Enabled) return;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(settings.Urls);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = Math.Max(ContextPatchRules.MaxBodyBytes, settings.MaxPhotoBytes) + 64 * 1024;
            // Each connection holds a descriptor: capped, so a flood of keep-alive connections cannot use up the
            // process's open-file limit (the outbound listener sets this share aside).
            k.Limits.MaxConcurrentConnections = settings.MaxConnections;
            k.Limits.MaxConcurrentUpgradedConnections = settings.MaxUpgradedConnections;
            k.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(settings.KeepAliveTimeoutSeconds);
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(settings.RequestHeadersTimeoutSeconds);
        });
        // The web app's own container sees the engine's singletons it needs; the engine owns and disposes them.
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(engine.GetRequiredService<TimeProvider>());
        builder.Services.AddSingleton(engine.GetRequiredService<Profiles.IDeskStore>());
        builder.Services.AddSingleton(engine.GetRequiredService<Profiles.UserAccounts>());
        builder.Services.AddWebSecurity(settings);
        AddEngineHealthChecks(builder.Services);
        var app = builder.Build();
        var api = engine.GetRequiredService<ContextApi>();
        var cards = engine.GetRequiredService<CardApi>();
        app.Use(LogRequestAsync);
        app.UseWebSecurity();
        var webRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (Directory.Exists(Path.Combine(webRoot, "assets")))
        {
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(Path.Combine(webRoot, "assets")),
                RequestPath = "/assets",
            });
        }

        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResultStatusCodes = HealthReportWriter.StatusCodes,
            ResponseWriter = (context, report) => HealthReportWriter.WriteAsync(context, HealthReportWriter.Body(report, calls.Count, flowsVersion())),
        }).AllowAnonymous();
        app.MapSession(webRoot);
        cards.Map(app);
        engine.GetRequiredService<DeskApi>().Map(app);
        engine.GetRequiredService<AdminApi>().Map(app);
        engine.GetRequiredService<DialerApi>().Map(app);
        engine.GetRequiredService<StatisticsApi>().Map(app);
        app.MapGet("/calls/{uuid}/context", (string uuid, HttpContext c) => CardApi.IsCallId(uuid) && !cards.CanSeeCall(WebSecurity.Require(c.User), uuid)
            ? Task.FromResult(ContextApi.Problem(404, $"no live call {uuid} offered to you is known to this engine")) : api.GetByCallAsync(uuid, c.RequestAborted))
            .RequireAuthorization(WebSecurity.SignedIn);
        app.MapMethods("/calls/{uuid}/context", ["PATCH"], (string uuid, HttpContext c) => WebSecurity.WhenWriting(c, () =>
            CardApi.IsCallId(uuid) && !cards.CanSeeCall(WebSecurity.Require(c.User), uuid)
                ? Task.FromResult(ContextApi.Problem(404, $"no live call {uuid} offered to you is known to this engine")) : api.PatchAsync(uuid, c.Request, c.RequestAborted)))
            .RequireAuthorization(WebSecurity.SignedIn);
        app.MapGet("/contexts/{id}", (string id, HttpContext c) => Guid.TryParse(id, out var contextId)
            && engine.GetRequiredService<CallContextRegistry>().Find(contextId) is { } entry && !cards.CanSeeCall(WebSecurity.Require(c.User), entry.Uuid)
            ? Task.FromResult(ContextApi.Problem(404, $"no live call has context {id}")) : api.GetByIdAsync(id, c.RequestAborted))
            .RequireAuthorization(WebSecurity.SignedIn);
        foreach (var endpoints in engine.GetServices<IWebEndpoints>()) endpoints.Map(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            LogBindFailed(logger, settings.Urls, ex);
            await app.DisposeAsync();
            return;
        }

        _app = app;
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        Addresses = [.. bound.Select(a => new Uri(a))];
        LogListening(logger, string.Join(", ", bound));
    }

    /// <inheritdoc />
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync(cancellationToken);
            await app.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync();
        }
    }

    /// <summary>The web app runs every health check registered with the engine (each resolved from the engine's
    /// services), besides any registered on the web app itself.</summary>
    private void AddEngineHealthChecks(IServiceCollection services)
    {
        var registered = engine.GetService<IOptions<HealthCheckServiceOptions>>()?.Value.Registrations ?? [];
        services.AddHealthChecks();
        services.Configure<HealthCheckServiceOptions>(o =>
        {
            foreach (var check in registered)
            {
                o.Registrations.Add(new HealthCheckRegistration(check.Name, _ => check.Factory(engine), check.FailureStatus, check.Tags, check.Timeout));
            }
        });
    }

    private async Task LogRequestAsync(HttpContext context, RequestDelegate next)
    {
        var uuid = context.Request.Path.StartsWithSegments("/calls", out var rest) && rest.Value is { Length: > 1 } r
            ? r[1..].Split('/')[0] : null;
        using var scope = uuid is null ? null : CallScope(logger, Printable(uuid));
        var started = TimeProvider.System.GetTimestamp();
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            // The server could not read the request (a malformed chunked body, a body over its limit, which it can see
            // before an endpoint's own check does): the client's fault, answered with its status, not a 500.
            context.Response.Clear();
            context.Response.Headers.Connection = "close";
            await ContextApi.Problem(ex.StatusCode, "the request was refused: " + ex.Message).ExecuteAsync(context);
        }
#pragma warning disable CA1031 // A defect in one request answers 500; the engine goes on.
        catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogRequestFailed(logger, context.Request.Method, Printable(context.Request.Path.Value ?? "/"), ex);
            if (!context.Response.HasStarted)
            {
                context.Response.Clear();
                await ContextApi.Problem(StatusCodes.Status500InternalServerError, "the engine failed on this request; it is logged")
                    .ExecuteAsync(context);
            }
        }

        LogRequest(logger, context.Request.Method, Printable(context.Request.Path.Value ?? "/"), context.Response.StatusCode,
            TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>The call's scope, printed as the engine's other call scopes are (<c>CallUuid:...</c>).</summary>
    private static readonly Func<ILogger, string, IDisposable?> CallScope = LoggerMessage.DefineScope<string>("CallUuid:{CallUuid}");

    /// <summary>What of a caller's string may go in a log line.</summary>
    private static string Printable(string text)
    {
        var cut = text.Length > 200 ? text[..200] + "..." : text;
        return string.Concat(cut.Select(c => char.IsControl(c) ? '?' : c));
    }

    [LoggerMessage(EventId = 610, Level = LogLevel.Information, Message = "HTTP listening on {Urls}: the agent desktop signs in at /signin")]
    private static partial void LogListening(ILogger logger, string urls);

    [LoggerMessage(EventId = 611, Level = LogLevel.Error, Message = "HTTP could not listen on {Urls} (Web:Urls); health and the context API are off, calls are still served")]
    private static partial void LogBindFailed(ILogger logger, string urls, Exception exception);

    [LoggerMessage(EventId = 612, Level = LogLevel.Information, Message = "HTTP {Method} {Path} -> {Status} in {Milliseconds:0.0} ms")]
    private static partial void LogRequest(ILogger logger, string method, string path, int status, double milliseconds);

    [LoggerMessage(EventId = 613, Level = LogLevel.Error, Message = "HTTP {Method} {Path} failed")]
    private static partial void LogRequestFailed(ILogger logger, string method, string path, Exception exception);
}
