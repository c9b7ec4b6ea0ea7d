using System.Collections.Concurrent;
using System.Threading.Channels;
using IvrEngine.EventSocket;
using IvrEngine.Web;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace IvrEngine.Cluster;

/// <summary>Writes this engine's changes of the call contexts through to <c>call_contexts</c>, off the call's path: the
/// registry only notes which call changed (<see cref="ISharedContexts"/>); a loop of its own writes what the noted
/// contexts hold then, many calls in one transaction, each row with its notice. A call noted again before its write
/// is written once (its latest state), so what waits is bounded by the calls alive (and by
/// <see cref="MaxPending"/>). A failed write is logged (once until one succeeds) and tried again after a pause growing
/// to 5 s; the calls never wait for it. Rows of calls that ended over an hour ago are deleted every few minutes.</summary>
public sealed partial class PostgresContextWriter : BackgroundService, ISharedContexts
{
    /// <summary>The most calls whose write may wait; beyond it a new one is dropped (and logged).</summary>
    public const int MaxPending = 100_000;

    private const int BatchSize = 256;
    private static readonly TimeSpan KeepEnded = TimeSpan.FromHours(1);
    private static readonly TimeSpan CleanEvery = TimeSpan.FromMinutes(5);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _engine;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, CallContextEntry?> _pending = new(StringComparer.Ordinal);
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Broadcaster<Exception> _failures = new();
    private long _written;
    private long _dropped;
    private DateTimeOffset _cleanedAt;

    /// <summary>Creates the writer.</summary>
    /// <param name="dataSource">The shared database.</param>
    /// <param name="engine">This engine's name (Engine:Name): the rows of calls it served, and every notice it sends.</param>
    /// <param name="time">The clock of the pauses and the clean-up.</param>
    /// <param name="logger">Where failures are told.</param>
    public PostgresContextWriter(NpgsqlDataSource dataSource, string engine, TimeProvider time, ILogger<PostgresContextWriter> logger)
    {
        _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _cleanedAt = time.GetUtcNow();
    }

    /// <summary>Rows written (and announced) since the start.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Each failed write, as it fails (it is tried again after a pause).</summary>
    public IObservable<Exception> Failures => _failures;

    /// <summary>Calls whose write waits now.</summary>
    public int Pending => _pending.Count;

    /// <inheritdoc />
    public void Changed(CallContextEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        // A call that ended keeps its end: a late change (an edit racing the hangup) is not written over it.
        if (_pending.TryGetValue(entry.Uuid, out var known) && known is null) return;
        if (!_pending.ContainsKey(entry.Uuid) && _pending.Count >= MaxPending)
        {
            if (Interlocked.Increment(ref _dropped) == 1) LogFull(_logger, MaxPending);
            return;
        }

        _pending[entry.Uuid] = entry;
        _signal.Writer.TryWrite(true);
    }

    /// <inheritdoc />
    public void Ended(string uuid)
    {
        ArgumentException.ThrowIfNullOrEmpty(uuid);
        _pending[uuid] = null;
        _signal.Writer.TryWrite(true);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pause = TimeSpan.FromMilliseconds(250);
        var failing = false;
        try
        {
            while (await _signal.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                _signal.Reader.TryRead(out _);
                while (!_pending.IsEmpty)
                {
                    try
                    {
                        await WriteBatchAsync(stoppingToken).ConfigureAwait(false);
                        if (failing) LogRecovered(_logger);
                        failing = false;
                        pause = TimeSpan.FromMilliseconds(250);
                    }
                    catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
                    {
                        if (!failing) LogWriteFailed(_logger, _pending.Count, ex);
                        failing = true;
                        _failures.OnNext(ex);
                        await Task.Delay(pause, _time, stoppingToken).ConfigureAwait(false);
                        pause = TimeSpan.FromTicks(Math.Min(TimeSpan.TicksPerSecond * 5, pause.Ticks * 2));
                    }
                }

                await CleanAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // What is noted still goes out (one try): the engine stops, the other engines keep the calls.
        try
        {
            while (!_pending.IsEmpty && !cancellationToken.IsCancellationRequested) await WriteBatchAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException or OperationCanceledException)
        {
            LogWriteFailed(_logger, _pending.Count, ex);
        }
    }

    private async Task WriteBatchAsync(CancellationToken cancellationToken)
    {
        // Taken out before the write: a change noted during it is written by the next batch.
        var taken = new List<KeyValuePair<string, CallContextEntry?>>(Math.Min(BatchSize, _pending.Count));
        foreach (var uuid in _pending.Keys)
        {
            if (taken.Count == BatchSize) break;
            if (_pending.TryRemove(uuid, out var entry)) taken.Add(new(uuid, entry));
        }

        if (taken.Count == 0) return;
        List<(CallContextEntry Entry, IEnumerable<string> Names)>? written = null;
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var (uuid, entry) in taken)
            {
                if (entry is null)
                {
                    batch.BatchCommands.Add(CallContextRows.End(uuid, _engine));
                    continue;
                }

                var snapshot = entry.TakeForWrite(_engine);
                (written ??= []).Add((entry, snapshot.Variables.Keys));
                batch.BatchCommands.Add(CallContextRows.Upsert(snapshot, _engine));
            }

            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _written, taken.Count);
        }
        catch
        {
            // Back, unless noted again meanwhile (that is newer), with the variables they carried.
            foreach (var (entry, names) in written ?? []) entry.Unwritten(names);
            foreach (var (uuid, entry) in taken) _pending.TryAdd(uuid, entry);
            throw;
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _failures.OnCompleted();
        base.Dispose();
    }

    private async Task CleanAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (now - _cleanedAt < CleanEvery) return;
        _cleanedAt = now;
        try
        {
            await CallContextRows.DeleteEndedAsync(_dataSource, now - KeepEnded, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
        {
            LogCleanFailed(_logger, ex.Message);
        }
    }

    [LoggerMessage(EventId = 1411, Level = LogLevel.Error, Message = "Cluster: the call contexts could not be written to PostgreSQL ({Pending} calls wait); the other engines do not see them until it works again, tried again in a moment")]
    private static partial void LogWriteFailed(ILogger logger, int pending, Exception exception);

    [LoggerMessage(EventId = 1412, Level = LogLevel.Information, Message = "Cluster: the call contexts are written to PostgreSQL again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(EventId = 1413, Level = LogLevel.Error, Message = "Cluster: {Max} call contexts wait to be written; new ones are not shared with the other engines until PostgreSQL takes them")]
    private static partial void LogFull(ILogger logger, int max);

    [LoggerMessage(EventId = 1414, Level = LogLevel.Warning, Message = "Cluster: the rows of ended calls could not be deleted ({Reason})")]
    private static partial void LogCleanFailed(ILogger logger, string reason);
}
