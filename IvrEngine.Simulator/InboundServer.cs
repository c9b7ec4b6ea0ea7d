using System.Net;
using System.Net.Sockets;

namespace IvrEngine.Simulator;

/// <summary>An inbound event-socket server (like FreeSWITCH's port 8021) on 127.0.0.1.</summary>
public sealed class InboundServer : IAsyncDisposable
{
    private readonly FreeSwitchSimulator _sim;
    private readonly string _password;
    private readonly TcpListener _listener;
    private readonly List<EslConnection> _connections = [];
    private readonly HashSet<EslConnection> _logging = [];
    private readonly List<ReceivedCommand> _commands = [];
    private readonly CancellationTokenSource _stop = new();
    private int _connectionCount;
    private int _authCount;
    private int _stopped;

    internal InboundServer(FreeSwitchSimulator sim, string password, int port = 0)
    {
        _sim = sim;
        _password = password;
        _listener = new TcpListener(IPAddress.Loopback, port);
    }

    /// <summary>Where the server listens.</summary>
    public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

    /// <summary>TCP connections accepted so far.</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>Successful <c>auth</c> commands so far.</summary>
    public int AuthCount => Volatile.Read(ref _authCount);

    /// <summary>When true, new connections get <c>text/rude-rejection</c> (as for an ACL deny) and are closed.</summary>
    public bool RejectNewConnections { get; set; }

    /// <summary>Every command received on any connection, in order.</summary>
    public IReadOnlyList<ReceivedCommand> Commands
    {
        get
        {
            lock (_commands)
            {
                return [.. _commands];
            }
        }
    }

    internal IReadOnlyList<EslConnection> Connections
    {
        get
        {
            lock (_connections)
            {
                return [.. _connections];
            }
        }
    }

    internal void Start()
    {
        _listener.Start(512);
        _ = AcceptLoopAsync();
    }

    /// <summary>Resets every open connection abruptly (for reconnect tests).</summary>
    public Task DropAllConnectionsAsync()
    {
        foreach (var c in Connections)
        {
            c.Abort();
        }

        return Task.CompletedTask;
    }

