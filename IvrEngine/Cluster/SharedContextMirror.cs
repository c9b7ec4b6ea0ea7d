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

/// <summary>Keeps this engine's <see cref="CallContextRegistry"/> a mirror of <c>call_contexts</c>: a context another
/// engine wrote (<see cref="StoreChangeKinds.Context"/>) is read and opened or updated here, a call another engine saw
/// end (<see cref="StoreChangeKinds.CallEnded"/>) is forgotten, and after every (re)connect of the listener
/// (<see cref="StoreChangeKinds.Resync"/>) the live rows are read again (and the contexts of other engines no longer
/// there forgotten). Each change of a call's context, and each change of a client card (<see cref="StoreChangeKinds.Client"/>)
/// on a call, wakes the streams of the agents whose desks hold the call (<see cref="DeskService.Touch"/>), so an edit
/// made through any engine reaches them at once. Notices are queued by the listener and worked on here, many at once.
/// It also remembers which calls another engine's IVR served (<see cref="ServedElsewhere"/>), for the statistics.</summary>
public sealed partial class SharedContextMirror : BackgroundService
{
    private const int MaxRemembered = 200_000;
    private static readonly TimeSpan RememberFor = TimeSpan.FromHours(12);

    private readonly NpgsqlDataSource _dataSource;
    private readonly IObservable<StoreChange> _changes;
    private readonly CallContextRegistry _contexts;
    private readonly DeskService? _desk;
    private readonly string _engine;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<StoreChange> _queue = Channel.CreateBounded<StoreChange>(new BoundedChannelOptions(100_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropOldest,
    });
    private readonly ConcurrentDictionary<string, DateTimeOffset> _servedElsewhere = new(StringComparer.OrdinalIgnoreCase);
    private readonly Broadcaster<StoreChange> _applied;
    private IDisposable? _subscription;
    private volatile bool _overflowed;

    /// <summary>Creates the mirror.</summary>
    /// <param name="dataSource">The shared database.</param>
    /// <param name="changes">The notices (<see cref="PostgresChangeListener"/>).</param>
    /// <param name="contexts">This engine's contexts.</param>
    /// <param name="desk">The desk whose agents are told; null: none.</param>
    /// <param name="engine">This engine's name (Engine:Name).</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where failures are told.</param>
    public SharedContextMirror(NpgsqlDataSource dataSource, IObservable<StoreChange> changes, CallContextRegistry contexts, DeskService? desk, string engine,
        TimeProvider time, ILogger<SharedContextMirror> logger)
    {
        _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
        _changes = changes ?? throw new ArgumentNullException(nameof(changes));
        _contexts = contexts ?? throw new ArgumentNullException(nameof(contexts));
        _desk = desk;
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _applied = new Broadcaster<StoreChange>();
    }

    /// <summary>Each notice once it was applied here (the context mirrored, the agents told), on the mirror's loop.</summary>
    public IObservable<StoreChange> Applied => _applied;

    /// <summary>True when another engine's IVR served the call (its context says so; remembered 12 h after it was
    /// last heard of). A call it served is counted by that engine only.</summary>
    public bool ServedElsewhere(string callUuid) => _servedElsewhere.ContainsKey(callUuid);

