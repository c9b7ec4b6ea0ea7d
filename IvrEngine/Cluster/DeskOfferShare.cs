using System.Collections.Concurrent;
using System.Threading.Channels;
using IvrEngine.EventSocket;
using IvrEngine.Profiles;
using IvrEngine.Web;
using IvrEngine.Web.Desk;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IvrEngine.Cluster;

/// <summary>Shares the desks' offers through <c>desk_offers</c>. Every engine hears every box, so every engine's desk
/// follows every offer by itself; the table is for what an engine could not hear: offers made before it started, or
/// while it was cut off. The engine holding a box's lease (<see cref="BoxLeases"/>) writes the offers of that box's
/// calls, off the event path (a loop of its own, each row with an <see cref="StoreChangeKinds.Offer"/> notice); at
/// start and after every resync an engine reads the offers of the last 12 hours that are still on a desk and puts those
/// its desk lacks on it.</summary>
public sealed partial class DeskOfferShare : BackgroundService
{
    private const int MaxCalls = 100_000;

    private const string UpsertSql = $"""
        WITH w AS (
          INSERT INTO desk_offers AS o (call_uuid, agent, state, queue, how, offered_at, answered_at, ended_at, queued_at, box, updated_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now())
          ON CONFLICT (call_uuid, agent) DO UPDATE SET state = excluded.state, queue = excluded.queue, how = excluded.how,
            offered_at = excluded.offered_at, answered_at = excluded.answered_at, ended_at = excluded.ended_at,
            queued_at = excluded.queued_at, box = excluded.box, updated_at = now()
          RETURNING o.call_uuid)
        SELECT pg_notify('{StoreChange.Channel}', $11 || w.call_uuid) FROM w
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly DeskService _desk;
    private readonly BoxLeases _leases;
    private readonly IObservable<StoreChange> _notices;
    private readonly string _engine;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, string> _boxOfCall = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<(string Call, string Agent), byte> _pending = new();
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<bool> _reload = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Broadcaster<int> _reloads = new();
    private IDisposable? _deskSubscription;
    private IDisposable? _noticeSubscription;
    private long _written;
    private long _restored;

    /// <summary>Creates the share.</summary>
    public DeskOfferShare(NpgsqlDataSource dataSource, DeskService desk, BoxLeases leases, IObservable<StoreChange> notices, string engine, TimeProvider time,
        ILogger<DeskOfferShare> logger)
    {
        _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        _desk = desk ?? throw new ArgumentNullException(nameof(desk));
        _leases = leases ?? throw new ArgumentNullException(nameof(leases));
        _notices = notices ?? throw new ArgumentNullException(nameof(notices));
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Offer rows written since the start.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>After each reading of the table (at start and after every resync): how many offers it put on the desk.</summary>
    public IObservable<int> Reloads => _reloads;

    /// <summary>Offers put on this desk from the table since the start.</summary>
    public long Restored => Interlocked.Read(ref _restored);

    /// <summary>An event the desk is fed: remembers which box the call is on (the caller's channel of a queue event, the
    /// caller's leg of the direct route) and makes the box known to the leases. Call it before the desk applies it.</summary>
    public void Heard(EslEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var box = BoxLeases.BoxOf(e);
        _leases.Saw(box);
        var call = e.EventName == "CUSTOM" ? e.GetHeader("CC-Member-Session-UUID")
            : e.GetHeader("Other-Leg-Unique-ID") ?? e.UniqueId;
        if (call is null) return;
        if (_boxOfCall.Count >= MaxCalls) _boxOfCall.Clear();
        _boxOfCall[call] = box;
    }

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _deskSubscription = _desk.Changes.Subscribe(OnDeskChange);
        _noticeSubscription = _notices.Subscribe(n => { if (n.Kind == StoreChangeKinds.Resync) _reload.Writer.TryWrite(true); });
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _deskSubscription?.Dispose();
        _noticeSubscription?.Dispose();
        return base.StopAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _deskSubscription?.Dispose();
        _noticeSubscription?.Dispose();
        _reloads.OnCompleted();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reloading = Task.Run(() => ReloadLoopAsync(stoppingToken), CancellationToken.None);
        try
        {
            while (await _signal.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                _signal.Reader.TryRead(out _);
                while (!_pending.IsEmpty)
                {
                    try
                    {
                        await WriteAsync(stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
                    {
                        LogWriteFailed(_logger, ex.Message);
                        await Task.Delay(TimeSpan.FromSeconds(1), _time, stoppingToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await reloading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private void OnDeskChange(DeskChange change)
    {
        if (change.CallUuid is not { } call || !_boxOfCall.TryGetValue(call, out var box) || !_leases.Holds(box)) return;
        if (change.Agent is { } agent) _pending.TryAdd((call, agent), 0);
        if (change.PreviousAgent is { } previous) _pending.TryAdd((call, previous), 0);
        _signal.Writer.TryWrite(true);
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        var taken = new List<(string Call, string Agent)>();
        foreach (var key in _pending.Keys)
        {
            if (taken.Count == 256) break;
            if (_pending.TryRemove(key, out _)) taken.Add(key);
        }

        if (taken.Count == 0) return;
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection);
            foreach (var (call, agent) in taken)
            {
                // What the desk shows when the row is written; an offer no longer there is written as gone.
                var now = _desk.Find(call, agent);
                var command = new NpgsqlBatchCommand(UpsertSql);
                command.Parameters.Add(new NpgsqlParameter { Value = call });
                command.Parameters.Add(new NpgsqlParameter { Value = agent });
                command.Parameters.Add(new NpgsqlParameter { Value = now is null ? "gone" : DeskApi.StateName(now.State) });
                command.Parameters.Add(Text(now?.Queue));
                command.Parameters.Add(new NpgsqlParameter { Value = now?.How ?? "queue" });
                command.Parameters.Add(new NpgsqlParameter { Value = (now?.OfferedAt ?? _time.GetUtcNow()).ToUniversalTime() });
                command.Parameters.Add(Time(now?.AnsweredAt));
                command.Parameters.Add(Time(now is null ? _time.GetUtcNow() : now.EndedAt));
                command.Parameters.Add(Time(now?.QueuedAt));
                command.Parameters.Add(Text(_boxOfCall.GetValueOrDefault(call)));
                command.Parameters.Add(new NpgsqlParameter { Value = new StoreChange(StoreChangeKinds.Offer, _engine, string.Empty).Format() });
                batch.BatchCommands.Add(command);
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _written, taken.Count);
        }
        catch
        {
            foreach (var key in taken) _pending.TryAdd(key, 0);
            throw;
        }
    }

    private async Task ReloadLoopAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in _reload.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        _reloads.OnNext(await ReloadAsync(stoppingToken).ConfigureAwait(false));
                        break;
                    }
                    catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
                    {
                        if (attempt == 0) LogReadFailed(_logger, ex.Message);
                        await Task.Delay(TimeSpan.FromSeconds(1), _time, stoppingToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Puts on the desk the offers of the last 12 hours still on a desk that it lacks.</summary>
    public async Task<int> ReloadAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT call_uuid, agent, state, queue, how, offered_at, answered_at, ended_at, queued_at
            FROM desk_offers WHERE state <> 'gone' AND updated_at > now() - interval '12 hours'
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var restored = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var state = reader.GetString(2) switch { "ringing" => DeskCallState.Ringing, "on-call" => DeskCallState.OnCall, _ => DeskCallState.WrapUp };
            var call = new DeskCall(reader.GetString(0), reader.GetString(1), state, reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(5), At(reader, 6), At(reader, 7), At(reader, 8), reader.GetString(4));
            if (_desk.Restore(call)) restored++;
        }

        Interlocked.Add(ref _restored, restored);
        return restored;
    }

    private static DateTimeOffset? At(NpgsqlDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetFieldValue<DateTimeOffset>(column);

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text };

    private static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { Value = value is { } v ? v.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz };

    [LoggerMessage(EventId = 1441, Level = LogLevel.Warning, Message = "Cluster: the desk offers could not be written ({Reason}); trying again")]
    private static partial void LogWriteFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1442, Level = LogLevel.Warning, Message = "Cluster: the desk offers could not be read ({Reason}); trying again")]
    private static partial void LogReadFailed(ILogger logger, string reason);
}
