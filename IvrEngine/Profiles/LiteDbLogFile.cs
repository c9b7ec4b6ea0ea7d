using Microsoft.Win32.SafeHandles;

namespace IvrEngine.Profiles;

/// <summary>LiteDB's log file (<c>name-log.ext</c> next to the data file), opened by the store and handed to LiteDB as
/// its log stream, so the store decides when the log reaches the disk.
/// <para>LiteDB 5.0.20 writes a commit's pages to the log through a queue whose writer, after its first page, runs
/// inline on the committing thread and syncs the file to disk (fsync) every time the queue is empty: once per page.
/// A 10,000-client batch is about 2,000 pages, so an import spent most of its time in fsync (0.2-0.3 ms each here),
/// and a single small write paid for four or five. Here LiteDB's flushes do nothing; the store syncs once per
/// commit (<see cref="FlushToDisk"/>), after the commit's pages are written and before it acknowledges the
/// write. Every write is positioned (pread/pwrite), unbuffered: once a write returns, the operating system has the
/// page and a killed process cannot lose it.</para>
/// LiteDB wraps this stream for each reader in a stream that locks on it around every positioned read or write, so
/// <see cref="Position"/> is only used under that lock.</summary>
internal sealed class LiteDbLogFile : Stream
{
    private readonly SafeFileHandle _handle;
    private readonly object _gate = new();
    private long _position;
    private long _written;
    private long _awaited = long.MaxValue;

    private LiteDbLogFile(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
        _written = RandomAccess.GetLength(handle);
    }

    /// <summary>The log file of the data file <paramref name="dataPath"/>, named as LiteDB names it.</summary>
    public static string PathFor(string dataPath)
    {
        var folder = System.IO.Path.GetDirectoryName(dataPath) ?? string.Empty;
        return System.IO.Path.Combine(folder, System.IO.Path.GetFileNameWithoutExtension(dataPath) + "-log" + System.IO.Path.GetExtension(dataPath));
    }

    /// <summary>Opens (or creates) the log file of <paramref name="dataPath"/> for reading and writing; other processes
    /// may only read it while it is open.</summary>
    public static LiteDbLogFile Open(string dataPath)
    {
        var path = PathFor(dataPath);
        return new LiteDbLogFile(path, File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, FileOptions.RandomAccess));
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Returns once the file has been written up to <paramref name="length"/> bytes (LiteDB's writer writes
    /// pages in order, from another thread); throws when that takes longer than <paramref name="timeout"/>.</summary>
    public void WaitWritten(long length, TimeSpan timeout)
    {
        // LiteDB's writer usually finishes within microseconds of the commit: spin a little before blocking, as a
        // ManualResetEventSlim does (a blocked thread on a busy machine waits milliseconds for its turn to wake).
        var spinner = new SpinWait();
        while (!spinner.NextSpinWillYield)
        {
            if (Volatile.Read(ref _written) >= length) return;
            spinner.SpinOnce();
        }

        var deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            // Woken once, when the file is written that far, not at every page on the way.
            _awaited = length;
            while (_written < length)
            {
                var left = deadline - Environment.TickCount64;
                if (left <= 0 || !Monitor.Wait(_gate, TimeSpan.FromMilliseconds(left)))
                {
                    if (_written >= length) return;
                    throw new IOException($"The store's log writer did not write its pages within {timeout.TotalSeconds:0} s ({_written} of {length} bytes); "
                        + "the last write is not known to be on disk.");
                }
            }
        }
    }

    /// <summary>Syncs everything written so far to the disk.</summary>
    public void FlushToDisk() => RandomAccess.FlushToDisk(_handle);

    /// <summary>Deliberately nothing: LiteDB calls it after every page (see the class summary).</summary>
    public override void Flush()
    {
    }

    public override bool CanRead => !_handle.IsClosed;

    public override bool CanSeek => !_handle.IsClosed;

    public override bool CanWrite => !_handle.IsClosed;

    public override long Length => RandomAccess.GetLength(_handle);

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        // A regular file returns less than asked only at its end; read on until then, as FileStream does.
        var total = 0;
        while (total < buffer.Length)
        {
            var read = RandomAccess.Read(_handle, buffer[total..], _position + total);
            if (read == 0) break;
            total += read;
        }

        _position += total;
        return total;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        RandomAccess.Write(_handle, buffer, _position);
        _position += buffer.Length;
        lock (_gate)
        {
            if (_position > _written)
            {
                Volatile.Write(ref _written, _position);
                if (_written >= _awaited) Monitor.PulseAll(_gate);
            }
        }
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    public override void SetLength(long value)
    {
        RandomAccess.SetLength(_handle, value);
        lock (_gate)
        {
            Volatile.Write(ref _written, value);
            Monitor.PulseAll(_gate);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _handle.Dispose();
        base.Dispose(disposing);
    }
}
