namespace IvrEngine.Ivr.Console;

/// <summary>A clock that always says the same instant: <c>simulate --at</c> runs a flow as if it were then (hours,
/// <c>Now</c>). Timers and timestamps are the system's.</summary>
public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    /// <summary>The instant it returns.</summary>
    public DateTimeOffset Now { get; } = now;

    /// <inheritdoc/>
    public override DateTimeOffset GetUtcNow() => Now.ToUniversalTime();
}
