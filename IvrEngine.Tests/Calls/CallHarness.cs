using System.Net;
using IvrEngine.Calls;
using IvrEngine.EventSocket;
using IvrEngine.Simulator;

namespace IvrEngine.Tests.Calls;

/// <summary>Runs a test's call logic on the engine side of a real outbound socket, with the simulator as FreeSWITCH.</summary>
internal sealed class CallHarness : IAsyncDisposable
{
    private readonly EslOutboundListener _listener;
    private readonly Func<FreeSwitchCall, Task> _logic;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private CallHarness(Func<FreeSwitchCall, Task> logic, SimulatorOptions? options)
    {
        _logic = logic;
        _listener = new EslOutboundListener(new IPEndPoint(IPAddress.Loopback, 0), HandleAsync);
        _listener.Start();
        Simulator = new FreeSwitchSimulator(options);
    }

    public FreeSwitchSimulator Simulator { get; }

    /// <summary>Completes when the engine-side logic returned (or faults with its exception).</summary>
    public Task Logic => _done.Task;

    public static async Task<(CallHarness Harness, SimulatedCall Call)> StartAsync(CallerScript script, Func<FreeSwitchCall, Task> logic,
        SimulatorOptions? options = null)
    {
        var harness = new CallHarness(logic, options);
        var call = await harness.Simulator.StartCallAsync(harness._listener.LocalEndPoint, script);
        return (harness, call);
    }

    private async Task HandleAsync(EslOutboundSession session, CancellationToken cancellationToken)
    {
        try
        {
            await session.ConnectAsync(cancellationToken);
            (await session.MyEventsAsync(cancellationToken: cancellationToken)).IsOk.Should().BeTrue();
            using var call = new FreeSwitchCall(session);
            await _logic(call);
            _done.TrySetResult();
            if (!session.IsHungUp) await session.ExitAsync(cancellationToken);
        }
#pragma warning disable CA1031 // The test observes the failure through Logic.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _done.TrySetException(ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Simulator.DisposeAsync();
        await _listener.DisposeAsync();
    }
}
