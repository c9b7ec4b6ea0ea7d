using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace IvrEngine.Tests.Support;

/// <summary>One record of a FreeSWITCH event-socket transcript: the bytes of one direction, or a NOTE.</summary>
internal sealed record CaptureRecord(int Sequence, double Seconds, string Direction, byte[] Data, string? Note)
{
    private Dictionary<string, string>? _headers;

    public bool IsNote => Direction == "NOTE";

    public string Text => Encoding.UTF8.GetString(Data);

    /// <summary>The outer Content-Type of a FreeSWITCH message ("" for a NOTE or a command).</summary>
    public string ContentType => Outer().GetValueOrDefault("Content-Type", string.Empty);

    public bool IsReply => ContentType is "command/reply" or "api/response";

    public bool IsEvent => ContentType is "text/event-plain" or "text/event-json";

    public bool IsDisconnectNotice => ContentType == "text/disconnect-notice";

    /// <summary>What follows the outer header block (an api/response's text, an event's own block).</summary>
    public string Body
    {
        get
        {
            var text = Text;
            var end = text.IndexOf("\n\n", StringComparison.Ordinal);
            return end < 0 ? string.Empty : text[(end + 2)..];
        }
    }

    /// <summary>The raw Reply-Text header of a command/reply.</summary>
    public string? ReplyText => Outer().GetValueOrDefault("Reply-Text");

    public string? EventName => Header("Event-Name");

    /// <summary>A header, read independently of the engine's parser: of the event for an event (URL-decoded for
    /// plain events, a JSON member for JSON events), else of the outer block (raw).</summary>
    public string? Header(string name) => (_headers ??= ParseHeaders()).GetValueOrDefault(name);

    private Dictionary<string, string> Outer()
    {
        var text = Text;
        var end = text.IndexOf("\n\n", StringComparison.Ordinal);
        return Block(end < 0 ? text : text[..end], decode: false);
    }

    private Dictionary<string, string> ParseHeaders()
    {
        var outer = Outer();
        var text = Text;
        var body = text[(text.IndexOf("\n\n", StringComparison.Ordinal) + 2)..];
        switch (outer.GetValueOrDefault("Content-Type"))
        {
            case "text/event-plain":
                var end = body.IndexOf("\n\n", StringComparison.Ordinal);
                return Block(end < 0 ? body : body[..end], decode: true);
            case "text/event-json":
                using (var json = System.Text.Json.JsonDocument.Parse(body))
                {
                    return json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString(), StringComparer.Ordinal);
                }

            default:
                return outer;
        }
    }

    private static Dictionary<string, string> Block(string block, bool decode)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in block.Split('\n'))
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0) headers.TryAdd(line[..colon], decode ? Uri.UnescapeDataString(line[(colon + 2)..]) : line[(colon + 2)..]);
        }

        return headers;
    }
}

/// <summary>A parsed transcript file. Tests pick records by what they hold ("the first CHANNEL_PARK", "the reply to
/// getvar caller_id_name"), never by sequence number, so that a new recording does not break them.</summary>
internal sealed class Transcript(string name, IReadOnlyList<string> header, IReadOnlyList<CaptureRecord> records)
{
    public string Name { get; } = name;

    /// <summary>The leading '#' lines.</summary>
    public IReadOnlyList<string> Header { get; } = header;

    public IReadOnlyList<CaptureRecord> Records { get; } = records;

    public IEnumerable<CaptureRecord> From(string direction) => Records.Where(r => r.Direction == direction);

    /// <summary>The concatenated bytes of one direction: the exact stream that crossed the socket(s).</summary>
    public byte[] Stream(string direction) => From(direction).SelectMany(r => r.Data).ToArray();

    /// <summary>The data of record number <paramref name="sequence"/> (for the format's own tests).</summary>
    public byte[] Record(int sequence) => Records.Single(r => r.Sequence == sequence).Data;

    /// <summary>The first record of <paramref name="direction"/> that matches; fails the test when there is none.</summary>
    public CaptureRecord First(string direction, Func<CaptureRecord, bool> match, string what) =>
        From(direction).FirstOrDefault(match) ?? throw new InvalidOperationException($"{Name}: no {direction} record is {what}.");

    /// <summary>The first command written to FreeSWITCH (APP->FS unless told) that starts with <paramref name="start"/>.</summary>
    public CaptureRecord Command(string start, string direction = CaptureFiles.AppToFs) =>
        First(direction, r => r.Text.StartsWith(start, StringComparison.Ordinal), $"a command starting with \"{start.ReplaceLineEndings("\\n")}\"");

    /// <summary>The first event called <paramref name="eventName"/> (FS->APP unless told), optionally of one application.</summary>
    public CaptureRecord Event(string eventName, string? application = null, string direction = CaptureFiles.FsToApp) =>
        First(direction, r => r.IsEvent && r.EventName == eventName && (application is null || r.Header("Application") == application),
            $"a {eventName}{(application is null ? string.Empty : " of " + application)} event");

