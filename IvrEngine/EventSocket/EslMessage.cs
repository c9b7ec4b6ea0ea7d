using System.Buffers;

namespace IvrEngine.EventSocket;

/// <summary>One frame as it came off the wire: a header block and an optional body of exactly Content-Length bytes.
/// Nothing is decoded until asked for.</summary>
/// <remarks>A message handed out by the read loop may live in a pooled buffer that is reused once dispatch is over;
/// <see cref="Detach"/> gives a copy that lives as long as it is referenced. Messages that reach user code through
/// <see cref="EslConnection.Events"/> or a command's result are always detached.</remarks>
public sealed class EslMessage
{
    private byte[]? _buffer;
    private readonly int _length;
    private readonly int _headerLength;
    private readonly bool _pooled;

    internal EslMessage(byte[] buffer, int length, int headerLength, EslContentType contentType, bool pooled)
    {
        _buffer = buffer;
        _length = length;
        _headerLength = headerLength;
        ContentType = contentType;
        _pooled = pooled;
    }

    /// <summary>The frame's content type.</summary>
    public EslContentType ContentType { get; }

    /// <summary>Total bytes of the frame on the wire.</summary>
    public int Length => _length;

    /// <summary>The header block, blank line included.</summary>
    public ReadOnlySpan<byte> HeaderBlock => Buffer.AsSpan(0, _headerLength);

    /// <summary>The body (Content-Length bytes; empty when there is none).</summary>
    public ReadOnlySpan<byte> Body => Buffer.AsSpan(_headerLength, _length - _headerLength);

    internal ReadOnlyMemory<byte> BodyMemory => Buffer.AsMemory(_headerLength, _length - _headerLength);

    /// <summary>A header of the outer block, as sent (command/reply and api/response headers are not URL-encoded).</summary>
    public string? GetHeader(string name)
    {
        return EslText.TryFindHeader(HeaderBlock, name, out var raw) ? EslText.Utf8String(raw) : null;
    }

    internal bool TryGetHeaderRaw(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) =>
        EslText.TryFindHeader(HeaderBlock, name, out value);

    /// <summary>The body as UTF-8 text.</summary>
    public string BodyText => EslText.Utf8String(Body);

    /// <summary>True while the bytes are readable (a pooled message stops being readable once its dispatch is over).</summary>
    public bool IsReadable => _buffer is not null;

    /// <summary>A copy that owns its bytes; the message itself when it already does.</summary>
    public EslMessage Detach()
    {
        if (!_pooled) return this;
        var copy = Buffer.AsSpan(0, _length).ToArray();
        return new EslMessage(copy, _length, _headerLength, ContentType, pooled: false);
    }

    /// <summary>Gives a pooled buffer back. Reading afterwards throws rather than returning another frame's bytes.</summary>
    internal void Release()
    {
        if (!_pooled) return;
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
    }

    private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(
        nameof(EslMessage), "This frame's pooled buffer was reused after dispatch; call Detach() during dispatch to keep it.");

    /// <inheritdoc />
    public override string ToString() => IsReadable
        ? $"{ContentType} ({_length} bytes)"
        : $"{ContentType} (released)";
}
