using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace IvrEngine.Benchmarks.Record;

/// <summary>The records of one transcript, in the order they happened, written in the transcript format the tests
/// and the simulator read (IvrEngine.Tests/Support/CaptureFiles.cs, IvrEngine.Simulator/EslCapture.cs):
/// '#' header lines, then for each record a marker <c>### SEQ t=+SECONDS DIR N bytes</c>, the N bytes exactly as they
/// crossed the socket, and one '\n' that is not part of the data; or a <c>### SEQ t=+SECONDS NOTE text</c> line.</summary>
internal sealed class TranscriptRecorder
{
    private readonly Lock _lock = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<Entry> _entries = [];

    /// <summary>Records bytes that crossed a socket in direction <paramref name="direction"/> (e.g. FS->APP).</summary>
    /// <returns>When, in seconds since the start.</returns>
    public double Add(string direction, ReadOnlySpan<byte> data)
    {
        var copy = data.ToArray();
        lock (_lock)
        {
            var seconds = _clock.Elapsed.TotalSeconds;
            _entries.Add(new Entry(_entries.Count + 1, seconds, direction, copy, null));
            return seconds;
        }
    }

    /// <summary>An annotation of the recorder (not wire data); one line.</summary>
    public void Note(string text)
    {
        var line = text.Replace('\n', ' ').Replace('\r', ' ');
        lock (_lock) _entries.Add(new Entry(_entries.Count + 1, _clock.Elapsed.TotalSeconds, "NOTE", null, "(recorder annotation, not wire data): " + line));
        Console.WriteLine($"  note: {line}");
    }

    public double Seconds => _clock.Elapsed.TotalSeconds;

    public void Save(string path, IEnumerable<string> header)
    {
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        void Line(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text + "\n");
            file.Write(bytes);
        }

        foreach (var line in header) Line(line.Length == 0 ? "#" : "# " + line);
        Line("#");
        lock (_lock)
        {
            foreach (var e in _entries)
            {
                var t = e.Seconds.ToString("0.000", CultureInfo.InvariantCulture);
                if (e.Data is null)
                {
                    Line(string.Create(CultureInfo.InvariantCulture, $"### {e.Sequence} t=+{t} NOTE {e.Note}"));
                    continue;
                }

                Line(string.Create(CultureInfo.InvariantCulture, $"### {e.Sequence} t=+{t} {e.Direction} {e.Data.Length} bytes"));
                file.Write(e.Data);
                file.WriteByte((byte)'\n');
            }
        }
    }

    private sealed record Entry(int Sequence, double Seconds, string Direction, byte[]? Data, string? Note);
}
