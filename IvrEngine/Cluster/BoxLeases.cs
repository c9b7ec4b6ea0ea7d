using System.Collections.Concurrent;
using IvrEngine.EventSocket;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IvrEngine.Cluster;

/// <summary>Which FreeSWITCH boxes this engine speaks for. Every engine hears every box's events; what must be done
/// once per box (writing its desk offers to <c>desk_offers</c>, counting the calls of its queues that no engine's IVR
/// served) is done by the engine that holds the box's lease: a PostgreSQL session advisory lock, taken with
/// <c>pg_try_advisory_lock</c> on a connection of its own that this engine keeps open. Boxes are known by their
/// Core-UUID, the header every FreeSWITCH event carries (<see cref="Saw"/>). Each box not held is tried every second;
/// the lock goes with the session, so when the holding engine dies (or its connection does) another one takes the box
/// within about a second. When the connection fails this engine lets go of every box at once and opens a new one.</summary>
public sealed partial class BoxLeases : BackgroundService
{
    /// <summary>The first key of the lock (the second is <c>hashtext(box)</c>): "IVRB" in ASCII.</summary>
    public const int LockClass = 0x49565242;

    private readonly NpgsqlDataSource _dataSource;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _every;
    private readonly ConcurrentDictionary<string, bool> _boxes = new(StringComparer.OrdinalIgnoreCase);
    private readonly Broadcaster<(string Box, bool Held)> _changes = new();
    private volatile int _processId;

    /// <summary>Creates the leases.</summary>
    /// <param name="dataSource">The shared database.</param>
    /// <param name="time">The clock of the rounds.</param>
    /// <param name="logger">Where a lease taken or lost is told.</param>
    /// <param name="every">How often boxes not held are tried (default 1 s).</param>
    public BoxLeases(NpgsqlDataSource dataSource, TimeProvider time, ILogger<BoxLeases> logger, TimeSpan? every = null)
    {
        _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _every = every ?? TimeSpan.FromSeconds(1);
    }

    /// <summary>A lease taken (Held) or lost (not Held), as it happens.</summary>
    public IObservable<(string Box, bool Held)> Changes => _changes;

    /// <summary>The server process of the lease connection (PostgreSQL's pid), 0 while none.</summary>
    public int ProcessId => _processId;

    /// <summary>The box of an event: its <c>Core-UUID</c> (empty when it has none).</summary>
    public static string BoxOf(EslEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.GetHeader("Core-UUID") ?? string.Empty;
    }

    /// <summary>A box was heard from: its lease is tried from the next round on.</summary>
    public void Saw(string box)
    {
        ArgumentNullException.ThrowIfNull(box);
        _boxes.TryAdd(box, false);
    }

    /// <summary>True while this engine holds the box's lease.</summary>
    public bool Holds(string box) => _boxes.TryGetValue(box, out var held) && held;

    /// <summary>Marks the event's box seen, and says whether this engine holds its lease.</summary>
    public bool Holds(EslEvent e)
    {
        var box = BoxOf(e);
        Saw(box);
        return Holds(box);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = await _dataSource.OpenConnectionAsync(stoppingToken).ConfigureAwait(false);
                _processId = connection.ProcessID;
                while (!stoppingToken.IsCancellationRequested)
                {
                    await RoundAsync(connection, stoppingToken).ConfigureAwait(false);
                    await Task.Delay(_every, _time, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException or ObjectDisposedException)
            {
                LogConnectionFailed(_logger, ex.Message);
            }
            finally
            {
                _processId = 0;
                LoseAll();
                if (connection is not null) await ReleaseAsync(connection).ConfigureAwait(false);
            }

            try
            {
                await Task.Delay(_every, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task RoundAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        // Asked even when every box is held: a dead session is noticed here, and the leases let go, within a round.
        await using var alive = new NpgsqlCommand("SELECT 1", connection);
        await alive.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (box, held) in _boxes)
        {
            if (held) continue;
            await using var take = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, hashtext($2))", connection);
            take.Parameters.Add(new NpgsqlParameter { Value = LockClass });
            take.Parameters.Add(new NpgsqlParameter { Value = box });
            if (await take.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true) continue;
            _boxes[box] = true;
            LogTaken(_logger, box);
            _changes.OnNext((box, true));
        }
    }

    private void LoseAll()
    {
        foreach (var (box, held) in _boxes)
        {
            if (!held) continue;
            _boxes[box] = false;
            LogLost(_logger, box);
            _changes.OnNext((box, false));
        }
    }

    private static async Task ReleaseAsync(NpgsqlConnection connection)
    {
        // A pooled connection must not go back to the pool holding locks; a broken one is dropped by the pool anyway.
        try
        {
            if (connection.FullState == System.Data.ConnectionState.Open)
            {
                await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", connection);
                await release.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
        {
        }

        await connection.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _changes.OnCompleted();
        base.Dispose();
    }

    [LoggerMessage(EventId = 1431, Level = LogLevel.Information, Message = "Cluster: this engine now speaks for FreeSWITCH {Box} (its desk offers and queue-only calls)")]
    private static partial void LogTaken(ILogger logger, string box);

    [LoggerMessage(EventId = 1432, Level = LogLevel.Warning, Message = "Cluster: this engine no longer speaks for FreeSWITCH {Box}; another engine takes it over")]
    private static partial void LogLost(ILogger logger, string box);

    [LoggerMessage(EventId = 1433, Level = LogLevel.Warning, Message = "Cluster: the connection holding the FreeSWITCH leases failed ({Reason}); opening another")]
    private static partial void LogConnectionFailed(ILogger logger, string reason);
}
