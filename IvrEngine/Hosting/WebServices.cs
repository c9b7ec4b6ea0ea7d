using System.Reactive.Linq;
using System.Diagnostics.Metrics;
using IvrEngine.Calls;
using IvrEngine.EventSocket;
using IvrEngine.Ivr;
using IvrEngine.Profiles;
using IvrEngine.Web;
using IvrEngine.Web.Desk;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Hosting;

/// <summary>Wires the HTTP listener: health, the call-context registry and API, hangups from the inbound connection.</summary>
public static class WebServices
{
    /// <summary>Adds the web layer (<c>Web:*</c> settings).</summary>
    public static IServiceCollection AddWeb(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebOptions>().Bind(configuration.GetSection(WebOptions.Section))
            .Validate(o => !o.Enabled || !string.IsNullOrWhiteSpace(o.Urls), "Web:Urls is empty")
            .Validate(o => o.ContextTtlMinutes is > 0 and <= 7 * 24 * 60, "Web:ContextTtlMinutes must be 1 to 10080")
            .Validate(o => o.UnobservedContextTtlMinutes is > 0 and <= 7 * 24 * 60, "Web:UnobservedContextTtlMinutes must be 1 to 10080")
            .Validate(o => o.MaxContexts is >= 100 and <= 1_000_000, "Web:MaxContexts must be 100 to 1000000")
            .Validate(o => o.MaxContextMegabytes is >= 1 and <= 4096, "Web:MaxContextMegabytes must be 1 to 4096")
            .Validate(o => o.CardNotes is >= 1 and <= 1000, "Web:CardNotes must be 1 to 1000")
            .Validate(o => o.CardNoteChars is >= 100 and <= CardApi.MaxNoteChars, $"Web:CardNoteChars must be 100 to {CardApi.MaxNoteChars}")
            .Validate(o => o.SessionMinutes is > 0 and <= 24 * 60, "Web:SessionMinutes must be 1 to 1440")
            .Validate(o => o.SignInPermitsPerMinute is > 0 and <= 10_000, "Web:SignInPermitsPerMinute must be 1 to 10000")
            .Validate(o => !string.IsNullOrWhiteSpace(o.AllowedHosts), "Web:AllowedHosts is empty (use * to allow any host)")
            .Validate(o => o.MaxPhotoBytes is >= 1024 and <= LiteDbClientStore.MaxPhotoBytes, "Web:MaxPhotoBytes must be 1 KB to 10 MB")
            .Validate(o => o.MaxConnections is > 0 and <= 1_000_000, "Web:MaxConnections must be 1 to 1000000")
            .Validate(o => o.MaxUpgradedConnections is >= 0 and <= 1_000_000, "Web:MaxUpgradedConnections must be 0 to 1000000")
            .Validate(o => o.KeepAliveTimeoutSeconds is > 0 and <= 3600, "Web:KeepAliveTimeoutSeconds must be 1 to 3600")
            .Validate(o => o.RequestHeadersTimeoutSeconds is > 0 and <= 600, "Web:RequestHeadersTimeoutSeconds must be 1 to 600")
            .ValidateOnStart();
        // A malformed address stops the start (exit 2) like every wrong setting; an address that cannot be bound
        // (a port in use) is logged and the engine serves calls without HTTP.
        services.AddSingleton<IValidateOptions<WebOptions>, WebUrlsValidator>();
        services.AddSingleton(sp => new CallContextRegistry(sp.GetRequiredService<TimeProvider>(),
            ContextLimits(sp.GetRequiredService<IOptions<WebOptions>>().Value),
            sp.GetRequiredService<InboundClientService>().Boxes.HearsHangupsOf,
            sp.GetRequiredService<ILogger<CallContextRegistry>>(), sp.GetService<IMeterFactory>(), sp.GetService<ISharedContexts>()));
        services.AddSingleton<ICallContextSink>(sp => sp.GetRequiredService<CallContextRegistry>());
        services.AddSingleton(sp => new ContextApi(sp.GetRequiredService<CallContextRegistry>(), sp.GetRequiredService<IClientStore>(),
            sp.GetRequiredService<PhoneNormalizer>(), sp.GetRequiredService<InboundClientService>().Boxes,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ContextApi>>(), sp.GetRequiredService<IOptions<WebOptions>>().Value));
        services.AddDesk();
        services.AddSingleton(sp => new CardApi(sp.GetRequiredService<CallContextRegistry>(), sp.GetRequiredService<IClientStore>(),
            sp.GetRequiredService<IDeskStore>(), sp.GetRequiredService<DeskService>(), sp.GetRequiredService<PhoneNormalizer>(),
            sp.GetRequiredService<InboundClientService>().Boxes, sp.GetRequiredService<IOptions<WebOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CardApi>>(), sp.GetService<Statistics.StatisticsCollector>()));
        services.AddSingleton(sp => new DeskApi(sp.GetRequiredService<DeskService>(), sp.GetRequiredService<DeskCommands>(),
            sp.GetRequiredService<CallContextRegistry>(), sp.GetRequiredService<CallRegistry>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new AdminApi(sp.GetRequiredService<UserAccounts>(), sp.GetRequiredService<IDeskStore>(),
            sp.GetRequiredService<IClientStore>(), sp.GetRequiredService<ClientLookup>(), sp.GetRequiredService<DeskService>(),
            sp.GetRequiredService<CallContextRegistry>(), sp.GetRequiredService<IOptions<WebOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new DialerApi(sp.GetRequiredService<IClientStore>(), sp.GetRequiredService<PhoneNormalizer>(),
            () => FlowNames(sp), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DialerApi>>()));
        services.AddSingleton(sp => new StatisticsApi(sp.GetRequiredService<Statistics.IStatisticsStore>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IClientStore>() as IDialerStore));
        services.AddSingleton(sp => new WebEndpointService(sp.GetRequiredService<IOptions<WebOptions>>(), sp,
            sp.GetRequiredService<CallRegistry>(), () => FlowsVersion(sp), sp.GetRequiredService<ILogger<WebEndpointService>>()));
        services.AddHostedService(sp => sp.GetRequiredService<WebEndpointService>());
        services.AddHealthChecks().AddCheck<EngineLifecycleHealthCheck>(HealthReportWriter.EngineCheck);
        services.AddHostedService(sp => new HangupWatcher(sp.GetRequiredService<InboundClientService>(), sp.GetRequiredService<CallContextRegistry>()));
        return services;
    }

    private static CallContextLimits ContextLimits(WebOptions options) => new()
    {
        TimeToLive = TimeSpan.FromMinutes(options.ContextTtlMinutes),
        UnobservedTimeToLive = TimeSpan.FromMinutes(options.UnobservedContextTtlMinutes),
        MaxContexts = options.MaxContexts,
        MaxBytes = options.MaxContextMegabytes * 1024L * 1024,
    };

    /// <summary>The names of the flows serving calls; null before they are loaded (a campaign's flow is not checked then).</summary>
    private static IReadOnlyCollection<string>? FlowNames(IServiceProvider services)
    {
        var catalog = services.GetService<FlowCatalog>();
        return catalog is { Generation: > 0 } ? [.. catalog.Current.Flows.Select(f => f.Name)] : null;
    }

    private static int? FlowsVersion(IServiceProvider services)
    {
        try
        {
            return services.GetRequiredService<FlowCatalog>().Version.Generation;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Forgets a call's context when its FreeSWITCH box reports its hangup over the inbound connections (a
    /// call's Unique-ID is unique across boxes).</summary>
    private sealed class HangupWatcher(InboundClientService inbound, CallContextRegistry contexts) : IHostedService, IDisposable
    {
        private IDisposable? _subscription;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            var boxes = inbound.Boxes;
            if (boxes.All.Count == 0) return Task.CompletedTask;
            _subscription = boxes.Events.Select(e => e.Event).Hangups().Subscribe(h => { if (h.Complete) contexts.Remove(h.UniqueId); });
            // Subscriptions are sent again after every reconnect; not awaited: a box may be down at start.
            _ = boxes.SubscribeAsync(["CHANNEL_HANGUP_COMPLETE"], static (_, _) => { }, CancellationToken.None);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            Dispose();
            return Task.CompletedTask;
        }

        public void Dispose()
        {
            _subscription?.Dispose();
            _subscription = null;
        }
    }
}

/// <summary>Checks <c>Web:Urls</c> the way Kestrel reads it: each address a <c>http://</c> or <c>https://</c> URL with
/// a host and a port and no path.</summary>
internal sealed class WebUrlsValidator : IValidateOptions<WebOptions>
{
    public ValidateOptionsResult Validate(string? name, WebOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled || string.IsNullOrWhiteSpace(options.Urls)) return ValidateOptionsResult.Skip;
        var failures = new List<string>();
        foreach (var url in options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                failures.Add($"Web:Urls \"{url}\" is not an address to listen on; give one such as http://127.0.0.1:8080 (several separated by ';').");
                continue;
            }

            if (address.Scheme is not ("http" or "https") || address.IsUnixPipe || address.IsNamedPipe || string.IsNullOrEmpty(address.Host))
            {
                failures.Add($"Web:Urls \"{url}\" is not an http:// or https:// address with a host (e.g. http://127.0.0.1:8080).");
            }
            else if (address.PathBase.Length > 0)
            {
                failures.Add($"Web:Urls \"{url}\" has a path ({address.PathBase}); give the address alone (e.g. http://127.0.0.1:8080).");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
