using System.Buffers;
using BenchmarkDotNet.Attributes;
using IvrEngine.EventSocket;

namespace IvrEngine.Benchmarks.Micro;

/// <summary>EslFrameReader.TryRead on one real frame, as the read loop calls it, then Release as dispatch does.</summary>
[MemoryDiagnoser]
public class FrameReaderBenchmarks
{
    private readonly EslFrameReader _reader = new(EslLimits.Default);
    private ReadOnlySequence<byte> _single;
    private ReadOnlySequence<byte> _split;

    [ParamsSource(nameof(FrameNames))]
    public string Frame { get; set; } = Frames.Dtmf;

    public static IEnumerable<string> FrameNames => Frames.All;

    [GlobalSetup]
    public void Setup()
    {
        var bytes = Frames.Load(Frame);
        _single = new ReadOnlySequence<byte>(bytes);
        _split = Frames.Split(bytes, Math.Min(1000, bytes.Length / 2)); // the cut falls inside the header block
        var check = _single;
        if (!_reader.TryRead(ref check, out var message) || !check.IsEmpty) throw new InvalidOperationException($"{Frame} is not one whole frame.");
        message!.Release();
    }

    [Benchmark(Baseline = true, Description = "TryRead, one segment")]
    public int ReadSingleSegment() => Read(_single);

    [Benchmark(Description = "TryRead, split mid-header")]
    public int ReadSplit() => Read(_split);

    private int Read(ReadOnlySequence<byte> buffer)
    {
        _reader.TryRead(ref buffer, out var message);
        var length = message!.Length;
        message.Release();
        return length;
    }
}
