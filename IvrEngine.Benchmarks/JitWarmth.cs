using System.Diagnostics;
using System.Globalization;
using System.Runtime;

namespace IvrEngine.Benchmarks;

/// <summary>Tells when the engine in this process is warm: a warm-up round of calls made the JIT compile (almost)
/// nothing new. .NET compiles a method quickly at its first call and again, optimized, after it has been called
/// often enough (tiered compilation, with an instrumented step between for profile-guided optimization); the
/// optimized compiles run in the background, after a short quiet time. Until they are done the engine runs slower code
/// and spends CPU on the JIT, and a burst measured then measures the JIT.</summary>
internal sealed class JitWarmth(int maxRounds)
{
    /// <summary>A round that compiled fewer methods than this (after the background compiles settled) counts as warm.</summary>
    public const int QuietMethods = 25;

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Settled = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxSettle = TimeSpan.FromSeconds(15);

    private readonly List<long> _compiledPerRound = [];
    private long _last = JitInfo.GetCompiledMethodCount();

    /// <summary>Answers a <see cref="BurstProtocol.Warmed"/> question: <see cref="BurstProtocol.More"/> or <see cref="BurstProtocol.Go"/>.</summary>
    public async Task<string> AnswerAsync(string question)
    {
        if (!question.StartsWith(BurstProtocol.Warmed, StringComparison.Ordinal)) return BurstProtocol.Go;
        var count = await SettleAsync();
        _compiledPerRound.Add(count - _last);
        _last = count;
        return _compiledPerRound[^1] >= QuietMethods && _compiledPerRound.Count < maxRounds
            ? BurstProtocol.More
            : BurstProtocol.Go;
    }

    /// <summary>One line: methods compiled per warm-up round.</summary>
    public string Describe() => _compiledPerRound.Count == 0
        ? "no warm-up"
        : string.Create(CultureInfo.InvariantCulture,
            $"methods JIT-compiled per round (including the background recompiles after it): {string.Join(", ", _compiledPerRound)}; warm when a round compiles fewer than {QuietMethods}");

    /// <summary>Waits until the JIT has compiled nothing for a second (at most 15 s) and returns its count.</summary>
    private static async Task<long> SettleAsync()
    {
        var started = Stopwatch.StartNew();
        var count = JitInfo.GetCompiledMethodCount();
        var quiet = Stopwatch.StartNew();
        while (quiet.Elapsed < Settled && started.Elapsed < MaxSettle)
        {
            await Task.Delay(Poll);
            var now = JitInfo.GetCompiledMethodCount();
            if (now != count)
            {
                count = now;
                quiet.Restart();
            }
        }

        return count;
    }
}
