using System.Globalization;

namespace IvrEngine.Hosting;

/// <summary>The process's open-file limit (the soft RLIMIT_NOFILE), read from <c>/proc/self/limits</c> on Linux; null
/// elsewhere or when unlimited or unreadable.</summary>
internal static class DescriptorLimit
{
    public static long? Current => OperatingSystem.IsLinux() ? Read("/proc/self/limits") : null;

    internal static long? Read(string path)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                // "Max open files            2048                 2048                 files"
                if (!line.StartsWith("Max open files", StringComparison.Ordinal)) continue;
                var words = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return words.Length > 0 && long.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var soft) ? soft : null;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Unknown: no cap from it.
        }

        return null;
    }
}
