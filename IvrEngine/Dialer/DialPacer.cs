namespace IvrEngine.Dialer;

/// <summary>How many new attempts a campaign may start now: a token bucket filled at the calls-per-second rate, never
/// holding more than a fifth of a second's worth (and at least one attempt), so that a stall (the store busy, a
/// pause) is not made up by a burst: a carrier's calls-per-second limit is never exceeded by more than that. Not
/// thread-safe: one dialer loop per campaign uses it.</summary>
public sealed class DialPacer
{
    private readonly TimeProvider _time;
    private double _rate;
    private double _tokens;
    private long _filledAt;

    /// <summary>A pacer starting with one attempt allowed.</summary>
    public DialPacer(double callsPerSecond, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        Rate = callsPerSecond;
        _tokens = Math.Min(1, Capacity);
        _filledAt = time.GetTimestamp();
    }

    /// <summary>Attempts per second (a campaign's pacing may change while it runs).</summary>
    public double Rate
    {
        get => _rate;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            _rate = value;
        }
    }

    /// <summary>The most the bucket holds: a fifth of a second of attempts, and at least one.</summary>
    private double Capacity => Math.Max(1, _rate / 5);

    /// <summary>How many attempts may start now, at most <paramref name="wanted"/> (those are taken: call
    /// <see cref="GiveBack"/> for any not started).</summary>
    public int Take(int wanted)
    {
        Fill();
        var granted = Math.Clamp((int)Math.Floor(_tokens), 0, Math.Max(0, wanted));
        _tokens -= granted;
        return granted;
    }

    /// <summary>Returns attempts taken but not started (no contact was due).</summary>
    public void GiveBack(int count)
    {
        if (count <= 0) return;
        _tokens = Math.Min(Capacity, _tokens + count);
    }

    /// <summary>How long until the next attempt may start (zero when one may start now).</summary>
    public TimeSpan UntilNext()
    {
        Fill();
        return _tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / _rate);
    }

    private void Fill()
    {
        var now = _time.GetTimestamp();
        _tokens = Math.Min(Capacity, _tokens + (_time.GetElapsedTime(_filledAt, now).TotalSeconds * _rate));
        _filledAt = now;
    }
}
