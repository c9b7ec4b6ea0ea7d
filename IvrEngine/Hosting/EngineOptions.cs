using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.Extensions.Options;

namespace IvrEngine.Hosting;

/// <summary>The engine's settings: section <c>Engine</c> of appsettings.json, or environment variables such as
/// <c>Engine__ListenPort=8084</c>.</summary>
public sealed class EngineOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Engine";

    /// <summary>This engine's name among several on one PostgreSQL store (in its logs, on the contexts it serves and
    /// on the changes it announces to the others). Default: the host's name and <see cref="ListenPort"/>
    /// (<c>ivr1:8084</c>); set it when two engines share a host name.</summary>
    public string? Name { get; set; }

    /// <summary><see cref="Name"/>, or its default.</summary>
    public string NameOrDefault => string.IsNullOrWhiteSpace(Name) ? $"{Environment.MachineName}:{ListenPort}" : Name.Trim();

    /// <summary>Address of the outbound-socket listener. The outbound socket has no authentication: keep it on
    /// loopback unless FreeSWITCH runs on another host, and then firewall it.</summary>
    [Required]
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>Port of the listener (the dialplan's <c>socket 127.0.0.1:8084 async full</c>); 0 picks a free one.</summary>
    [Range(0, 65535)]
    public int ListenPort { get; set; } = 8084;

    /// <summary>Live calls served at once; a call over the limit is refused so FreeSWITCH takes its fallback.</summary>
    [Range(1, 1_000_000)]
    public int MaxLiveCalls { get; set; } = 5000;

    /// <summary>On shutdown, how long live calls may go on before their sockets are closed (FreeSWITCH then
    /// continues their dialplan).</summary>
    [Range(0, 3600)]
    public int DrainSeconds { get; set; } = 30;

    /// <summary>The handshake timeout: how long FreeSWITCH may take to answer <c>connect</c> before the socket is
    /// closed.</summary>
    [Range(1, 60)]
    public int ConnectTimeoutSeconds { get; set; } = 5;

    /// <summary>Outbound sockets waiting for their channel data (handshakes) that may take the whole
    /// <see cref="ConnectTimeoutSeconds"/>. Past this many the listener is under pressure: it still accepts every
    /// socket, and closes the oldest handshakes once they have had <see cref="HandshakeGraceMilliseconds"/>.</summary>
    [Range(1, 100_000)]
    public int MaxHandshakes { get; set; } = 512;

    /// <summary>Under pressure (more than <see cref="MaxHandshakes"/> handshakes), how long a socket may take to answer
    /// <c>connect</c> before it is closed, oldest first. FreeSWITCH answers within milliseconds; a socket that has
    /// not answered by then is taken for a flood.</summary>
    [Range(50, 60_000)]
    public int HandshakeGraceMilliseconds { get; set; } = 1000;

    /// <summary>Addresses FreeSWITCH calls from, as networks (<c>10.0.0.0/24</c>) or single addresses (<c>::1</c>); a
    /// connection from any other is closed before anything is read or written. Empty (the default): any address,
    /// and the listener should stay on loopback or behind a firewall.</summary>
    public List<string> AllowedPeers { get; set; } = [];

    /// <summary>How long a command to FreeSWITCH may wait for its reply before the call's socket is closed as silent.
    /// A quiet call (a long playback) sends no command and is never closed by it.</summary>
    [Range(1, 3600)]
    public int ReplyTimeoutSeconds { get; set; } = 15;

    /// <summary>The control connections to FreeSWITCH (port 8021): one box, or a list of them.</summary>
    public InboundSettings Inbound { get; set; } = new();

    /// <summary>The control connections' settings.</summary>
    public sealed class InboundSettings
    {
        /// <summary>Connect to FreeSWITCH's event socket.</summary>
        public bool Enabled { get; set; }

        /// <summary>FreeSWITCH's host (one box: used when <see cref="Boxes"/> is empty).</summary>
        public string Host { get; set; } = "127.0.0.1";

        /// <summary>event_socket.conf.xml listen-port (one box: used when <see cref="Boxes"/> is empty).</summary>
        [Range(1, 65535)]
        public int Port { get; set; } = 8021;

        /// <summary>event_socket.conf.xml password; set it from the environment (Engine__Inbound__Password). With
        /// <see cref="Boxes"/>, the password of every box that names none of its own.</summary>
        public string Password { get; set; } = string.Empty;

        /// <summary>Several FreeSWITCH boxes, one control connection each; empty: the one box of <see cref="Host"/>,
        /// <see cref="Port"/> and <see cref="Password"/>.</summary>
        public List<InboundBox> Boxes { get; set; } = [];

        /// <summary>The boxes to connect to: <see cref="Boxes"/>, or the one box of <see cref="Host"/> and
        /// <see cref="Port"/>; each with its name (its own, else <c>host:port</c>) and its password (its own, else
        /// <see cref="Password"/>).</summary>
        public IReadOnlyList<InboundBox> EffectiveBoxes() =>
            Boxes.Count == 0
                ? [new InboundBox { Name = $"{Host}:{Port}", Host = Host, Port = Port, Password = Password }]
                : [.. Boxes.Select(b => new InboundBox
                {
                    Name = string.IsNullOrWhiteSpace(b.Name) ? $"{b.Host}:{b.Port}" : b.Name.Trim(),
                    Host = b.Host.Trim(),
                    Port = b.Port,
                    Password = string.IsNullOrEmpty(b.Password) ? Password : b.Password,
                })];
    }

    /// <summary>One FreeSWITCH box of <c>Engine:Inbound:Boxes</c>.</summary>
    public sealed class InboundBox
    {
        /// <summary>The box's name in logs and on the desk (optional; default <c>host:port</c>).</summary>
        public string? Name { get; set; }

        /// <summary>The box's host name or IP address.</summary>
        public string Host { get; set; } = string.Empty;

        /// <summary>Its event_socket.conf.xml listen-port.</summary>
        public int Port { get; set; } = 8021;

        /// <summary>Its event_socket.conf.xml password; empty: <see cref="InboundSettings.Password"/>.</summary>
        public string? Password { get; set; }
    }
}

