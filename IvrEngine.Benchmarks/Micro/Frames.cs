using System.Buffers;

namespace IvrEngine.Benchmarks.Micro;

/// <summary>Real FreeSWITCH 1.10.12 frames, byte for byte from the project's ESL captures, embedded so the micro
/// benchmarks need no files.</summary>
internal static class Frames
{
    public const string ConnectReply = "connect-reply";
    public const string ExecuteComplete = "channel-execute-complete";
    public const string Dtmf = "dtmf";
    public const string BackgroundJob = "background-job";
    public const string ExecuteCompleteJson = "channel-execute-complete.json";

    public static IEnumerable<string> All => [ConnectReply, ExecuteComplete, Dtmf, BackgroundJob, ExecuteCompleteJson];

    public static byte[] Load(string name)
    {
        using var stream = typeof(Frames).Assembly.GetManifestResourceStream($"Frames.{name}.esl")
            ?? throw new InvalidOperationException($"Embedded frame '{name}' is missing.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>The frame as two segments cut at <paramref name="cut"/>, as when a socket read ends mid-header.</summary>
    public static ReadOnlySequence<byte> Split(byte[] frame, int cut)
    {
        var first = new Segment(frame.AsMemory(0, cut), null);
        var second = new Segment(frame.AsMemory(cut), first);
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
