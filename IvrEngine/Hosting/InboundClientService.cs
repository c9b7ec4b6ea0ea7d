using IvrEngine.EventSocket;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Hosting;

/// <summary>Keeps the control connections to the FreeSWITCH boxes (port 8021) up when they are enabled: one client per
/// box of <c>Engine:Inbound:Boxes</c> (or the one box of <c>Engine:Inbound:Host/Port</c>), each reconnecting by
/// itself.</summary>
public sealed class InboundClientService : IHostedService, IAsyncDisposable
{
    /// <summary>Creates the clients (none when the inbound connection is off); they connect once started.</summary>
    public InboundClientService(IOptions<EngineOptions> options, ILoggerFactory loggers, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value.Inbound;
        Boxes = settings.Enabled
            ? new FreeSwitchBoxes(settings.EffectiveBoxes().Select(b => (b.Name!, new EslInboundOptions { Host = b.Host, Port = b.Port, Password = b.Password ?? string.Empty })),
                loggers, time)
            : FreeSwitchBoxes.None;
    }

    /// <summary>Every box (none when the inbound connection is off).</summary>
    public FreeSwitchBoxes Boxes { get; }

    /// <summary>The first box's client, when enabled: what a one-box setup (and its tests) talks to. Route a call's
    /// commands with <see cref="ClientFor"/> or <see cref="FreeSwitchBoxes.FindCallAsync"/>.</summary>
    public EslInboundClient? Client => Boxes.First?.Client;

    /// <summary>The connection to the box that reported <paramref name="coreUuid"/> (a call's connect data names its
    /// box so); null when no box did.</summary>
    public EslInboundClient? ClientFor(string? coreUuid) => Boxes.ByCoreUuid(coreUuid)?.Client;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        Boxes.Start();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken) => await Boxes.DisposeAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await Boxes.DisposeAsync();
}
