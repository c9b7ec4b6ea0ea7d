namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>A test against the real FreeSWITCH: skipped, with one message saying how to install it, where FreeSWITCH or
/// baresip is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RealFreeSwitchFactAttribute : FactAttribute
{
    public RealFreeSwitchFactAttribute()
    {
        if (RealFreeSwitchEnvironment.Missing is { } why) Skip = why;
    }
}

/// <summary>The real-FreeSWITCH tests run one at a time: each starts its own FreeSWITCH, engine and phones, and two
/// cores are not enough for two of them beside the rest of the suite.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealFreeSwitchTests
{
    public const string Name = "RealFreeSwitch";
}
