using System.Text;
using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Loading;

/// <summary>Reads flow files (a folder, one file, or texts), reads each into a flow, checks the set, and gives the
/// set only when nothing at all is wrong.</summary>
internal static class FlowLoader
{
    /// <summary>Largest flow file read (1 MB): a real flow is a few kilobytes.</summary>
    public const int MaxFileBytes = 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static FlowLoadResult Load(string fileOrFolder, FlowLoadOptions options)
    {
        var diagnostics = new List<FlowDiagnostic>();
        var sources = new List<FlowSource>();
        var unreadable = false;
        string? onlyFile = null;
        if (Directory.Exists(fileOrFolder))
        {
            List<string> files;
            try
            {
                files = [.. Directory.EnumerateFiles(fileOrFolder)
                    .Where(IsFlowFile)
                    .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)];
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                diagnostics.Add(new FlowDiagnostic(new SourceSpan(fileOrFolder, 0, 0), $"cannot list the folder: {ex.Message}"));
                return new FlowLoadResult(null, diagnostics);
            }

            if (files.Count == 0)
            {
                diagnostics.Add(new FlowDiagnostic(new SourceSpan(fileOrFolder, 0, 0), "no flow files (*.yaml, *.yml) in this folder"));
            }

            foreach (var file in files)
            {
                if (ReadFile(file, diagnostics) is { } source)
                {
                    sources.Add(source);
                }
                else
                {
                    unreadable = true;
                }
            }
        }
        else if (File.Exists(fileOrFolder))
        {
            onlyFile = fileOrFolder;
            if (ReadFile(fileOrFolder, diagnostics) is { } source)
            {
                sources.Add(source);
            }
        }
        else
        {
            diagnostics.Add(new FlowDiagnostic(new SourceSpan(fileOrFolder, 0, 0), "no such file or folder"));
        }

        return Build(sources, unreadable, onlyFile, options, diagnostics);
    }

    public static FlowLoadResult FromText(IReadOnlyDictionary<string, string> files, string baseDirectory, FlowLoadOptions options)
    {
        var diagnostics = new List<FlowDiagnostic>();
        var sources = new List<FlowSource>();
        var unreadable = false;
        foreach (var (name, text) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (text.Length > MaxFileBytes || Encoding.UTF8.GetByteCount(text) > MaxFileBytes)
            {
                diagnostics.Add(TooLarge(name, Encoding.UTF8.GetByteCount(text)));
                unreadable = true;
                continue;
            }

            sources.Add(new FlowSource(name, text.StartsWith('\uFEFF') ? text[1..] : text, DirectoryOf(name, baseDirectory)));
        }

        return Build(sources, unreadable, null, options, diagnostics);
    }

    /// <summary>*.yaml and *.yml, but not hidden files (editors' lock and swap files start with a dot).</summary>
    private static bool IsFlowFile(string path)
    {
        var name = Path.GetFileName(path);
        return !name.StartsWith('.')
            && (name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase));
    }

    private static string DirectoryOf(string name, string baseDirectory)
    {
        try
        {
            return Path.GetDirectoryName(Path.GetFullPath(Path.Combine(baseDirectory, name))) ?? Path.GetFullPath(baseDirectory);
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return baseDirectory;
        }
    }

    private static FlowDiagnostic TooLarge(string file, long bytes) =>
        new(new SourceSpan(file, 1, 1), $"the file is larger than 1 MB ({bytes} bytes): flow files are refused past that");

    /// <summary>The file as UTF-8 text, or null (reported): too large, unreadable, UTF-16 or not UTF-8.</summary>
    private static FlowSource? ReadFile(string path, List<FlowDiagnostic> diagnostics)
    {
        byte[] bytes;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.CanSeek && stream.Length > MaxFileBytes)
            {
                diagnostics.Add(TooLarge(path, stream.Length));
                return null;
            }

            var buffer = new byte[MaxFileBytes + 1];
            var read = 0;
            int got;
            while (read < buffer.Length && (got = stream.Read(buffer, read, buffer.Length - read)) > 0)
            {
                read += got;
            }

            if (read > MaxFileBytes)
            {
                diagnostics.Add(TooLarge(path, read));
                return null;
            }

            bytes = buffer[..read];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            diagnostics.Add(new FlowDiagnostic(new SourceSpan(path, 0, 0), $"cannot read the file: {ex.Message}"));
            return null;
        }

        if (bytes is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..])
        {
            diagnostics.Add(new FlowDiagnostic(new SourceSpan(path, 1, 1), "the file is UTF-16 text: save it as UTF-8"));
            return null;
        }

        var start = bytes is [0xEF, 0xBB, 0xBF, ..] ? 3 : 0;
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes, start, bytes.Length - start);
        }
        catch (DecoderFallbackException ex)
        {
            var at = start + Math.Max(0, ex.Index);
            diagnostics.Add(new FlowDiagnostic(PositionOfByte(path, bytes, start, at), $"the file is not UTF-8 text (byte 0x{bytes[Math.Min(at, bytes.Length - 1)]:X2}): save it as UTF-8"));
            return null;
        }

        string directory;
        try
        {
            directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            directory = ".";
        }

        return new FlowSource(path, text, directory);
    }

    /// <summary>Line and column of a byte: lines counted by LF, columns in characters of the valid text before it.</summary>
    private static SourceSpan PositionOfByte(string file, byte[] bytes, int start, int at)
    {
        var lineStart = start;
        var line = 1;
        for (var i = start; i < at && i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        var column = 1 + Encoding.UTF8.GetCharCount(bytes, lineStart, Math.Max(0, Math.Min(at, bytes.Length) - lineStart));
        return new SourceSpan(file, line, column);
    }

    private static FlowLoadResult Build(List<FlowSource> sources, bool unreadable, string? onlyFile, FlowLoadOptions options, List<FlowDiagnostic> diagnostics)
    {
        var expressions = new ExpressionChecker();
        var flows = new List<ParsedFlow>();
        foreach (var source in sources)
        {
            var flow = FlowYamlReader.Read(source, expressions, diagnostics);
            if (flow is null || flow.Name is null)
            {
                unreadable = true;
            }

            if (flow is not null)
            {
                flows.Add(flow);
            }
        }

        FlowValidator.Validate(flows, unreadable, onlyFile, options, diagnostics);

        var fileOrder = sources.Select((s, i) => (s.File, i)).GroupBy(x => x.File, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        var sorted = diagnostics
            .OrderBy(d => fileOrder.GetValueOrDefault(d.Span.File, -1))
            .ThenBy(d => d.Span.Line)
            .ThenBy(d => d.Span.Column)
            .ToList();
        return sorted.Count == 0
            ? new FlowLoadResult(new FlowSet([.. flows.Select(f => f.ToDefinition())], options.UnboundedValueBytes), sorted)
            : new FlowLoadResult(null, sorted);
    }
}
