using System.Net;
using IvrEngine.EventSocket;
using IvrEngine.Profiles;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>A call placed on a lab without an engine (<see cref="EngineMode.None"/>) to 5000, served by the test's own
/// outbound socket: connect, myevents, then the test's <c>logic</c>; the call stays on that socket, live and unanswered,
/// until this is disposed, so the test can read the channel (uuid_getvar) after the logic ran.</summary>
internal sealed class HeldSocketCall<T> : IAsyncDisposable
{
    private readonly EslOutboundListener _listener;
    private readonly TaskCompletionSource _release;
    private readonly Task _placing;

    private HeldSocketCall(EslOutboundListener listener, TaskCompletionSource release, Task placing, LoopbackCall placed, string uuid, T result)
    {
        _listener = listener;
        _release = release;
        _placing = placing;
        Placed = placed;
        Uuid = uuid;
        Result = result;
    }

    /// <summary>The call as placed by the lab.</summary>
    public LoopbackCall Placed { get; }

    /// <summary>The Unique-ID of the channel the socket served.</summary>
    public string Uuid { get; }

    /// <summary>What the logic returned.</summary>
    public T Result { get; }

    public static async Task<HeldSocketCall<T>> StartAsync(RealLab lab, Func<EslOutboundSession, CancellationToken, Task<T>> logic)
    {
        var served = new TaskCompletionSource<(string Uuid, T Result)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var listener = new EslOutboundListener(new IPEndPoint(IPAddress.Loopback, lab.EnginePort), async (session, ct) =>
        {
            try
            {
                await session.ConnectAsync(ct);
                await session.MyEventsAsync(cancellationToken: ct);
                var result = await logic(session, ct);
                served.TrySetResult((session.UniqueId, result));
                await release.Task.WaitAsync(RealLab.Patience, ct);
            }
            catch (Exception ex)
            {
                served.TrySetException(ex);
            }
        });
        try
        {
            listener.Start();
            // The originate's job ends only when the call is answered, which the held socket never does: waiting for it
            // would wait until the socket lets the call go. The socket's own Unique-ID is the -b leg's.
            var (a, placing) = lab.StartCall("5000", DemoDataSeeder.UnknownAnis[0]);
            var (uuid, result) = await served.Task.WaitAsync(RealLab.Patience);
            return new HeldSocketCall<T>(listener, release, placing, new LoopbackCall(a, uuid), uuid, result);
        }
        catch
        {
            release.TrySetResult();
            await listener.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await _listener.DisposeAsync();

        // Let go, the call goes on by the dialplan (to the general queue, which answers it): the job ends then.
        await _placing.WaitAsync(RealLab.Patience).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
