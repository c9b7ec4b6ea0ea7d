using System.Net;
using System.Net.Sockets;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>Where the real FreeSWITCH and the baresip phone are installed, where their logs go, and free ports. Knows
/// nothing of xunit, so the benchmarks can use it too.</summary>
internal static class RealFreeSwitchEnvironment
{
    /// <summary>The environment variable naming FreeSWITCH's install prefix (bin/freeswitch under it).</summary>
    public const string PrefixVariable = "IVR_FREESWITCH_PREFIX";

    /// <summary>The environment variable naming the folder that keeps FreeSWITCH's logs of each test.</summary>
    public const string ArtifactsVariable = "IVR_TEST_ARTIFACTS";

    private static readonly Lazy<string?> s_missing = new(FindMissing);

    /// <summary>FreeSWITCH's install prefix: <c>IVR_FREESWITCH_PREFIX</c>, else /opt/freeswitch.</summary>
    public static string Prefix => Environment.GetEnvironmentVariable(PrefixVariable) is { Length: > 0 } p ? p : "/opt/freeswitch";

    public static string FreeSwitchBinary => Path.Combine(Prefix, "bin", "freeswitch");

    /// <summary>The baresip binary found on the PATH, or null.</summary>
    public static string? Baresip => FindOnPath("baresip");

    /// <summary>baresip's module folder, beside its binary (lib/baresip/modules, or the multiarch lib folder).</summary>
    public static string BaresipModules
    {
        get
        {
            var usr = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Baresip ?? "/usr/bin/baresip")!, ".."));
            var candidates = new[] { Path.Combine(usr, "lib", "baresip", "modules") }
                .Concat(Directory.Exists(Path.Combine(usr, "lib"))
                    ? Directory.GetDirectories(Path.Combine(usr, "lib")).Select(d => Path.Combine(d, "baresip", "modules"))
                    : []);
            return candidates.FirstOrDefault(Directory.Exists) ?? candidates.First();
        }
    }

    /// <summary>Null when both are installed; else the one message every real-FreeSWITCH test is skipped with.</summary>
    public static string? Missing => s_missing.Value;

    /// <summary>The folder that keeps each test's FreeSWITCH log (and the phones' and engine's output).</summary>
    public static string ArtifactsFolder =>
        Environment.GetEnvironmentVariable(ArtifactsVariable) is { Length: > 0 } a ? a : Path.Combine(AppContext.BaseDirectory, "freeswitch-logs");

    private static string? FindMissing()
    {
        var missing = new List<string>();
        if (!File.Exists(FreeSwitchBinary)) missing.Add($"FreeSWITCH ({FreeSwitchBinary} not found; set {PrefixVariable} to its install prefix)");
        if (Baresip is null) missing.Add("baresip (not on the PATH; Debian package baresip-core)");
        if (missing.Count == 0) return null;
        return "Real-FreeSWITCH tests skipped: " + string.Join(" and ", missing) + " missing. Install them with the prebuilt "
             + "FreeSWITCH 1.10.12 package kept beside the repository (../shared/freeswitch/install.sh --with-baresip, as .ci/run "
             + "does) or build FreeSWITCH 1.10 with the modules in docs/freeswitch.md; see README.md.";
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            if (dir.Length == 0) continue;
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }

        return null;
    }

    /// <summary>The folder holding IvrEngine.sln, found upwards from the test assembly.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "IvrEngine.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException($"no IvrEngine.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>A loopback port that is free for TCP and UDP at once (SIP listens on both).</summary>
    public static int FreePort()
    {
        for (var attempt = 0; ; attempt++)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            try
            {
                using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException) when (attempt < 50)
            {
                // Taken for UDP: try another.
            }
        }
    }

    /// <summary>A loopback port free for TCP and UDP whose next port is free for TCP too: baresip listens for SIP on
    /// sip_listen's port (UDP and TCP) and on the next one (TLS), and 1.0 has no setting to leave TLS out.</summary>
    public static int FreePortAndNext()
    {
        for (var attempt = 0; ; attempt++)
        {
            var port = FreePort();
            if (port >= IPEndPoint.MaxPort) continue;
            try
            {
                using var next = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                next.Bind(new IPEndPoint(IPAddress.Loopback, port + 1));
                return port;
            }
            catch (SocketException) when (attempt < 50)
            {
                // The next one is taken: try another.
            }
        }
    }

    /// <summary>FreeSWITCH's RTP ports come from 20000-29999, the phones' from 30000-39999, each block after the one
    /// before (from a random start): a phone's RTP port can never be one FreeSWITCH picks for a call (seen: baresip
    /// bound 31908 first, FreeSWITCH's agent leg failed "Bind Error! 127.0.0.1:31908" -> INCOMPATIBLE_DESTINATION).</summary>
    private static int s_freeSwitchBlock = Random.Shared.Next(0, 1000);

    private static int s_phoneBlock = Random.Shared.Next(0, 1000);

    /// <summary>A block of <paramref name="count"/> even-aligned UDP ports for FreeSWITCH's RTP, away from the
    /// ephemeral range and from the phones' (<see cref="PhoneRtpRange"/>).</summary>
    public static (int Start, int End) RtpRange(int count = 400) => Block(20000, ref s_freeSwitchBlock, count);

    /// <summary>A block of <paramref name="count"/> UDP ports for a SIP phone's RTP, never overlapping FreeSWITCH's.</summary>
    public static (int Start, int End) PhoneRtpRange(int count = 200) => Block(30000, ref s_phoneBlock, count);

    private static (int Start, int End) Block(int zone, ref int counter, int count)
    {
        var blocks = 10000 / count;
        var start = zone + (Interlocked.Increment(ref counter) % blocks * count);
        return (start, start + count - 1);
    }
}
