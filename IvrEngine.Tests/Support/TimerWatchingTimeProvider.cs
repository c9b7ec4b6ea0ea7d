using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Support;

/// <summary>A fake clock that tells when code under test starts a timer, so a test advances time only once the
/// timer it means to fire exists (no race, no sleep).</summary>
internal sealed class TimerWatchingTimeProvider : FakeTimeProvider
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

    public TimerWatchingTimeProvider() { }

    public TimerWatchingTimeProvider(DateTimeOffset start) : base(start) { }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timers.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>The due time of the next timer created.</summary>
    public Task<TimeSpan> NextTimerAsync() => _timers.Reader.ReadAsync().AsTask().WaitAsync(Patience);

    /// <summary>Waits until a timer with exactly this due time has been created.</summary>
    public async Task WaitForTimerAsync(TimeSpan dueTime)
    {
        while (await NextTimerAsync() != dueTime)
        {
        }
    }
}
