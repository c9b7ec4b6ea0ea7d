using System.ComponentModel.DataAnnotations;

namespace IvrEngine.Statistics;

/// <summary>How the engine keeps its statistics: section <c>Statistics</c> of appsettings.json (docs/statistics.md).</summary>
public sealed class StatisticsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Statistics";

    /// <summary>How often the totals of the calls that ended are added to the store, in seconds. A report sees a call
    /// at most this long after it ended; a crash of the engine loses at most this much of the totals (the calls'
    /// interaction records are written apart).</summary>
    [Range(1, 300, ErrorMessage = "Statistics:FlushSeconds must be a whole number of seconds from 1 to 300.")]
    public int FlushSeconds { get; set; } = 5;

    /// <summary>How often the totals of the pairs of dimensions (what a filtered report cut by another dimension reads)
    /// are added to the store, in seconds. Their documents are as many as the combinations the period's calls had (every
    /// agent with every queue, code, category and campaign), whatever the number of calls, so writing them less often
    /// costs each call less. A filtered report by another dimension sees a call at most this long after it ended; a
    /// crash loses at most this much of them.</summary>
    [Range(1, 3600, ErrorMessage = "Statistics:PairFlushSeconds must be a whole number of seconds from 1 to 3600.")]
    public int PairFlushSeconds { get; set; } = 60;

    /// <summary>After the caller's channel hung up, how long to wait for mod_callcenter's last events of the call (its
    /// agent thread reports the end of a bridge apart from the channel's hangup, in either order), in seconds.</summary>
    [Range(0, 120, ErrorMessage = "Statistics:HangupGraceSeconds must be a whole number of seconds from 0 to 120.")]
    public int HangupGraceSeconds { get; set; } = 5;

    /// <summary>A call nothing was heard of for this long is counted as it stands (its hangup was missed: the inbound
    /// connection was down), in hours.</summary>
    [Range(1, 48, ErrorMessage = "Statistics:MaxCallHours must be a whole number of hours from 1 to 48.")]
    public int MaxCallHours { get; set; } = 4;

    /// <summary>At most this many calls are followed at once; past it the calls heard of least recently are counted as
    /// they stand.</summary>
    [Range(100, 1_000_000, ErrorMessage = "Statistics:MaxCalls must be a whole number from 100 to 1000000.")]
    public int MaxCalls { get; set; } = 50_000;
}
