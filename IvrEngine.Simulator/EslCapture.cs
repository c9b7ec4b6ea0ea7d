using System.Globalization;
using System.Text;

namespace IvrEngine.Simulator;

/// <summary>One record of an event-socket capture: wire bytes in one direction, or a NOTE annotation.</summary>
/// <param name="Sequence">The record's sequence number from its marker line.</param>
/// <param name="Seconds">Seconds since the capture started.</param>
/// <param name="Direction">"FS->APP", "APP->FS", "FS->CTL", "CTL->FS" or "NOTE".</param>
/// <param name="Data">The raw bytes (empty for a NOTE).</param>
/// <param name="Note">The annotation text of a NOTE record, otherwise null.</param>
public sealed record EslCaptureRecord(int Sequence, double Seconds, string Direction, ReadOnlyMemory<byte> Data, string? Note);

/// <summary>
/// Reads a capture transcript: leading '#' comment lines, then records made of a marker line
/// <c>### &lt;seq&gt; t=+&lt;seconds&gt; &lt;DIR&gt; &lt;N&gt; bytes</c>, exactly N raw bytes and one extra '\n'.
/// NOTE markers carry their text on the marker line and have no byte count.
/// </summary>
public sealed class EslCapture
{
    private EslCapture(IReadOnlyList<string> comments, IReadOnlyList<EslCaptureRecord> records)
    {
        HeaderComments = comments;
        Records = records;
    }

    /// <summary>The leading '#' lines, without the '#' prefix and trailing newline.</summary>
    public IReadOnlyList<string> HeaderComments { get; }

    /// <summary>All records in file order.</summary>
    public IReadOnlyList<EslCaptureRecord> Records { get; }

    /// <summary>Loads and parses a capture file.</summary>
    /// <exception cref="FormatException">The file is malformed; the message names the line.</exception>
    public static EslCapture Load(string path) => Parse(File.ReadAllBytes(path), path);

    /// <summary>Parses capture bytes; <paramref name="name"/> is used in error messages.</summary>
    public static EslCapture Parse(ReadOnlyMemory<byte> bytes, string name = "capture")
    {
        var data = bytes.Span;
        var comments = new List<string>();
        var records = new List<EslCaptureRecord>();
        int pos = 0;
        int line = 1;
        bool inHeader = true;
        while (pos < data.Length)
        {
            int nl = data[pos..].IndexOf((byte)'\n');
            int end = nl < 0 ? data.Length : pos + nl;
            string text = Encoding.UTF8.GetString(data[pos..end]);
            int next = nl < 0 ? data.Length : end + 1;
            if (inHeader && text.StartsWith('#') && !text.StartsWith("### ", StringComparison.Ordinal))
            {
                comments.Add(text.Length > 1 && text[1] == ' ' ? text[2..] : text[1..]);
                pos = next;
                line++;
                continue;
            }

            inHeader = false;
            if (text.Length == 0 && next >= data.Length)
            {
                break;
            }

            if (!text.StartsWith("### ", StringComparison.Ordinal))
            {
                throw new FormatException($"{name}: line {line}: expected a '### <seq> t=+<seconds> <DIR> ...' marker, found '{Trim(text)}'.");
            }

            var parts = text.Split(' ', 5);
            if (parts.Length < 4
                || !int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int seq)
                || !parts[2].StartsWith("t=+", StringComparison.Ordinal)
                || !double.TryParse(parts[2].AsSpan(3), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
            {
                throw new FormatException($"{name}: line {line}: malformed marker '{Trim(text)}'.");
            }

            string dir = parts[3];
            if (dir == "NOTE")
            {
                records.Add(new EslCaptureRecord(seq, seconds, dir, ReadOnlyMemory<byte>.Empty, parts.Length > 4 ? parts[4] : string.Empty));
                pos = next;
                line++;
                continue;
            }

            var rest = parts.Length > 4 ? parts[4].Split(' ') : [];
            if (rest.Length != 2 || rest[1] != "bytes" || !int.TryParse(rest[0], NumberStyles.None, CultureInfo.InvariantCulture, out int count))
            {
                throw new FormatException($"{name}: line {line}: marker '{Trim(text)}' lacks '<N> bytes'.");
            }

            if (next + count >= data.Length + 1 || next + count > data.Length)
            {
                throw new FormatException($"{name}: line {line}: record {seq} declares {count} bytes but the file ends first.");
            }

            var payload = bytes.Slice(next, count);
            if (next + count < data.Length && data[next + count] != (byte)'\n')
            {
                throw new FormatException($"{name}: line {line}: record {seq} is not followed by the separator newline after {count} bytes.");
            }

            line += 1 + payload.Span.Count((byte)'\n') + 1;
            records.Add(new EslCaptureRecord(seq, seconds, dir, payload, null));
            pos = next + count + 1;
        }

        return new EslCapture(comments, records);
    }

    /// <summary>The concatenated bytes of every record of one direction (for example "FS->APP").</summary>
    public byte[] StreamOf(string direction)
    {
        var ms = new MemoryStream();
        foreach (var r in Records)
        {
            if (r.Direction == direction)
            {
                ms.Write(r.Data.Span);
            }
        }

        return ms.ToArray();
    }

    private static string Trim(string s) => s.Length > 80 ? s[..80] + "..." : s;
}
