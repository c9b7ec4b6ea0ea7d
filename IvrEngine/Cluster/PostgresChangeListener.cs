using IvrEngine.EventSocket;
using IvrEngine.Profiles;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IvrEngine.Cluster;

/// <summary>Hears what the other engines (and this one) wrote to the shared PostgreSQL: one dedicated connection that
/// LISTENs on <see cref="StoreChange.Channel"/> and waits for notices (<see cref="NpgsqlConnection.WaitAsync(CancellationToken)"/>).
/// A dropped connection is opened again after a growing pause (0.5 s doubling to 5 s); notices sent meanwhile are lost,
/// so after every LISTEN that took (the first one too) it tells a <see cref="StoreChangeKinds.Resync"/> change: whoever
/// keeps a copy of the shared state reads it again. Observers are called on the listener's loop: they must be quick
/// (queue the work).</summary>
public sealed partial class PostgresChangeListener : BackgroundService, IObservable<StoreChange>
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(5);

    // Without traffic a dead peer (a server gone without a FIN) would go unseen: after this long without a notice the
    // connection is asked a question.
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(15);

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _engine;
    private readonly Broadcaster<StoreChange> _changes;
    private volatile int _processId;
    private long _notices;

    /// <summary>Creates the listener (started by the host, or by <see cref="BackgroundService.StartAsync"/>).</summary>
    /// <param name="dataSource">The shared database.</param>
    /// <param name="engine">This engine's name (Engine:Name), on its <see cref="StoreChangeKinds.Resync"/> changes.</param>
    /// <param name="time">The clock of the pauses between attempts.</param>
    /// <param name="logger">Where a dropped connection is told.</param>
    public PostgresChangeListener(NpgsqlDataSource dataSource, string engine, TimeProvider time, ILogger<PostgresChangeListener> logger)
    {
        _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _changes = new Broadcaster<StoreChange>(ex => LogObserverFailed(_logger, ex));
    }

    /// <summary>The server process of the listening connection (PostgreSQL's pid), 0 while not connected.</summary>
    public int ProcessId => _processId;

    /// <summary>Notices heard since the start.</summary>
    public long Notices => Interlocked.Read(ref _notices);

    /// <inheritdoc />
    public IDisposable Subscribe(IObserver<StoreChange> observer) => _changes.Subscribe(observer);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pause = FirstPause;
        var dropped = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {StoreChange.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                }

                _processId = connection.ProcessID;
                if (dropped) LogReconnected(_logger);
                pause = FirstPause;
                _changes.OnNext(new StoreChange(StoreChangeKinds.Resync, _engine, string.Empty));
                while (!stoppingToken.IsCancellationRequested)
                {
                    if (await connection.WaitAsync(Idle, stoppingToken).ConfigureAwait(false)) continue;
                    await using var ping = new NpgsqlCommand("SELECT 1", connection);
                    await ping.ExecuteScalarAsync(stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException or ObjectDisposedException)
            {
                _processId = 0;
                if (!dropped) LogDropped(_logger, ex.Message, pause);
                dropped = true;
            }

            _processId = 0;
            try
            {
                await Task.Delay(pause, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            pause = TimeSpan.FromTicks(Math.Min(LongestPause.Ticks, pause.Ticks * 2));
        }

        _processId = 0;
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _changes.OnCompleted();
        base.Dispose();
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel != StoreChange.Channel || StoreChange.Parse(e.Payload) is not { } change) return;
        Interlocked.Increment(ref _notices);
        _changes.OnNext(change);
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Cluster: the connection that hears the other engines' changes dropped ({Reason}); trying again every {Pause} or more, then everything shared is read again")]
    private static partial void LogDropped(ILogger logger, string reason, TimeSpan pause);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Cluster: hearing the other engines' changes again; reading the shared state anew")]
    private static partial void LogReconnected(ILogger logger);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Cluster: an observer of the engines' changes failed and was dropped")]
    private static partial void LogObserverFailed(ILogger logger, Exception exception);
}
