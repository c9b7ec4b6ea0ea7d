using System.Globalization;
using System.Text;
using System.Text.Json;

namespace IvrEngine.Benchmarks;

/// <summary>A toy parser for comparison: what a straightforward ESL client does. Every frame becomes strings, every
/// event a <c>Dictionary&lt;string,string&gt;</c> of all its headers, URL-decoded.</summary>
internal sealed class NaiveParser(byte[] stream, byte[] uuid)
{
    private readonly string _uuid = Encoding.UTF8.GetString(uuid);

    public Counts Pass()
    {
        var counts = default(Counts);
        var pos = 0;
        while (pos < stream.Length)
        {
            while (pos < stream.Length && stream[pos] == (byte)'\n') pos++;
            if (pos >= stream.Length) break;
            var end = stream.AsSpan(pos).IndexOf("\n\n"u8);
            if (end < 0) break;
            var outer = ParseBlock(Encoding.UTF8.GetString(stream, pos, end + 1), urlDecode: false);
            var length = outer.TryGetValue("Content-Length", out var cl) ? int.Parse(cl, CultureInfo.InvariantCulture) : 0;
            var body = Encoding.UTF8.GetString(stream, pos + end + 2, length);
            pos += end + 2 + length;
            counts.Frames++;

            var type = outer.GetValueOrDefault("Content-Type");
            Dictionary<string, string> headers;
            if (type == "text/event-plain")
            {
                var inner = body.IndexOf("\n\n", StringComparison.Ordinal);
                headers = ParseBlock(inner < 0 ? body : body[..inner], urlDecode: true);
            }
            else if (type == "text/event-json")
            {
                headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                using var doc = JsonDocument.Parse(body);
                foreach (var p in doc.RootElement.EnumerateObject())
                {
                    headers[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText();
                }
            }
            else
            {
                continue;
            }

            counts.Events++;
            var name = headers.GetValueOrDefault("Event-Name");
            if (headers.GetValueOrDefault("Unique-ID") == _uuid) counts.OwnCall++;
            if (name == "CHANNEL_EXECUTE_COMPLETE")
            {
                counts.ExecuteCompletes++;
                counts.Check += headers.GetValueOrDefault("Application-UUID")?.Length ?? 0;
            }
        }

        counts.Trailing = stream.Length - pos;
        return counts;
    }

    private static Dictionary<string, string> ParseBlock(string block, bool urlDecode)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in block.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) continue;
            var value = line[(colon + 1)..].Trim();
            headers[line[..colon]] = urlDecode ? Uri.UnescapeDataString(value) : value;
        }

        return headers;
    }
}
