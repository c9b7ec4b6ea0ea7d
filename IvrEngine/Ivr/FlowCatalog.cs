using System.Reactive.Linq;
using System.Reactive.Subjects;
using IvrEngine.Scripts;
using IvrEngine.Scripts.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Ivr;

/// <summary>The outcome of one load of the flows folder.</summary>
/// <param name="Succeeded">True when the folder loaded without a problem and its set now serves new calls.</param>
/// <param name="Current">The set serving new calls after this load: the new one, or the last good one when refused.</param>
/// <param name="Diagnostics">Every problem found (empty on success), <c>file:line:column: message</c> each.</param>
/// <param name="Generation">The number of good loads so far, this one included when it succeeded: a call can tell
/// which version it ran.</param>
/// <param name="At">When the load finished.</param>
public sealed record FlowReload(bool Succeeded, FlowSet Current, IReadOnlyList<FlowDiagnostic> Diagnostics, int Generation, DateTimeOffset At);

/// <summary>A set with its version number, taken together: what a call runs on.</summary>
/// <param name="Set">The flows.</param>
/// <param name="Generation">Which good load of the folder it is (1 at start).</param>
public sealed record FlowVersion(FlowSet Set, int Generation);

/// <summary>The flows folder would not load when the engine started (there is no earlier version to fall back on).</summary>
public sealed class FlowsLoadException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FlowsLoadException(string folder, IReadOnlyList<FlowDiagnostic> diagnostics)
        : base(Describe(folder, diagnostics))
    {
        Folder = folder;
        Diagnostics = diagnostics;
    }

    /// <summary>Creates the exception.</summary>
    public FlowsLoadException() : this(string.Empty, []) { }

    /// <summary>Creates the exception.</summary>
    public FlowsLoadException(string message) : base(message)
    {
        Folder = string.Empty;
        Diagnostics = [];
    }

    /// <summary>Creates the exception.</summary>
    public FlowsLoadException(string message, Exception innerException) : base(message, innerException)
    {
        Folder = string.Empty;
        Diagnostics = [];
    }

    /// <summary>The folder.</summary>
    public string Folder { get; }

    /// <summary>Every problem.</summary>
    public IReadOnlyList<FlowDiagnostic> Diagnostics { get; }

    private static string Describe(string folder, IReadOnlyList<FlowDiagnostic> diagnostics) =>
        $"The flows in {folder} do not load ({diagnostics.Count} {(diagnostics.Count == 1 ? "problem" : "problems")}); fix them and start again:"
        + string.Concat(diagnostics.Select(d => Environment.NewLine + "  " + d));
}

