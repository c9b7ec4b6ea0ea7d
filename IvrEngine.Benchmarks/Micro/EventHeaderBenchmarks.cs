using System.Buffers;
using BenchmarkDotNet.Attributes;
using IvrEngine.EventSocket;

namespace IvrEngine.Benchmarks.Micro;

/// <summary>Header look-ups on a CHANNEL_EXECUTE_COMPLETE event, as the outbound session does per event.</summary>
[MemoryDiagnoser]
public class EventHeaderBenchmarks
{
    private EslMessage _message = null!;

    [Params(Frames.ExecuteComplete, Frames.ExecuteCompleteJson)]
    public string Frame { get; set; } = Frames.ExecuteComplete;

    [GlobalSetup]
    public void Setup()
    {
        var buffer = new ReadOnlySequence<byte>(Frames.Load(Frame));
        // Not pooled: the message stays readable for the whole run.
        new EslFrameReader(EslLimits.Default, poolEvents: false).TryRead(ref buffer, out var message);
        _message = message!;
    }

    [Benchmark(Description = "EventName (fresh EslEvent)")]
    public string EventName() => EslEvent.FromMessage(_message)!.EventName;

    [Benchmark(Description = "HeaderEquals(Unique-ID)")]
    public bool UniqueIdEquals() => EslEvent.FromMessage(_message)!.HeaderEquals("Unique-ID"u8, "b5dc9540-d3ab-4a2b-b84b-0803d324e5fe"u8);

    [Benchmark(Description = "GetHeader(Application-UUID)")]
    public string? ApplicationUuid() => EslEvent.FromMessage(_message)!.GetHeader("Application-UUID");

    [Benchmark(Description = "GetHeader(Event-Date-GMT), URL-decoded")]
    public string? EncodedHeader() => EslEvent.FromMessage(_message)!.GetHeader("Event-Date-GMT");

    [Benchmark(Description = "GetHeader(variable_uuid), late in the block")]
    public string? LateVariable() => EslEvent.FromMessage(_message)!.GetHeader("variable_uuid");

    [Benchmark(Description = "GetHeader(absent header)")]
    public string? Absent() => EslEvent.FromMessage(_message)!.GetHeader("X-Not-There");

    [Benchmark(Description = "engine dispatch: EventName + Unique-ID + Application-UUID")]
    public int Dispatch()
    {
        var leased = EslEvent.FromMessage(_message)!;
        var n = leased.EventName.Length;
        if (leased.HeaderEquals("Unique-ID"u8, "b5dc9540-d3ab-4a2b-b84b-0803d324e5fe"u8)) n++;
        return n + (leased.GetHeader("Application-UUID")?.Length ?? 0);
    }
}
