using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Tests.Ivr;

/// <summary>A temporary flows folder. Files are written whole and moved in at once, as an admin's deploy would, so
/// the folder's watcher never sees a half-written file.</summary>
internal sealed class TempFlowsFolder : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("ivrengine-flows-");

    public TempFlowsFolder()
    {
        Directory.CreateDirectory(Path);
        Directory.CreateDirectory(Staging);
    }

    /// <summary>The flows folder.</summary>
    public string Path => System.IO.Path.Combine(_root.FullName, "flows");

    private string Staging => System.IO.Path.Combine(_root.FullName, "staging");

    /// <summary>Writes <paramref name="name"/> (relative to the folder) in one move.</summary>
    public string Write(string name, string text)
    {
        var target = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
        var staged = System.IO.Path.Combine(Staging, Guid.NewGuid().ToString("N"));
        File.WriteAllText(staged, text);
        File.Move(staged, target, overwrite: true);
        return target;
    }

    public void Dispose() => _root.Delete(recursive: true);
}

/// <summary>Keeps every log line (level and formatted message) of the loggers it provides.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Lines => [.. _lines];

    public IEnumerable<string> Messages(LogLevel atLeast) => _lines.Where(l => l.Level >= atLeast).Select(l => l.Message);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture._lines.Enqueue((logLevel, category, formatter(state, exception)));
    }
}
