using IvrEngine.EventSocket;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Hosting;

/// <summary>Keeps the control connection to FreeSWITCH (port 8021) up when it is enabled; it reconnects by itself.</summary>
public sealed class InboundClientService(IOptions<EngineOptions> options, ILoggerFactory loggers, TimeProvider time) : IHostedService, IAsyncDisposable
{
    private EslInboundClient? _client;

    /// <summary>The client, when enabled.</summary>
    public EslInboundClient? Client => _client;

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value.Inbound;
        if (!settings.Enabled) return Task.CompletedTask;
        _client = new EslInboundClient(new EslInboundOptions { Host = settings.Host, Port = settings.Port, Password = settings.Password },
            loggers.CreateLogger<EslInboundClient>(), time);

        // Not awaited: the engine serves calls while FreeSWITCH's control port comes and goes.
        _ = _client.StartAsync(CancellationToken.None).ContinueWith(static _ => { }, CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_client is not null) await _client.DisposeAsync();
        _client = null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_client is not null) await _client.DisposeAsync();
    }
}
