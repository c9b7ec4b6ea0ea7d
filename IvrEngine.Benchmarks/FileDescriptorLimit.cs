using System.Runtime.InteropServices;

namespace IvrEngine.Benchmarks;

/// <summary>The process's open-file limit (RLIMIT_NOFILE) on Linux: read it and raise it when a run needs more.</summary>
internal static partial class FileDescriptorLimit
{
    private const int RlimitNofile = 7; // Linux

    /// <summary>Makes sure <paramref name="needed"/> descriptors can be open at once, raising the soft limit (and the
    /// hard one, which only root may do) when it is lower. Returns null when it is fine, else a message that says what
    /// the descriptors are for (<paramref name="what"/>).</summary>
    public static string? Ensure(long needed, string what)
    {
        if (!OperatingSystem.IsLinux()) return null;
        if (GetLimit(RlimitNofile, out var limit) != 0) return null; // cannot tell: let the run try
        if (limit.Current >= (ulong)needed) return null;

        var raised = new RLimit { Current = (ulong)needed, Max = Math.Max(limit.Max, (ulong)needed) };
        if (SetLimit(RlimitNofile, in raised) == 0) return null;
        if (limit.Max >= (ulong)needed) return null; // unreachable in practice: a soft limit may always go up to the hard one

        return $"This process needs about {needed:N0} open file descriptors (one socket per live call: {what}; plus a margin), " +
            $"but its limit is {limit.Current:N0} (hard {limit.Max:N0}) and could not be raised. " +
            $"Run 'ulimit -n {needed}' first (raising the hard limit needs root or limits.conf), or lower --concurrency.";
    }

    /// <summary>The current soft limit, or -1 when unknown.</summary>
    public static long Current => OperatingSystem.IsLinux() && GetLimit(RlimitNofile, out var limit) == 0 ? (long)Math.Min(limit.Current, long.MaxValue) : -1;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Max;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int GetLimit(int resource, out RLimit limit);

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetLimit(int resource, in RLimit limit);
}
