using System.Net;
using System.Net.Sockets;
using IvrEngine.Simulator;
using IvrEngine.Tests.Conf;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>FreeSWITCH configured by the repository's freeswitch-conf, with the engine hosts (IVR_ENGINE_HOST and
/// IVR_ENGINE_FAILOVER) pointed at loopback ports the test chose: the dialplan as the preprocessor assembles it decides
/// what happens to a call (<see cref="DialplanCall"/>), and its socket applications connect to the engines over real
/// TCP through the FreeSWITCH simulator.</summary>
internal sealed class ConfiguredFreeSwitch : IAsyncDisposable
{
    private readonly XmlDialplan _dialplan;
    private readonly FreeSwitchSimulator _simulator = new(new SimulatorOptions { HangUpAfterTransfer = false, SocketResume = false });

    public ConfiguredFreeSwitch(IPEndPoint engine, IPEndPoint failover)
    {
        _dialplan = FreeSwitchConf.Load(new Dictionary<string, string>
        {
            ["IVR_ENGINE_HOST"] = engine.ToString(),
            ["IVR_ENGINE_FAILOVER"] = failover.ToString(),
        }).Dialplan;
    }

    /// <summary>The socket application's argument the dialplan gives for an engine host.</summary>
    public static string SocketData(IPEndPoint engine) => engine + " async full";

    /// <summary>Runs a call to <c>caller.Dnis</c> arriving in <paramref name="context"/> until it waits in a queue or ends.</summary>
    public async Task<DialplanRun> CallAsync(CallerScript caller, string context = "public")
    {
        using var timeout = new CancellationTokenSource(EngineUnderTest.Patience);
        return await new DialplanCall(_dialplan, SimulatedSocket.On(_simulator)).RunAsync(context, caller, timeout.Token);
    }

    public ValueTask DisposeAsync() => _simulator.DisposeAsync();
}

/// <summary>A loopback port that is bound but not listening: a connection to it is refused at once, as to a host where
/// no engine runs, and no other test can take the port meanwhile.</summary>
internal sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusingPort() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public IPEndPoint EndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public void Dispose() => _socket.Dispose();
}

/// <summary>A loopback port where something accepts each connection and closes it before sending anything, as an
/// engine that dies in its handshake (after the kernel accepted FreeSWITCH's socket, before <c>connect</c>) does.</summary>
internal sealed class ClosingPort : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _loop;
    private int _closed;

    public ClosingPort()
    {
        _listener.Start();
        _loop = CloseEachAsync();
    }

    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>Connections accepted and closed so far.</summary>
    public int Closed => Volatile.Read(ref _closed);

    private async Task CloseEachAsync()
    {
        try
        {
            while (true)
            {
                using var socket = await _listener.AcceptSocketAsync();
                Interlocked.Increment(ref _closed);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
