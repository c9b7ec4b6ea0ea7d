namespace IvrEngine.Tests.Hardening;

/// <summary>A test that floods an engine run as a child process under an open-file limit: skipped, with one message,
/// where <c>prlimit</c> (util-linux) is not there.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ChildProcessFactAttribute : FactAttribute
{
    public ChildProcessFactAttribute()
    {
        if (!ChildEngine.Available) Skip = "needs Linux and /usr/bin/prlimit (util-linux) to run the engine under an open-file limit";
    }
}

/// <summary>The flood tests run one at a time: each holds thousands of sockets against a child engine.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FloodTests
{
    public const string Name = "Floods";
}