    /// <summary>Sends a <c>log/data</c> frame to every connection that asked for <c>log</c> at that level or above.</summary>
    public Task EmitLogAsync(int level, string text)
    {
        EslConnection[] targets;
        lock (_logging)
        {
            targets = [.. _logging];
        }

        var frame = Wire.LogData(level, text, null, "switch_simulator.c", "emit_log", 1);
        foreach (var c in targets)
        {
            if (c.LogLevel >= level)
            {
                c.Send(frame);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Publishes a CUSTOM event (e.g. subclass "callcenter::info") with the given extra headers to every subscriber.</summary>
    public Task EmitCustomEventAsync(string subclass, IReadOnlyList<KeyValuePair<string, string>> headers, string? body = null)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var ev = new EslEvent("CUSTOM", 24) { Subclass = subclass };
        ev.Add("Event-Subclass", subclass);
        ev.Add("Event-Name", "CUSTOM");
        _sim.AddCoreHeaders(ev, "switch_simulator.c", "emit_custom", 1);
        foreach (var h in headers)
        {
            ev.Add(h.Key, h.Value);
        }

        ev.Body = body;
        _sim.Publish(ev, null);
        return Task.CompletedTask;
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return Task.CompletedTask;
        }

        _stop.Cancel();
        _listener.Stop();
        foreach (var c in Connections)
        {
            c.Abort();
        }

        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _listener.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connectionCount);
            var conn = new EslConnection(s);
            if (RejectNewConnections)
            {
                conn.Send(Wire.RudeRejection);
                conn.CloseAfterPending();
                continue;
            }

            lock (_connections)
            {
                _connections.Add(conn);
            }

            _ = conn.Closed.ContinueWith(
                _ =>
                {
                    lock (_connections)
                    {
                        _connections.Remove(conn);
                    }

                    lock (_logging)
                    {
                        _logging.Remove(conn);
                    }

                    _sim.UpdateGlobal(conn, false);
                },
                TaskScheduler.Default);
            _ = ServeAsync(conn);
        }
    }

    private async Task ServeAsync(EslConnection conn)
    {
        conn.Send(Wire.AuthRequest);
        bool authed = false;
        while (true)
        {
            var cmd = await conn.ReadCommandAsync().ConfigureAwait(false);
            if (cmd is null)
            {
                conn.Abort();
                return;
            }

            lock (_commands)
            {
                _commands.Add(cmd.ToReceived());
            }

            string line = cmd.Line.Trim();
            string verb = FreeSwitchSimulator.FirstWord(line, out string rest);
            if (!authed)
            {
                if (verb == "auth")
                {
                    if (rest.Trim() == _password)
                    {
                        authed = true;
                        Interlocked.Increment(ref _authCount);
                        conn.Send(Wire.CommandReply("+OK accepted"));
                    }
                    else
                    {
                        conn.Send(Wire.CommandReply("-ERR invalid"));
                        conn.Send(Wire.DisconnectNotice(null));
                        conn.CloseAfterPending();
                        return;
                    }
                }
                else
                {
                    conn.Send(Wire.CommandReply("-ERR command not found"));
                }

                continue;
            }

            var sub = _sim.HandleSubscriptionCommand(conn, line, null, inbound: true);
            if (sub is not null)
            {
                conn.Send(sub);
                continue;
            }

            if (await _sim.HandleApiAsync(conn, cmd, null).ConfigureAwait(false))
            {
                continue;
            }

            switch (verb)
            {
                case "exit":
                    conn.SendLastAndClose(Wire.CommandReply("+OK bye"), Wire.DisconnectNotice(null));
                    return;
                case "log":
                {
                    var reply = LogReply(rest, out int level);
                    if (level >= 0)
                    {
                        conn.LogLevel = level;
                        lock (_logging)
                        {
                            _logging.Add(conn);
                        }
                    }

                    conn.Send(reply);
                    break;
                }

                case "nolog":
                {
                    bool was;
                    lock (_logging)
                    {
                        was = _logging.Remove(conn);
                    }

                    conn.Send(NoLogReply(was));
                    break;
                }
                case "sendmsg":
                {
                    var target = _sim.FindCall(rest.Trim());
                    if (target is null)
                    {
                        conn.Send(Wire.CommandReply("-ERR invalid session id [" + rest.Trim() + "]"));
                        break;
                    }

                    target.EnqueueExternal(cmd);
                    conn.Send(Wire.ReplyOk);
                    break;
                }

                default:
                    conn.Send(Wire.CommandReply("-ERR command not found"));
                    break;
            }
        }
    }

    private static readonly string[] LevelNames = ["console", "alert", "crit", "err", "warning", "notice", "info", "debug"];

    /// <summary>The level of <c>log [level]</c>: debug (7) when none is given, -1 when FreeSWITCH does not know it.</summary>
    internal static int ParseLevel(string s)
    {
        if (s.Length == 0)
        {
            return 7;
        }

        if (int.TryParse(s, out int n))
        {
            return Math.Clamp(n, 0, 7);
        }

        return Array.IndexOf(LevelNames, s.ToLowerInvariant());
    }

    /// <summary>The reply to <c>log [level]</c> as FreeSWITCH 1.10.12 words it: the level as given (nothing when none
    /// was), then its number; an unknown level is refused and leaves logging as it was.</summary>
    internal static byte[] LogReply(string argument, out int level)
    {
        string given = argument.Trim();
        level = ParseLevel(given);
        return Wire.CommandReply(level < 0
            ? "-ERR invalid log level"
            : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"+OK log level {given} [{level}]"));
    }

    /// <summary>The reply to <c>nolog</c>, whose error FreeSWITCH spells so.</summary>
    internal static byte[] NoLogReply(bool wasLogging) => Wire.CommandReply(wasLogging ? "+OK no longer logging" : "-ERR not loging");
}
