using System.Reflection;
using LiteDB;

namespace IvrEngine.Profiles;

/// <summary>Makes a LiteDB commit durable against the process being killed. LiteDB 5 hands the pages of a commit to
/// a background writer (DiskWriterQueue) and returns before they reach the log file; a process killed right after
/// the commit loses them. This waits until the writer's queue is empty, i.e. every page of the commit has been
/// written to the log file (the operating system has it; LiteDB fsyncs it right after). LiteDB has no public call
/// for that, so this reaches its internals (checked for LiteDB 5.0.20, the pinned version): if they change, the
/// store refuses to open rather than acknowledge writes it may lose. Call it only from the store's writer (the only
/// one committing), so no other commit enqueues pages during the wait.</summary>
internal sealed class LiteDbLogFlush
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private const BindingFlags Private = BindingFlags.Instance | BindingFlags.NonPublic;

    private readonly object _lazyQueue;
    private readonly PropertyInfo _isValueCreated;
    private readonly PropertyInfo _value;
    private readonly FieldInfo _isEmpty;
    private readonly FieldInfo _exception;

    public LiteDbLogFlush(LiteDatabase database)
    {
        var engine = Field(typeof(LiteDatabase), "_engine").GetValue(database) ?? throw Unsupported("LiteDatabase._engine is null");
        var disk = Field(engine.GetType(), "_disk").GetValue(engine) ?? throw Unsupported("LiteEngine._disk is null");
        _lazyQueue = Field(disk.GetType(), "_queue").GetValue(disk) ?? throw Unsupported("DiskService._queue is null");
        var lazyType = _lazyQueue.GetType();
        _isValueCreated = lazyType.GetProperty("IsValueCreated") ?? throw Unsupported("DiskService._queue is not a Lazy");
        _value = lazyType.GetProperty("Value") ?? throw Unsupported("DiskService._queue is not a Lazy");
        var queueType = _value.PropertyType;
        _isEmpty = Field(queueType, "_queueIsEmpty");
        _exception = Field(queueType, "_exception");
        if (_isEmpty.FieldType != typeof(ManualResetEventSlim)) throw Unsupported("DiskWriterQueue._queueIsEmpty is not a ManualResetEventSlim");
    }

    /// <summary>Returns once every page committed so far is in the log file; throws when the writer failed or stalled.</summary>
    public void Wait()
    {
        if (!(bool)_isValueCreated.GetValue(_lazyQueue)!) return;
        var queue = _value.GetValue(_lazyQueue)!;
        var isEmpty = (ManualResetEventSlim)_isEmpty.GetValue(queue)!;
        if (!isEmpty.Wait(Timeout))
        {
            throw new IOException($"The store's log writer did not finish writing within {Timeout.TotalSeconds:0} s; the last write is not known to be on disk.");
        }

        if (_exception.GetValue(queue) is Exception failure)
        {
            throw new IOException("The store's log writer failed; the last write is not known to be on disk: " + failure.Message, failure);
        }
    }

    private static FieldInfo Field(Type type, string name) =>
        type.GetField(name, Private) ?? throw Unsupported($"{type.Name}.{name} is missing");

    private static NotSupportedException Unsupported(string what) =>
        new($"This LiteDB version's internals differ from 5.0.20 ({what}); the store cannot make writes durable before acknowledging them.");
}