    /// <summary>The events called <paramref name="eventName"/> (FS->APP unless told), in order.</summary>
    public IReadOnlyList<CaptureRecord> Events(string eventName, string direction = CaptureFiles.FsToApp) =>
        From(direction).Where(r => r.IsEvent && r.EventName == eventName).ToList();

    /// <summary>The record of the same direction as <paramref name="record"/> that follows it.</summary>
    public CaptureRecord Next(CaptureRecord record) =>
        Records.SkipWhile(r => !ReferenceEquals(r, record)).Skip(1).FirstOrDefault(r => r.Direction == record.Direction)
        ?? throw new InvalidOperationException($"{Name}: nothing follows record {record.Sequence} on {record.Direction}.");

    /// <summary>The records of <paramref name="direction"/> after <paramref name="record"/>, in order.</summary>
    public IEnumerable<CaptureRecord> After(CaptureRecord record, string direction) =>
        Records.SkipWhile(r => !ReferenceEquals(r, record)).Skip(1).Where(r => r.Direction == direction);

    /// <summary>The reply (command/reply or api/response) to a command: FreeSWITCH answers the commands of one
    /// connection in order, so the n-th command written gets the n-th reply (in the transcripts where each command
    /// gets one, e.g. not a command sent before connect).</summary>
    public CaptureRecord ReplyTo(CaptureRecord command)
    {
        var replies = command.Direction switch
        {
            CaptureFiles.AppToFs => CaptureFiles.FsToApp,
            CaptureFiles.CtlToFs => CaptureFiles.FsToCtl,
            _ => throw new ArgumentException($"record {command.Sequence} is not a command", nameof(command)),
        };
        var index = From(command.Direction).TakeWhile(r => !ReferenceEquals(r, command)).Count();
        return From(replies).Where(r => r.IsReply).ElementAtOrDefault(index)
               ?? throw new InvalidOperationException($"{Name}: command {command.Sequence} has no reply.");
    }
}

/// <summary>Loads and parses the project's FreeSWITCH transcripts (IvrEngine.Tests/Transcripts, copied next to the
/// test binaries; recorded from a real FreeSWITCH, see that folder's README.md).</summary>
internal static partial class CaptureFiles
{
    public const string FsToApp = "FS->APP";
    public const string AppToFs = "APP->FS";
    public const string FsToCtl = "FS->CTL";
    public const string CtlToFs = "CTL->FS";

    /// <summary>The folder holding the transcripts: Transcripts/ next to the test binaries.</summary>
    public static string Directory { get; } = Path.Combine(AppContext.BaseDirectory, "Transcripts");

    /// <summary>Every transcript file name (NAME.txt), sorted.</summary>
    public static IReadOnlyList<string> Names() =>
        System.IO.Directory.GetFiles(Directory, "*.txt").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    public static Transcript Load(string fileName) => Parse(fileName, File.ReadAllBytes(Path.Combine(Directory, fileName)));

    /// <summary>Parses the transcript format: '#' lines, then '### SEQ t=+S DIR N bytes' + N bytes + '\n', or a NOTE line.</summary>
    public static Transcript Parse(string name, byte[] file)
    {
        var header = new List<string>();
        var records = new List<CaptureRecord>();
        var pos = 0;
        while (pos < file.Length)
        {
            var nl = Array.IndexOf(file, (byte)'\n', pos);
            if (nl < 0) throw new FormatException($"{name}: unterminated line at byte {pos}.");
            var line = Encoding.UTF8.GetString(file, pos, nl - pos);
            pos = nl + 1;

            var marker = MarkerLine().Match(line);
            if (!marker.Success)
            {
                if (records.Count == 0 && line.StartsWith('#'))
                {
                    header.Add(line);
                    continue;
                }

                throw new FormatException($"{name}: expected a record marker, found \"{line}\".");
            }

            var sequence = int.Parse(marker.Groups["seq"].Value, CultureInfo.InvariantCulture);
            var seconds = double.Parse(marker.Groups["t"].Value, CultureInfo.InvariantCulture);
            var direction = marker.Groups["dir"].Value;
            if (direction == "NOTE")
            {
                records.Add(new CaptureRecord(sequence, seconds, direction, [], marker.Groups["rest"].Value.Trim()));
                continue;
            }

            if (!marker.Groups["n"].Success) throw new FormatException($"{name}: record {sequence} has no byte count.");
            var length = int.Parse(marker.Groups["n"].Value, CultureInfo.InvariantCulture);
            if (pos + length >= file.Length || file[pos + length] != (byte)'\n')
            {
                throw new FormatException($"{name}: record {sequence} is not followed by its separator newline.");
            }

            records.Add(new CaptureRecord(sequence, seconds, direction, file.AsSpan(pos, length).ToArray(), null));
            pos += length + 1;
        }

        return new Transcript(name, header, records);
    }

    [GeneratedRegex(@"^### (?<seq>\d+) t=\+(?<t>[0-9.]+) (?<dir>\S+)(?: (?<n>\d+) bytes)?(?<rest>.*)$")]
    private static partial Regex MarkerLine();
}