/// <summary>Checks what attributes cannot: addresses parse, the inbound password is there when enabled.</summary>
internal sealed class EngineOptionsValidator : IValidateOptions<EngineOptions>
{
    public ValidateOptionsResult Validate(string? name, EngineOptions options)
    {
        var failures = new List<string>();
        if (!IPAddress.TryParse(options.ListenAddress, out _))
        {
            failures.Add($"Engine:ListenAddress \"{options.ListenAddress}\" is not an IP address (e.g. 127.0.0.1).");
        }

        if (options.HandshakeGraceMilliseconds > options.ConnectTimeoutSeconds * 1000L)
        {
            failures.Add($"Engine:HandshakeGraceMilliseconds ({options.HandshakeGraceMilliseconds}) is longer than Engine:ConnectTimeoutSeconds " +
                $"({options.ConnectTimeoutSeconds} s); the grace under pressure shortens the handshake timeout, so it must not exceed it.");
        }

        for (var i = 0; i < options.AllowedPeers.Count; i++)
        {
            if (!TryParseNetwork(options.AllowedPeers[i], out _))
            {
                failures.Add($"Engine:AllowedPeers:{i} \"{options.AllowedPeers[i]}\" is not an address or a network (e.g. 10.0.0.5, 10.0.0.0/24, ::1, fd00::/8).");
            }
        }

        if (options.Inbound.Enabled) CheckInbound(options.Inbound, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>The one box of Engine:Inbound:Host/Port/Password, or every box of Engine:Inbound:Boxes: a host, a port,
    /// a password (its own or the shared one), a name fit for logs, and no box twice.</summary>
    private static void CheckInbound(EngineOptions.InboundSettings inbound, List<string> failures)
    {
        if (inbound.Boxes.Count == 0)
        {
            if (string.IsNullOrEmpty(inbound.Password))
            {
                failures.Add("Engine:Inbound:Password is empty while Engine:Inbound:Enabled is true; set Engine__Inbound__Password.");
            }

            if (string.IsNullOrWhiteSpace(inbound.Host)) failures.Add("Engine:Inbound:Host is empty.");
            else if (!IsHost(inbound.Host)) failures.Add($"Engine:Inbound:Host \"{inbound.Host}\" is not a host name or an IP address.");
            return;
        }

        var seen = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var names = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < inbound.Boxes.Count; i++)
        {
            var box = inbound.Boxes[i];
            var key = $"Engine:Inbound:Boxes:{i}";
            if (box is null)
            {
                failures.Add($"{key} is empty; give it a Host, a Port and a Password.");
                continue;
            }

            var host = box.Host?.Trim() ?? string.Empty;
            if (host.Length == 0) failures.Add($"{key}:Host is empty.");
            else if (!IsHost(host)) failures.Add($"{key}:Host \"{box.Host}\" is not a host name or an IP address.");
            if (box.Port is < 1 or > 65535) failures.Add($"{key}:Port {box.Port} is not a port (1 to 65535).");
            if (string.IsNullOrEmpty(box.Password) && string.IsNullOrEmpty(inbound.Password))
            {
                failures.Add($"{key}:Password is empty and so is Engine:Inbound:Password; set Engine__Inbound__Boxes__{i}__Password " +
                    "(or Engine__Inbound__Password for every box).");
            }

            // An empty name is a name left out (an environment variable set to nothing): the box is called host:port.
            if (!string.IsNullOrWhiteSpace(box.Name) && box.Name.Trim() is var trimmed && (trimmed.Length > 64 || !trimmed.All(IsNameChar)))
            {
                failures.Add($"{key}:Name \"{box.Name}\" must be 1 to 64 letters, digits, '.', '_', '-' or ':' (or left out: host:port).");
            }

            var address = $"{host}:{box.Port}";
            if (host.Length > 0 && !seen.TryAdd(address, i))
            {
                failures.Add($"{key} ({address}) is the same box as Engine:Inbound:Boxes:{seen[address]}; list each box once.");
                continue;
            }

            var shown = string.IsNullOrWhiteSpace(box.Name) ? address : box.Name.Trim();
            if (!names.TryAdd(shown, i))
            {
                failures.Add($"{key}:Name \"{shown}\" is the name of Engine:Inbound:Boxes:{names[shown]} too; give each box a name of its own.");
            }
        }
    }

    /// <summary>An IP address, or a host name of letters, digits, '.', '-' and '_' (container names have them).</summary>
    private static bool IsHost(string host)
    {
        host = host.Trim();
        return IPAddress.TryParse(host, out _)
               || (host.Length <= 253 && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')
                   && char.IsAsciiLetterOrDigit(host[0]) && char.IsAsciiLetterOrDigit(host[^1]) && !host.Contains("..", StringComparison.Ordinal));
    }

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':';

    /// <summary>A network in CIDR form, or a single address (a network of one).</summary>
    internal static bool TryParseNetwork(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        if (text.Contains('/', StringComparison.Ordinal)) return IPNetwork.TryParse(text, out network);
        if (!IPAddress.TryParse(text, out var address)) return false;
        network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
        return true;
    }
}
