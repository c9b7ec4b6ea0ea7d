using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace IvrEngine.Benchmarks.Micro;

internal static class MicroCommand
{
    /// <summary>Runs the suite with BenchmarkDotNet; the arguments go to BenchmarkSwitcher (e.g. <c>--job short</c>,
    /// <c>--filter '*Header*'</c>; with no filter every benchmark runs). Benchmarks run in this process
    /// (<c>--inProcess</c> is added): the repository's build settings (warnings as errors, analyzers) would otherwise
    /// apply to the project BenchmarkDotNet generates for an out-of-process run.</summary>
    public static int Run(string[] args)
    {
        var list = args.ToList();
        if (!list.Contains("--filter")) list.AddRange(["--filter", "*"]);
        if (!list.Contains("--inProcess") && !list.Contains("-i")) list.Add("--inProcess");
        var config = DefaultConfig.Instance.WithOptions(ConfigOptions.JoinSummary);
        if (!list.Contains("--artifacts")) config = config.WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly).Run([.. list], config);
        return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
    }
}
