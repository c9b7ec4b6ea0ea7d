using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using IvrEngine.EventSocket;

namespace IvrEngine.Benchmarks;

/// <summary><c>parse</c> / <c>parse-naive</c>: how fast the engine's frame reader gets through a real FreeSWITCH->app
/// byte stream, in memory, single-threaded.</summary>
internal static class ParseCommand
{
    private const int SegmentSize = 4096;
    private const int Rounds = 5;
    private static readonly string[] Options = ["--seconds", "--rounds"];

    public static int Run(ReadOnlySpan<string> args, bool naive)
    {
        var line = CommandLine.Parse(args, Options, positionals: 1);
        var seconds = line.GetDouble("--seconds", 2, 0.05, 600);
        var rounds = line.GetInt("--rounds", Rounds, 1, 1000);
        var stream = CaptureStream.Load(line.Positionals[0]);
        var uuid = FindCallUuid(stream.Bytes);
        var pass = new EnginePass(stream, uuid);

        // Check once that the whole stream parses cleanly and count what one pass holds.
        Counts one;
        try
        {
            one = pass.SingleSegment();
            var again = pass.PipeLike();
            var whole = pass.WholeSegmented();
            if (again != one || whole != one)
            {
                Console.Error.WriteLine($"error: the 4 KB-segment passes disagree with the single-segment pass ({one} / {again} / {whole}).");
                return 1;
            }
        }
        catch (EslProtocolException ex)
        {
            throw new UsageException($"Capture '{stream.Name}': the FS->APP stream does not parse: {ex.Message}");
        }

        if (one.Trailing != 0)
        {
            throw new UsageException($"Capture '{stream.Name}': the FS->APP stream ends in an incomplete frame ({one.Trailing} bytes left over).");
        }

        Console.WriteLine($"capture: {stream.Name}: {stream.Records} FS->APP records, {stream.Bytes.Length:N0} bytes, " +
            $"{one.Frames} frames, {one.Events} events ({one.OwnCall} about call {Encoding(uuid)}, {one.ExecuteCompletes} CHANNEL_EXECUTE_COMPLETE)");
        Console.WriteLine($"runtime: .NET {Environment.Version}, {Environment.ProcessorCount} cores, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}; " +
            $"single-threaded; {rounds} rounds of ~{seconds:0.##} s after warm-up; medians reported");
        Console.WriteLine();

        if (naive)
        {
            var toy = new NaiveParser(stream.Bytes, uuid);
            var engine = Measure("engine reader, single segment", pass.SingleSegment, stream, seconds, rounds);
            var slow = Measure("naive Dictionary<string,string> parser, single segment", toy.Pass, stream, seconds, rounds);
            Console.WriteLine($"ratio: engine reader is {engine.EventsPerSecond / slow.EventsPerSecond:0.0}x the naive parser's events/s " +
                $"and allocates {slow.BytesPerEvent / Math.Max(engine.BytesPerEvent, 1):0}x less per event");
            return 0;
        }

        var results = new[]
        {
            Measure("single segment (whole stream in one array)", pass.SingleSegment, stream, seconds, rounds),
            Measure("4 KB segments, delivered 4 KB at a time (as a socket pipe fills)", pass.PipeLike, stream, seconds, rounds),
            Measure("4 KB segments, whole stream buffered at once (a backlog)", pass.WholeSegmented, stream, seconds, rounds),
        };

        Console.WriteLine("goal: >= 1 GB/s, >= 200,000 events/s, < 1 KB allocated per event");
        foreach (var r in results)
        {
            Console.WriteLine($"  {r.Name}: {Stats.PassFail(r.BytesPerSecond >= 1e9)} {r.BytesPerSecond / 1e6:N0} MB/s, " +
                $"{Stats.PassFail(r.EventsPerSecond >= 200_000)} {r.EventsPerSecond:N0} events/s, " +
                $"{Stats.PassFail(r.BytesPerEvent < 1024)} {r.BytesPerEvent:N0} B/event");
        }

        return 0;
    }

    private static string Encoding(byte[] uuid) => System.Text.Encoding.ASCII.GetString(uuid);

    /// <summary>The call the engine would filter on: the Unique-ID of the connect reply, else of the first event.</summary>
    private static byte[] FindCallUuid(byte[] bytes)
    {
        var reader = new EslFrameReader(EslLimits.Default);
        var buffer = new ReadOnlySequence<byte>(bytes);
        byte[]? fromEvent = null;
        try
        {
            while (reader.TryRead(ref buffer, out var message))
            {
                if (message!.ContentType == EslContentType.CommandReply && message.TryGetHeaderRaw("Unique-ID"u8, out var raw))
                {
                    return raw.ToArray();
                }

                if (fromEvent is null && EslEvent.FromMessage(message) is { } ev && ev.UniqueId is { } id)
                {
                    fromEvent = System.Text.Encoding.UTF8.GetBytes(id);
                }

                message.Release();
            }
        }
        catch (EslProtocolException)
        {
            // Reported by the checked pass.
        }

        return fromEvent ?? "00000000-0000-0000-0000-000000000000"u8.ToArray();
    }

