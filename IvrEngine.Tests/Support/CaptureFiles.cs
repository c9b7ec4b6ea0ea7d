using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace IvrEngine.Tests.Support;

/// <summary>One record of a FreeSWITCH event-socket transcript: the bytes of one direction, or a NOTE.</summary>
internal sealed record CaptureRecord(int Sequence, double Seconds, string Direction, byte[] Data, string? Note)
{
    public bool IsNote => Direction == "NOTE";

    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>A parsed transcript file.</summary>
internal sealed class Transcript(string name, IReadOnlyList<string> header, IReadOnlyList<CaptureRecord> records)
{
    public string Name { get; } = name;

    /// <summary>The leading '#' lines.</summary>
    public IReadOnlyList<string> Header { get; } = header;

    public IReadOnlyList<CaptureRecord> Records { get; } = records;

    public IEnumerable<CaptureRecord> From(string direction) => Records.Where(r => r.Direction == direction);

    /// <summary>The concatenated bytes of one direction: the exact stream that crossed the socket(s).</summary>
    public byte[] Stream(string direction) => From(direction).SelectMany(r => r.Data).ToArray();

    /// <summary>The data of record number <paramref name="sequence"/>.</summary>
    public byte[] Record(int sequence) => Records.Single(r => r.Sequence == sequence).Data;
}

/// <summary>Finds and parses the real FreeSWITCH transcripts kept next to the repository (shared/esl-captures).</summary>
internal static partial class CaptureFiles
{
    public const string FsToApp = "FS->APP";
    public const string AppToFs = "APP->FS";
    public const string FsToCtl = "FS->CTL";
    public const string CtlToFs = "CTL->FS";

    private static readonly Lazy<string> s_directory = new(Locate);

    /// <summary>The folder holding the transcripts; found by walking up from the test binaries.</summary>
    public static string Directory => s_directory.Value;

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

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "esl-captures");
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }

        throw new DirectoryNotFoundException(
            "shared/esl-captures was not found in any folder above " + AppContext.BaseDirectory + "; the transcripts are required.");
    }

    [GeneratedRegex(@"^### (?<seq>\d+) t=\+(?<t>[0-9.]+) (?<dir>\S+)(?: (?<n>\d+) bytes)?(?<rest>.*)$")]
    private static partial Regex MarkerLine();
}
