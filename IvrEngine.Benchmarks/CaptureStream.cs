using System.Buffers;
using IvrEngine.Simulator;

namespace IvrEngine.Benchmarks;

/// <summary>The FreeSWITCH->app byte stream of a capture file, and ways to present it to a frame reader.</summary>
internal sealed class CaptureStream
{
    private CaptureStream(string name, byte[] bytes, int records)
    {
        Name = name;
        Bytes = bytes;
        Records = records;
    }

    public string Name { get; }

    public byte[] Bytes { get; }

    public int Records { get; }

    /// <summary>Loads a capture and concatenates its FS->APP records. Throws <see cref="UsageException"/> with a
    /// clear message when the file is missing, unreadable or malformed.</summary>
    public static CaptureStream Load(string path)
    {
        if (!File.Exists(path)) throw new UsageException($"Capture file '{path}' does not exist.");
        EslCapture capture;
        try
        {
            capture = EslCapture.Load(path);
        }
        catch (FormatException ex)
        {
            throw new UsageException($"Capture file is malformed: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"Capture file '{path}' cannot be read: {ex.Message}");
        }

        var records = capture.Records.Count(r => r.Direction == "FS->APP");
        if (records == 0)
        {
            throw new UsageException($"Capture file '{path}' has no FS->APP records (is it a capture in the '### <seq> t=+<s> <DIR> <N> bytes' format?).");
        }

        return new CaptureStream(Path.GetFileName(path), capture.StreamOf("FS->APP"), records);
    }

    /// <summary>The stream cut into <paramref name="segmentSize"/>-byte segments, each in its own array, as a socket
    /// pipe holds it.</summary>
    public Segment[] Segments(int segmentSize)
    {
        var list = new List<Segment>();
        Segment? previous = null;
        for (var offset = 0; offset < Bytes.Length; offset += segmentSize)
        {
            var chunk = Bytes.AsSpan(offset, Math.Min(segmentSize, Bytes.Length - offset)).ToArray();
            var segment = new Segment(chunk, previous);
            list.Add(segment);
            previous = segment;
        }

        return [.. list];
    }

    internal sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, Segment? previous)
        {
            Memory = bytes;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
