using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>A baresip process holding SIP phones (users of freeswitch-conf's directory), headless, on loopback, driven
/// over its ctrl_tcp interface (netstring-framed JSON). Agents answer by themselves (answermode=auto); a caller dials,
/// keys digits (RFC 2833 telephone events), transfers and hangs up on command. Ready once FreeSWITCH has registered
/// every phone (sofia::register events).</summary>
internal sealed class BaresipPhones : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TcpClient _control;
    private readonly NetworkStream _stream;
    private readonly string _folder;
    private readonly string _artifacts;
    private readonly SemaphoreSlim _commandGate = new(1, 1);
    private readonly object _gate = new();
    private readonly WaitableLog<JsonObject> _events = new("baresip reported");
    private readonly Task _reader;
    private TaskCompletionSource<JsonObject>? _response;
    private bool _disposed;

    private BaresipPhones(Process process, TcpClient control, string folder, string artifacts)
    {
        _process = process;
        _control = control;
        _stream = control.GetStream();
        _folder = folder;
        _artifacts = artifacts;
        _reader = ReadAsync();
    }

    /// <summary>Starts one baresip with the given users; <paramref name="autoAnswer"/> users answer every call.</summary>
    public static async Task<BaresipPhones> StartAsync(FreeSwitchInstance fs, IReadOnlyCollection<string> users, IReadOnlySet<string> autoAnswer,
        string artifactName)
    {
        var folder = Directory.CreateTempSubdirectory("ivr-baresip-").FullName;
        var sipPort = RealFreeSwitchEnvironment.FreePortAndNext(); // + 1: TLS
        var controlPort = RealFreeSwitchEnvironment.FreePort();
        var (rtpStart, rtpEnd) = RealFreeSwitchEnvironment.PhoneRtpRange(200);
        File.WriteAllText(Path.Combine(folder, "config"), string.Join('\n',
            "poll_method epoll",
            $"sip_listen 127.0.0.1:{sipPort}",
            "net_interface 127.0.0.1",
            "audio_player aubridge,nil",
            "audio_source aubridge,nil",
            "audio_alert aubridge,nil",
            $"rtp_ports {rtpStart}-{rtpEnd}",
            $"module_path {RealFreeSwitchEnvironment.BaresipModules}",
            "module g711.so",
            "module aubridge.so",
            "module aufile.so",
            "module_app account.so",
            "module_app ctrl_tcp.so",
            "module_app menu.so",
            $"ctrl_tcp_listen 127.0.0.1:{controlPort}",
            "") );
        File.WriteAllText(Path.Combine(folder, "accounts"), string.Join('\n', users.Select(u =>
            $"<sip:{u}@127.0.0.1:{fs.SipPort}>;auth_pass={fs.SipPassword};answermode={(autoAnswer.Contains(u) ? "auto" : "manual")};"
            + "regint=300;audio_codecs=PCMU")) + "\n");

        var registered = users.Select(u => fs.Events.WaitAsync(
            e => e.EventSubclass == "sofia::register" && e["username"] == u, TimeSpan.FromSeconds(30), $"registration of phone {u}")).ToArray();

        var start = new ProcessStartInfo(RealFreeSwitchEnvironment.Baresip!)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-f");
        start.ArgumentList.Add(folder);
        var process = Process.Start(start) ?? throw new InvalidOperationException("baresip did not start.");
        process.StandardInput.Close();
        _ = DrainAsync(process, Path.Combine(folder, "output.txt"));

        var artifacts = Path.Combine(RealFreeSwitchEnvironment.ArtifactsFolder, artifactName);
        TcpClient? control = null;
        try
        {
            var exited = process.WaitForExitAsync();
            var all = Task.WhenAll(registered);
            if (await Task.WhenAny(all, exited) == exited) throw new InvalidOperationException($"baresip exited at start (code {process.ExitCode}).");
            await all;

            // Listening since before it registered (ctrl_tcp loads with the modules).
            control = new TcpClient();
            await control.ConnectAsync(IPAddress.Loopback, controlPort).WaitAsync(TimeSpan.FromSeconds(10));
            return new BaresipPhones(process, control, folder, artifacts);
        }
        catch
        {
            control?.Dispose();
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Keep(folder, artifacts);
            throw;
        }
    }

    /// <summary>Runs a command of baresip's menu (e.g. "dial", "sip:5000@127.0.0.1") and returns its text.</summary>
    public async Task<string> CommandAsync(string command, string parameters = "")
    {
        await _commandGate.WaitAsync();
        try
        {
            var response = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate) _response = response;
            var json = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["command"] = command, ["params"] = parameters, ["token"] = "t" });
            var frame = Encoding.ASCII.GetBytes(json.Length.ToString(CultureInfo.InvariantCulture) + ":").Concat(json).Append((byte)',').ToArray();
            await _stream.WriteAsync(frame);
            var reply = await response.Task.WaitAsync(TimeSpan.FromSeconds(10));
            var data = (string?)reply["data"] ?? string.Empty;
            if (reply["ok"]?.GetValue<bool>() != true) throw new InvalidOperationException($"baresip {command} {parameters}: {data}");
            return data;
        }
        finally
        {
            _commandGate.Release();
        }
    }

    /// <summary>Makes <paramref name="user"/> the phone that the next commands act for.</summary>
    public Task UseAsync(string user, int sipPort) => CommandAsync("uafind", $"sip:{user}@127.0.0.1:{sipPort}");

    /// <summary>Keys digits one at a time as RFC 2833 telephone events, each after the previous was sent.</summary>
    public async Task KeyAsync(string digits)
    {
        foreach (var digit in digits) await CommandAsync("sndcode", digit.ToString());
    }

    /// <summary>The first phone event (past or coming) that <paramref name="match"/> accepts, e.g. type CALL_ESTABLISHED.</summary>
    public Task<JsonObject> WaitForEventAsync(Func<JsonObject, bool> match, TimeSpan timeout, string what) =>
        _events.WaitAsync(match, timeout, what);

    private async Task ReadAsync()
    {
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        try
        {
            while (true)
            {
                var read = await _stream.ReadAsync(chunk);
                if (read == 0) return;
                buffer.AddRange(chunk.AsSpan(0, read));
                while (TryFrame(buffer, out var payload)) Dispatch(payload);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            // The phone went away: pending commands time out.
        }
    }

    private static bool TryFrame(List<byte> buffer, out byte[] payload)
    {
        payload = [];
        var colon = buffer.IndexOf((byte)':');
        if (colon < 0) return false;
        var length = int.Parse(Encoding.ASCII.GetString(buffer.GetRange(0, colon).ToArray()), CultureInfo.InvariantCulture);
        if (buffer.Count < colon + 1 + length + 1) return false;
        payload = buffer.GetRange(colon + 1, length).ToArray();
        buffer.RemoveRange(0, colon + 1 + length + 1);
        return true;
    }

    private void Dispatch(byte[] payload)
    {
        if (JsonNode.Parse(payload) is not JsonObject message) return;
        if (message["response"] is not null)
        {
            TaskCompletionSource<JsonObject>? response;
            lock (_gate) (response, _response) = (_response, null);
            response?.TrySetResult(message);
            return;
        }

        _events.Add(message);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _control.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        await _reader;
        _process.Dispose();
        Keep(_folder, _artifacts);
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left behind in the temp folder.
        }
    }

    private static void Keep(string folder, string artifacts)
    {
        var output = Path.Combine(folder, "output.txt");
        if (!File.Exists(output)) return;
        Directory.CreateDirectory(artifacts);
        File.Copy(output, Path.Combine(artifacts, "baresip-" + Path.GetFileName(folder) + ".txt"), overwrite: true);
    }

    private static async Task DrainAsync(Process process, string file)
    {
        await using var writer = new StreamWriter(file) { AutoFlush = true };
        async Task Copy(StreamReader reader)
        {
            var buffer = new char[8192];
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory())) > 0)
            {
                // baresip rewrites one status line many times a second: keep lines that end.
                var text = new string(buffer, 0, read).Replace("\r", "\n", StringComparison.Ordinal);
                lock (writer) writer.Write(text);
            }
        }

        await Task.WhenAll(Copy(process.StandardOutput), Copy(process.StandardError));
    }
}