    /// <inheritdoc />
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = _changes.Subscribe(change =>
        {
            if (!_queue.Writer.TryWrite(change)) return;
            if (_queue.Reader.Count >= 100_000) _overflowed = true;
        });
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _subscription?.Dispose();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _subscription?.Dispose();
        _applied.OnCompleted();
        base.Dispose();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<StoreChange>(256);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < 256 && _queue.Reader.TryRead(out var change)) batch.Add(change);
                if (_overflowed)
                {
                    // Notices were dropped: read everything again rather than trust the queue.
                    _overflowed = false;
                    batch.Add(new StoreChange(StoreChangeKinds.Resync, _engine, string.Empty));
                }

                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        await ApplyAsync(batch, stoppingToken).ConfigureAwait(false);
                        break;
                    }
                    catch (Exception ex) when (ex is NpgsqlException or IOException or InvalidOperationException or TimeoutException)
                    {
                        if (attempt == 0) LogReadFailed(_logger, ex.Message);

                        // Read again when the database answers; the listener's resync after a reconnect reads all anyway.
                        await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, 0.25 * (1 << Math.Min(attempt, 5)))), _time, stoppingToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task ApplyAsync(List<StoreChange> batch, CancellationToken cancellationToken)
    {
        var resync = batch.Exists(c => c.Kind == StoreChangeKinds.Resync);
        if (resync) await ResyncAsync(cancellationToken).ConfigureAwait(false);

        // Contexts other engines wrote: read once each, in one query.
        var wanted = resync ? [] : batch.Where(c => c.Kind == StoreChangeKinds.Context && c.Engine != _engine).Select(c => c.Id)
            .ToHashSet(StringComparer.Ordinal);
        if (wanted.Count > 0)
        {
            foreach (var row in await CallContextRows.ReadAsync(_dataSource, wanted, cancellationToken).ConfigureAwait(false)) Mirror(row);
        }

        foreach (var change in batch)
        {
            switch (change.Kind)
            {
                // Another engine's context was read and touched by Mirror above; this engine's own wakes its desk here.
                case StoreChangeKinds.Context when change.Engine == _engine:
                    _desk?.Touch(change.Id);
                    break;
                case StoreChangeKinds.CallEnded when change.Engine != _engine:
                    _contexts.Forget(change.Id);
                    break;
                case StoreChangeKinds.Client when Guid.TryParse(change.Id, out var clientId):
                    TouchCallsOf(clientId);
                    break;
            }

            _applied.OnNext(change);
        }
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        var rows = await CallContextRows.ReadAsync(_dataSource, null, cancellationToken).ConfigureAwait(false);
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            live.Add(row.Uuid);
            Mirror(row);
        }

        var forgotten = 0;
        foreach (var entry in _contexts.Entries())
        {
            if (entry.ServedBy is null || live.Contains(entry.Uuid)) continue;
            _contexts.Forget(entry.Uuid);
            forgotten++;
        }

        LogResynced(_logger, rows.Count, forgotten);
    }

    private void Mirror(CallContextSnapshot row)
    {
        // A call served here is this engine's own: what others wrote of it (an agent's edit through them) is taken in,
        // its own state stays.
        if (row.Engine != _engine) Remember(row.Uuid);
        _contexts.Mirror(row);
        _desk?.Touch(row.Uuid);
    }

    private void TouchCallsOf(Guid clientId)
    {
        if (_desk is null) return;
        foreach (var call in _desk.AllCalls().Select(c => c.CallUuid).Distinct(StringComparer.Ordinal))
        {
            if (_contexts.Find(call)?.Client?.ClientId == clientId) _desk.Touch(call);
        }
    }

    private void Remember(string uuid)
    {
        var now = _time.GetUtcNow();
        _servedElsewhere[uuid] = now;
        if (_servedElsewhere.Count <= MaxRemembered) return;
        foreach (var (old, at) in _servedElsewhere)
        {
            if (now - at > RememberFor) _servedElsewhere.TryRemove(old, out _);
        }

        // All recent (a flood): the oldest half goes.
        if (_servedElsewhere.Count > MaxRemembered)
        {
            foreach (var old in _servedElsewhere.OrderBy(p => p.Value).Take(_servedElsewhere.Count / 2).Select(p => p.Key).ToList()) _servedElsewhere.TryRemove(old, out _);
        }
    }

    [LoggerMessage(EventId = 1421, Level = LogLevel.Warning, Message = "Cluster: the shared call contexts could not be read ({Reason}); trying again")]
    private static partial void LogReadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 1422, Level = LogLevel.Information, Message = "Cluster: {Live} live call contexts read from PostgreSQL, {Forgotten} of other engines no longer there forgotten")]
    private static partial void LogResynced(ILogger logger, int live, int forgotten);
}
