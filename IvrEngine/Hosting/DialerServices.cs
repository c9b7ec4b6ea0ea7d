using System.Collections.Concurrent;
using System.Reactive.Linq;
using IvrEngine.Dialer;
using IvrEngine.EventSocket;
using IvrEngine.Profiles;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Hosting;

/// <summary>The dialer's settings (section <c>Dialer</c>).</summary>
public sealed class DialerOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Dialer";

    /// <summary>Run the campaigns marked running (needs the inbound connection).</summary>
    public bool Enabled { get; set; }

    /// <summary>Where FreeSWITCH connects an answered call (<c>&amp;socket(...)</c>, host:port); default: the engine's own
    /// listener as bound (127.0.0.1 for an address that listens everywhere). Set it when FreeSWITCH runs on another
    /// host.</summary>
    public string? SocketAddress { get; set; }

    /// <summary>How often the dialer looks for campaigns to run, in seconds.</summary>
    public int ScanSeconds { get; set; } = 2;
}

/// <summary>Registers the dialer.</summary>
public static class DialerServices
{
    /// <summary>Adds the dialer (it runs only with <c>Dialer:Enabled</c>).</summary>
    public static IServiceCollection AddDialer(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DialerOptions>().Bind(configuration.GetSection(DialerOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DialerOptions>, DialerOptionsValidator>();
        services.TryAddSingleton<IOriginator>(sp => new BoxOriginator(sp.GetRequiredService<InboundClientService>().Boxes));
        services.AddHostedService<DialerService>();
        return services;
    }
}

/// <summary>Checks the dialer's settings at start: a wrong one stops the start with a plain message.</summary>
internal sealed partial class DialerOptionsValidator(IOptions<EngineOptions> engine) : IValidateOptions<DialerOptions>
{
    public ValidateOptionsResult Validate(string? name, DialerOptions options)
    {
        var problems = new List<string>();
        if (options.Enabled && !engine.Value.Inbound.Enabled)
        {
            problems.Add("Dialer:Enabled needs Engine:Inbound:Enabled: the dialer originates its calls over the inbound connection.");
        }

        if (options.SocketAddress is { } address && !SocketAddress().IsMatch(address))
        {
            problems.Add($"Dialer:SocketAddress '{address}' is not host:port (where FreeSWITCH reaches the engine's listener, e.g. 10.0.0.5:8084).");
        }

        if (options.ScanSeconds is < 1 or > 60) problems.Add($"Dialer:ScanSeconds {options.ScanSeconds} is not 1 to 60.");
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[0-9A-Za-z.\-]+:[0-9]{1,5}\z", System.Text.RegularExpressions.RegexOptions.CultureInvariant)]
    private static partial System.Text.RegularExpressions.Regex SocketAddress();
}

/// <summary>Originates through the engine's inbound connections, one connected box after another, and hears the
/// calls' hangups, and the agents mod_callcenter bridges them to, on all of them (subscribed once, for as long as the
/// engine runs).</summary>
internal sealed class BoxOriginator : IOriginator, IDisposable
{
    /// <summary>The events it hears. CUSTOM comes last: mod_event_socket reads every word after it as a subclass.</summary>
    private static readonly string[] Heard = ["CHANNEL_HANGUP_COMPLETE", "CUSTOM", "callcenter::info"];

    private readonly FreeSwitchBoxes _boxes;
    private readonly ConcurrentDictionary<string, Watched> _calls = new(StringComparer.Ordinal);
    private readonly IDisposable _events;
    private int _next;

    public BoxOriginator(FreeSwitchBoxes boxes)
    {
        _boxes = boxes;
        _events = boxes.Events.Select(e => e.Event).Subscribe(OnEvent);

        // Sent again after every reconnect; not awaited: a box may be down at start.
        _ = boxes.SubscribeAsync(Heard, static (_, _) => { }, CancellationToken.None);
    }

    public bool Ready => _boxes.All.Any(b => b.IsConnected);

    public async Task<string> OriginateAsync(string uuid, string arguments, CancellationToken cancellationToken)
    {
        var connected = _boxes.All.Where(b => b.IsConnected).ToArray();
        if (connected.Length == 0) throw new InvalidOperationException("No FreeSWITCH box is connected.");
        var box = connected[(int)((uint)Interlocked.Increment(ref _next) % (uint)connected.Length)];
        _calls[uuid] = new Watched();
        try
        {
            var body = (await box.Client.BackgroundApiAsync("originate " + arguments, cancellationToken)).Body;
            if (!body.StartsWith("+OK", StringComparison.Ordinal)) _calls.TryRemove(uuid, out _);
            return body;
        }
        catch
        {
            _calls.TryRemove(uuid, out _);
            throw;
        }
    }

    public async Task<int> AvailableAgentsAsync(string queue, CancellationToken cancellationToken)
    {
        var available = 0;
        foreach (var box in _boxes.All.Where(b => b.IsConnected))
        {
            var reply = await box.Client.ApiAsync($"callcenter_config queue list agents {queue}", cancellationToken);
            available += Web.Desk.DeskCommands.ParseAgentList(reply.Body)?
                .Count(a => a.Status is { } status && status.StartsWith("Available", StringComparison.Ordinal) && a.State == "Waiting") ?? 0;
        }

        return available;
    }

    public async Task<string?> WhenEndedAsync(string uuid, CancellationToken cancellationToken)
    {
        if (!_calls.TryGetValue(uuid, out var call)) return null;
        try
        {
            return await call.Ended.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _calls.TryRemove(uuid, out _);
        }
    }

    public void Dispose() => _events.Dispose();

    /// <summary>A call's hangup ends its wait; a queue's bridge-agent-start names the agent who took it (the caller is
    /// the queue's member: CC-Member-Session-UUID is the call's uuid). One connection's events come in order: the
    /// bridge before the hangup.</summary>
    private void OnEvent(EslEvent e)
    {
        if (e.EventName == "CHANNEL_HANGUP_COMPLETE")
        {
            if (e.UniqueId is { Length: > 0 } uuid && _calls.TryGetValue(uuid, out var ended)) ended.Ended.TrySetResult(ended.Agent);
        }
        else if (e.EventName == "CUSTOM" && e.EventSubclass == "callcenter::info" && e.GetHeader("CC-Action") == Statistics.QueueActions.BridgeAgentStart
            && e.GetHeader("CC-Member-Session-UUID") is { Length: > 0 } member && _calls.TryGetValue(member, out var bridged)
            && e.GetHeader("CC-Agent") is { Length: > 0 } agent)
        {
            bridged.Agent = agent;
        }
    }

    /// <summary>A call originated here, until its end is taken.</summary>
    private sealed class Watched
    {
        public TaskCompletionSource<string?> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The agent who last took the call, as the queue's events said.</summary>
        public string? Agent
        {
            get => Volatile.Read(ref _agent);
            set => Volatile.Write(ref _agent, value);
        }

        private string? _agent;
    }
}

/// <summary>Runs a <see cref="CampaignRunner"/> for every running campaign, and at start marks the attempts this engine
/// had in progress when it last stopped as unknown (never dialed again: they may have been answered).</summary>
internal sealed partial class DialerService(
    IOptions<DialerOptions> options,
    IOptions<EngineOptions> engine,
    IClientStore clients,
    IOriginator originator,
    InboundClientService inbound,
    OutboundCallService listener,
    TimeProvider time,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<DialerService>();
    private readonly Dictionary<string, Task> _runners = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled) return;
        if (clients is not IDialerStore store || inbound.Boxes.All.Count == 0)
        {
            LogCannotDial(_logger);
            return;
        }

        var name = engine.Value.NameOrDefault;
        foreach (var contact in await store.DialingAsync(name, stoppingToken))
        {
            await store.RecordAttemptAsync(contact.Id, contact.CallUuid ?? string.Empty, AttemptOutcomes.Unknown, null, ContactStatus.Unknown, null, stoppingToken);
            LogUnknown(_logger, contact.CampaignId, contact.Id);
        }

        // The listener has started (it is registered before the dialer): its port is the one bound (Engine:ListenPort=0 picks one).
        var socket = options.Value.SocketAddress
            ?? $"{(listener.LocalEndPoint.Address.Equals(System.Net.IPAddress.Any) || listener.LocalEndPoint.Address.Equals(System.Net.IPAddress.IPv6Any) ? "127.0.0.1" : listener.LocalEndPoint.Address.ToString())}:{listener.LocalEndPoint.Port}";
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var campaign in await store.ListCampaignsAsync(stoppingToken))
                {
                    if (campaign.State != OutboundCampaignState.Running) continue;
                    if (_runners.TryGetValue(campaign.Id, out var running) && !running.IsCompleted) continue;
                    var runner = new CampaignRunner(campaign.Id, name, socket, store, originator, time, loggers.CreateLogger<CampaignRunner>()) { History = clients };
                    _runners[campaign.Id] = runner.RunAsync(stoppingToken);
                    LogStarted(_logger, campaign.Id);
                }

                await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, options.Value.ScanSeconds)), time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the runners finish their attempts' outcomes below.
        }

        await Task.WhenAll(_runners.Values);
    }

    [LoggerMessage(EventId = 1510, Level = LogLevel.Warning, Message = "Dialer:Enabled is on but the dialer cannot run: it needs the inbound connection (Engine:Inbound) and a store that keeps campaigns")]
    private static partial void LogCannotDial(ILogger logger);

    [LoggerMessage(EventId = 1511, Level = LogLevel.Warning, Message = "Campaign {Campaign}: contact {Contact} had an attempt in progress when the engine stopped; its outcome is unknown and it will not be called again")]
    private static partial void LogUnknown(ILogger logger, string campaign, Guid contact);

    [LoggerMessage(EventId = 1512, Level = LogLevel.Information, Message = "Campaign {Campaign}: dialing")]
    private static partial void LogStarted(ILogger logger, string campaign);
}