    private static Result Measure(string name, Func<Counts> pass, CaptureStream stream, double seconds, int rounds)
    {
        Console.WriteLine($"[{name}]");

        // Warm-up: tiered JIT needs a few hundred calls and some time to reach the optimized code.
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < Math.Max(1, seconds / 2)) pass();

        var events = new List<double>();
        var frames = new List<double>();
        var bytes = new List<double>();
        var alloc = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long passes = 0, eventCount = 0, frameCount = 0;
            var before = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            do
            {
                var c = pass();
                passes++;
                eventCount += c.Events;
                frameCount += c.Frames;
            }
            while (clock.Elapsed.TotalSeconds < seconds);

            var elapsed = clock.Elapsed.TotalSeconds;
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            events.Add(eventCount / elapsed);
            frames.Add(frameCount / elapsed);
            bytes.Add(passes * (double)stream.Bytes.Length / elapsed);
            alloc.Add(allocated / (double)eventCount);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  round {round}: {eventCount / elapsed,12:N0} events/s {frameCount / elapsed,12:N0} frames/s {passes * (double)stream.Bytes.Length / elapsed / 1e6,8:N0} MB/s {allocated / (double)eventCount,8:N0} B/event ({passes:N0} passes in {elapsed:0.00} s)"));
        }

        var result = new Result(name, Stats.Median(events), Stats.Median(frames), Stats.Median(bytes), Stats.Median(alloc));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  MEDIAN : {result.EventsPerSecond,12:N0} events/s {result.FramesPerSecond,12:N0} frames/s {result.BytesPerSecond / 1e6,8:N0} MB/s {result.BytesPerEvent,8:N0} B/event"));
        Console.WriteLine();
        return result;
    }

    private sealed record Result(string Name, double EventsPerSecond, double FramesPerSecond, double BytesPerSecond, double BytesPerEvent);

    /// <summary>One pass over the stream with the engine's reader, reading what the engine reads of each event.</summary>
    private sealed class EnginePass(CaptureStream stream, byte[] uuid)
    {
        private readonly ReadOnlySequence<byte> _single = new(stream.Bytes);
        private readonly CaptureStream.Segment[] _segments = stream.Segments(SegmentSize);

        public Counts SingleSegment()
        {
            var counts = default(Counts);
            var reader = new EslFrameReader(EslLimits.Default);
            var buffer = _single;
            Drain(reader, ref buffer, ref counts);
            counts.Trailing = buffer.Length;
            return counts;
        }

        /// <summary>As the read loop sees a socket pipe filling: each read returns everything not yet consumed, up to
        /// the newest 4 KB segment.</summary>
        public Counts PipeLike()
        {
            var counts = default(Counts);
            var reader = new EslFrameReader(EslLimits.Default);
            var first = _segments[0];
            var consumed = new SequencePosition(first, 0);
            foreach (var segment in _segments)
            {
                var buffer = new ReadOnlySequence<byte>((CaptureStream.Segment)consumed.GetObject()!, consumed.GetInteger(), segment, segment.Memory.Length);
                Drain(reader, ref buffer, ref counts);
                consumed = buffer.Start;
                counts.Trailing = buffer.Length;
            }

            return counts;
        }

        /// <summary>The whole stream already sitting in the pipe as 4 KB segments.</summary>
        public Counts WholeSegmented()
        {
            var counts = default(Counts);
            var reader = new EslFrameReader(EslLimits.Default);
            var last = _segments[^1];
            var buffer = new ReadOnlySequence<byte>(_segments[0], 0, last, last.Memory.Length);
            Drain(reader, ref buffer, ref counts);
            counts.Trailing = buffer.Length;
            return counts;
        }

        private void Drain(EslFrameReader reader, ref ReadOnlySequence<byte> buffer, ref Counts counts)
        {
            while (reader.TryRead(ref buffer, out var message))
            {
                counts.Frames++;
                var leased = EslEvent.FromMessage(message!);
                if (leased is null) continue; // a reply: the engine hands it (an owned array) to the waiting command

                counts.Events++;
                var name = leased.EventName;
                if (leased.HeaderEquals("Unique-ID"u8, uuid)) counts.OwnCall++;
                if (ReferenceEquals(name, "CHANNEL_EXECUTE_COMPLETE") || name == "CHANNEL_EXECUTE_COMPLETE")
                {
                    counts.ExecuteCompletes++;
                    counts.Check += leased.GetHeader("Application-UUID")?.Length ?? 0;
                }

                message!.Release();
            }
        }
    }
}

internal record struct Counts
{
    public long Frames;
    public long Events;
    public long OwnCall;
    public long ExecuteCompletes;
    public long Check;
    public long Trailing;
}