/// <summary>The flows serving calls: loads the flows folder at start (a broken folder, or a flow that cannot fit the
/// budgets of <see cref="FlowsOptions.Budgets"/>, stops the engine), then watches
/// it and reloads after every change once the folder has been quiet for <see cref="FlowsOptions.ReloadQuietMilliseconds"/>.
/// A good edit replaces <see cref="Current"/> at once for new calls; a broken edit is refused with every problem
/// logged and the last good set keeps serving. A call takes <see cref="Current"/> once when it starts and finishes
/// on that version (sets are immutable). Thread-safe.</summary>
public sealed partial class FlowCatalog : IDisposable
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _quiet;
    // _gate guards the watcher and the timer; _reloadGate makes loads one at a time (a load may be slow, and
    // change events must not wait for it).
    private readonly Lock _gate = new();
    private readonly Lock _reloadGate = new();
    private readonly Subject<FlowReload> _reloads = new();
    private FlowVersion? _current;
    private FlowReload? _last;
    private FileSystemWatcher? _watcher;
    private ITimer? _debounce;
    private readonly bool _watch;
    private bool _stopped;
    private bool _disposed;

    /// <summary>A catalog of <see cref="FlowsOptions.Path"/>, relative to <paramref name="baseDirectory"/>
    /// (the engine's base directory when null).</summary>
    public FlowCatalog(IOptions<FlowsOptions> options, ILogger<FlowCatalog> logger, TimeProvider time, string? baseDirectory = null)
        : this(options, logger, time, baseDirectory, watch: true)
    {
    }

    /// <summary>A catalog that, with <paramref name="watch"/> false, learns of changes only through
    /// <see cref="NoteChange"/> (tests of the quiet period).</summary>
    internal FlowCatalog(IOptions<FlowsOptions> options, ILogger<FlowCatalog> logger, TimeProvider time, string? baseDirectory, bool watch)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(time);
        var o = options.Value;
        Folder = o.FullPath(baseDirectory ?? AppContext.BaseDirectory);
        Budget = new CallBudget(o.Budgets ?? new CallBudgetsOptions());
        _quiet = TimeSpan.FromMilliseconds(o.ReloadQuietMilliseconds);
        _logger = logger;
        _time = time;
        _watch = watch;
    }

    /// <summary>The flows folder (absolute).</summary>
    public string Folder { get; }

    /// <summary>What may ride on a call: every flow is checked against it when loaded, and calls are held to it.</summary>
    public CallBudget Budget { get; }

    /// <summary>The set serving new calls.</summary>
    /// <exception cref="InvalidOperationException">Before <see cref="Start"/> loaded the folder.</exception>
    public FlowSet Current => Version.Set;

    /// <summary>The set serving new calls with its version number, read at once: a call takes this when it starts.</summary>
    /// <exception cref="InvalidOperationException">Before <see cref="Start"/> loaded the folder.</exception>
    public FlowVersion Version => Volatile.Read(ref _current) ?? throw new InvalidOperationException("The flows are not loaded yet: start the catalog first.");

    /// <summary>The number of good loads so far (1 after start, 0 before).</summary>
    public int Generation => Volatile.Read(ref _current)?.Generation ?? 0;

    /// <summary>The last load's outcome; null before the first.</summary>
    public FlowReload? LastReload => Volatile.Read(ref _last);

    /// <summary>Every reload after start, good or refused, in order, as it happens (on the thread that reloaded:
    /// keep subscribers quick). Subscribe before making the change you want to see.</summary>
    public IObservable<FlowReload> Reloads => _reloads.AsObservable();

    /// <summary>Loads the folder and starts watching it.</summary>
    /// <exception cref="FlowsLoadException">The folder is missing or does not load; every problem has been logged.</exception>
    public void Start()
    {
        lock (_reloadGate)
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopped, this);
            if (_current is not null) return;
            if (!Directory.Exists(Folder))
            {
                var missing = new[] { new FlowDiagnostic(new SourceSpan(Folder, 0, 0), "the flows folder does not exist (set Flows:Path)") };
                LogStartFailed(_logger, Folder, 1);
                LogDiagnostic(_logger, missing[0].ToString());
                throw new FlowsLoadException(Folder, missing);
            }

            var (set, diagnostics) = LoadFolder();
            if (set is null)
            {
                LogStartFailed(_logger, Folder, diagnostics.Count);
                foreach (var d in diagnostics) LogDiagnostic(_logger, d.ToString());
                throw new FlowsLoadException(Folder, diagnostics);
            }

            Publish(set, diagnostics, notify: false);
            LogLoaded(_logger, Folder, set.Flows.Count, Names(set));
            if (set.Default is null) LogNoDefault(_logger);

            _debounce = _time.CreateTimer(static s => ((FlowCatalog)s!).OnQuiet(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            if (!_watch) return;
            _watcher = new FileSystemWatcher(Folder)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };
            _watcher.Changed += OnChanged;
            _watcher.Created += OnChanged;
            _watcher.Deleted += OnChanged;
            _watcher.Renamed += OnChanged;
            _watcher.Error += OnWatcherError;
            try
            {
                _watcher.EnableRaisingEvents = true;
            }
            catch (IOException ex)
            {
                // E.g. the system's limit of inotify instances: the flows serve, edits wait for a restart.
                LogNotWatching(_logger, Folder, ex.Message);
                _watcher.Dispose();
                _watcher = null;
            }
        }
    }

    /// <summary>Loads the folder now (as a change would, without waiting): a good set replaces <see cref="Current"/>,
    /// a broken one is refused. Reloads never run at once; the outcome is also published on <see cref="Reloads"/>.</summary>
    /// <exception cref="InvalidOperationException">Before <see cref="Start"/>.</exception>
    public FlowReload Reload()
    {
        lock (_reloadGate)
        {
            if (_current is null) throw new InvalidOperationException("The flows are not loaded yet: start the catalog first.");
            var (set, diagnostics) = LoadFolder();
            if (set is null)
            {
                LogRefused(_logger, Folder, diagnostics.Count, Generation);
                foreach (var d in diagnostics) LogDiagnostic(_logger, d.ToString());
            }
            else
            {
                LogReloaded(_logger, set.Flows.Count, Names(set));
                if (set.Default is null) LogNoDefault(_logger);
            }

            return Publish(set, diagnostics, notify: true);
        }
    }

    /// <summary>Stops watching; <see cref="Current"/> stays.</summary>
    public void Stop()
    {
        FileSystemWatcher? watcher;
        ITimer? debounce;
        lock (_gate)
        {
            _stopped = true;
            (watcher, _watcher) = (_watcher, null);
            (debounce, _debounce) = (_debounce, null);
        }

        if (watcher is not null)
        {
            watcher.EnableRaisingEvents = false;
            watcher.Dispose();
        }

        debounce?.Dispose();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Stop();
        lock (_reloadGate)
        {
            if (_disposed) return;
            _disposed = true;
            _reloads.OnCompleted();
            _reloads.Dispose();
        }
    }

    private FlowReload Publish(FlowSet? set, IReadOnlyList<FlowDiagnostic> diagnostics, bool notify)
    {
        if (set is not null) Volatile.Write(ref _current, new FlowVersion(set, (_current?.Generation ?? 0) + 1));
        var reload = new FlowReload(set is not null, _current!.Set, diagnostics, _current.Generation, _time.GetUtcNow());
        Volatile.Write(ref _last, reload);
        if (notify && !_disposed) _reloads.OnNext(reload);
        return reload;
    }

    private (FlowSet? Set, IReadOnlyList<FlowDiagnostic> Diagnostics) LoadFolder()
    {
        try
        {
            var result = FlowSet.Load(Folder, Budget.LoadOptions());
            return result.Succeeded ? (result.Set, []) : (null, result.Diagnostics.Count > 0 ? result.Diagnostics : [Problem("the flows did not load")]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file being written or a folder being swapped: the next change event loads it again.
            return (null, [Problem(ex.Message)]);
        }
    }

    private FlowDiagnostic Problem(string message) => new(new SourceSpan(Folder, 0, 0), message);

    private void OnChanged(object sender, FileSystemEventArgs e) => NoteChange();

    private void OnWatcherError(object sender, ErrorEventArgs e)
    {
        // Usually an overflow of the change buffer: some changes were missed, so load the whole folder again.
        LogWatcherError(_logger, Folder, e.GetException().Message);
        NoteChange();
    }

    /// <summary>A change in the folder: (re)starts the quiet period, at whose end the folder is loaded again.</summary>
    internal void NoteChange()
    {
        lock (_gate)
        {
            if (_stopped) return;
            _debounce?.Change(_quiet, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnQuiet()
    {
        lock (_gate)
        {
            if (_stopped) return;
        }

        try
        {
            Reload();
        }
#pragma warning disable CA1031 // A reload that throws must not take the timer thread down; the set in use stays.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogReloadCrashed(_logger, Folder, ex);
        }
    }

    private static string Names(FlowSet set) => string.Join(", ", set.Flows.Select(f => f.IsDefault ? f.Name + " (default)" : f.Name));

    [LoggerMessage(EventId = 320, Level = LogLevel.Information, Message = "Flows loaded from {Folder}: {Count} flows ({Names})")]
    private static partial void LogLoaded(ILogger logger, string folder, int count, string names);

    [LoggerMessage(EventId = 321, Level = LogLevel.Information, Message = "Flows reloaded: {Count} flows ({Names})")]
    private static partial void LogReloaded(ILogger logger, int count, string names);

    [LoggerMessage(EventId = 322, Level = LogLevel.Error, Message = "Flows edit in {Folder} refused ({Count} problems); version {Generation} keeps serving")]
    private static partial void LogRefused(ILogger logger, string folder, int count, int generation);

    [LoggerMessage(EventId = 323, Level = LogLevel.Error, Message = "{Diagnostic}")]
    private static partial void LogDiagnostic(ILogger logger, string diagnostic);

    [LoggerMessage(EventId = 324, Level = LogLevel.Critical, Message = "The flows in {Folder} do not load ({Count} problems); the engine does not start")]
    private static partial void LogStartFailed(ILogger logger, string folder, int count);

    [LoggerMessage(EventId = 325, Level = LogLevel.Warning, Message = "No default flow: calls to a number no flow lists are hung up")]
    private static partial void LogNoDefault(ILogger logger);

    [LoggerMessage(EventId = 326, Level = LogLevel.Warning, Message = "Watching {Folder}: {Reason}; loading it again")]
    private static partial void LogWatcherError(ILogger logger, string folder, string reason);

    [LoggerMessage(EventId = 328, Level = LogLevel.Warning, Message = "Cannot watch {Folder} ({Reason}): edits take effect only after a restart")]
    private static partial void LogNotWatching(ILogger logger, string folder, string reason);

    [LoggerMessage(EventId = 327, Level = LogLevel.Error, Message = "Reloading {Folder} failed; the flows in use keep serving")]
    private static partial void LogReloadCrashed(ILogger logger, string folder, Exception exception);
}
