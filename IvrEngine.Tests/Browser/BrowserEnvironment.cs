namespace IvrEngine.Tests.Browser;

/// <summary>Where the browser tests find Chromium and keep their screenshots. Playwright drives the system's Chromium
/// (Debian's <c>chromium</c> package) and never downloads a browser of its own. Knows nothing of xunit.</summary>
internal static class BrowserEnvironment
{
    /// <summary>The environment variable naming the Chromium binary (else /usr/bin/chromium, else chromium on the PATH).</summary>
    public const string ChromiumVariable = "IVR_CHROMIUM";

    /// <summary>The environment variable naming the folder that keeps screenshots of failed tests (shared with the
    /// real-FreeSWITCH kit).</summary>
    public const string ArtifactsVariable = "IVR_TEST_ARTIFACTS";

    private static readonly Lazy<string?> s_chromium = new(FindChromium);
    private static readonly Lazy<string?> s_missing = new(FindMissing);

    /// <summary>The Chromium binary, or null when none is found.</summary>
    public static string? Chromium => s_chromium.Value;

    /// <summary>Null when the browser tests can run; else the one message each of them is skipped with.</summary>
    public static string? Missing => s_missing.Value;

    /// <summary>Chromium's sandbox refuses to start as root (containers, CI): then it runs with --no-sandbox.</summary>
    public static bool RunningAsRoot => Environment.IsPrivilegedProcess;

    /// <summary>The folder that keeps screenshots: <c>IVR_TEST_ARTIFACTS</c>/browser, else browser-artifacts beside
    /// the test assembly.</summary>
    public static string ArtifactsFolder =>
        Environment.GetEnvironmentVariable(ArtifactsVariable) is { Length: > 0 } a
            ? Path.Combine(a, "browser")
            : Path.Combine(AppContext.BaseDirectory, "browser-artifacts");

    /// <summary>Where the docs' screenshots go (created): docs/screenshots with <c>IVR_DOCS_SCREENSHOTS=1</c>, else the
    /// screenshots folder of <see cref="ArtifactsFolder"/>, so an ordinary run takes them and leaves the docs alone.</summary>
    public static string ScreenshotFolder()
    {
        var folder = Environment.GetEnvironmentVariable("IVR_DOCS_SCREENSHOTS") == "1"
            ? Path.Combine(RealFreeSwitch.RealFreeSwitchEnvironment.RepositoryRoot(), "docs", "screenshots")
            : Path.Combine(ArtifactsFolder, "screenshots");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Playwright's driver (node and its package), copied beside the test assembly by the NuGet package.</summary>
    public static string DriverFolder => Path.Combine(AppContext.BaseDirectory, ".playwright");

    private static string? FindChromium()
    {
        if (Environment.GetEnvironmentVariable(ChromiumVariable) is { Length: > 0 } configured)
            return File.Exists(configured) ? configured : null;
        foreach (var candidate in new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" })
        {
            if (File.Exists(candidate)) return candidate;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            foreach (var name in new[] { "chromium", "chromium-browser" })
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        }

        return null;
    }

    private static string? FindMissing()
    {
        var missing = new List<string>();
        if (Chromium is null)
        {
            var configured = Environment.GetEnvironmentVariable(ChromiumVariable);
            missing.Add(configured is { Length: > 0 }
                ? $"Chromium ({ChromiumVariable}={configured} does not exist; install Chromium with `apt-get install chromium` or point {ChromiumVariable} at its binary)"
                : $"Chromium (not at /usr/bin/chromium nor on the PATH; install it with `apt-get install chromium`, or set {ChromiumVariable} to its binary)");
        }

        if (!Directory.Exists(DriverFolder))
            missing.Add($"Playwright's driver ({DriverFolder} not found; it comes with the Microsoft.Playwright package: rebuild the tests)");
        if (missing.Count == 0) return null;
        return "Browser tests skipped: " + string.Join(" and ", missing) + " missing. Playwright never downloads a browser "
             + "here: it drives the system's Chromium.";
    }
}
