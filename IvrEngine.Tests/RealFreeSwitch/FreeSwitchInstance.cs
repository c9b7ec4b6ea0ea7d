using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using IvrEngine.EventSocket;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>What a FreeSWITCH under test is started with: where its engines are, and the documented settings that may
/// change (freeswitch-conf/README.md, "The variables").</summary>
internal sealed record FreeSwitchStartOptions
{
    /// <summary>host:port of the engine every call goes to first (IVR_ENGINE_HOST).</summary>
    public required string EngineHost { get; init; }

    /// <summary>host:port of the failover engine (IVR_ENGINE_FAILOVER).</summary>
    public required string FailoverHost { get; init; }

    /// <summary>Further documented variables (e.g. IVR_SESSIONS_PER_SECOND).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The events the control connection subscribes to (and <see cref="FreeSwitchInstance.Events"/> records);
    /// null: the kit's full list. A benchmark asks for fewer, so that recording them costs FreeSWITCH little.</summary>
    public IReadOnlyList<string>? Events { get; init; }
}

/// <summary>A real FreeSWITCH started with the project's own freeswitch-conf/ as shipped, in temporary folders, on free
/// ports; ready once its event socket has authenticated the test's control connection and the SIP profile runs. The
/// control connection records every event (<see cref="Events"/>). Disposing stops it and keeps its log.</summary>
internal sealed class FreeSwitchInstance : IAsyncDisposable
{
    public static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);

    /// <summary>The events the control connection subscribes to unless told otherwise.</summary>
    public static readonly IReadOnlyList<string> AllEvents =
    [
        "CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE",
        "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "DTMF", "CUSTOM", "callcenter::info", "sofia::register",
        "sofia::unregister", "sofia::profile_start",
    ];

    private readonly Process _process;
    private readonly string _artifactName;
    private readonly IDisposable _subscription;
    private bool _disposed;

    private FreeSwitchInstance(Process process, string folder, string artifactName, int eslPort, int sipPort, string password,
        string sipPassword, EslInboundClient client, EventLog events, IDisposable subscription)
    {
        _process = process;
        Folder = folder;
        _artifactName = artifactName;
        EslPort = eslPort;
        SipPort = sipPort;
        Password = password;
        SipPassword = sipPassword;
        Client = client;
        Events = events;
        _subscription = subscription;
    }

    public string Folder { get; }

    /// <summary>FreeSWITCH's process id (started with -nf: the switch itself, not a launcher).</summary>
    public int ProcessId => _process.Id;

    public int EslPort { get; }

    public int SipPort { get; }

    public string Password { get; }

    public string SipPassword { get; }

    /// <summary>The test's own control connection (the engine has one of its own).</summary>
    public EslInboundClient Client { get; }

    public EventLog Events { get; }

    public string LogFile => Path.Combine(Folder, "log", "freeswitch.log");

    /// <summary>Where the log is kept after the test (set when stopped).</summary>
    public string? KeptLog { get; private set; }

    public static async Task<FreeSwitchInstance> StartAsync(FreeSwitchStartOptions options, string artifactName)
    {
        var folder = Directory.CreateTempSubdirectory("ivr-freeswitch-").FullName;
        foreach (var sub in new[] { "log", "db", "run", "recordings", "storage", "cache" }) Directory.CreateDirectory(Path.Combine(folder, sub));

        var eslPort = RealFreeSwitchEnvironment.FreePort();
        var sipPort = RealFreeSwitchEnvironment.FreePort();
        var (rtpStart, rtpEnd) = RealFreeSwitchEnvironment.RtpRange();
        var password = "esl-" + Guid.NewGuid().ToString("N")[..12];
        var sipPassword = "sip-" + Guid.NewGuid().ToString("N")[..12];

        var prefix = RealFreeSwitchEnvironment.Prefix;
        var start = new ProcessStartInfo(RealFreeSwitchEnvironment.FreeSwitchBinary)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[]
                 {
                     "-nonat", "-nf", "-nc", "-base", prefix, "-conf", Path.Combine(RealFreeSwitchEnvironment.RepositoryRoot(), "freeswitch-conf"),
                     "-log", Path.Combine(folder, "log"), "-db", Path.Combine(folder, "db"), "-run", Path.Combine(folder, "run"),
                     "-recordings", Path.Combine(folder, "recordings"), "-storage", Path.Combine(folder, "storage"),
                     "-cache", Path.Combine(folder, "cache"),
                 })
        {
            start.ArgumentList.Add(arg);
        }

        var env = start.Environment;
        env["IVR_ENGINE_HOST"] = options.EngineHost;
        env["IVR_ENGINE_FAILOVER"] = options.FailoverHost;
        env["IVR_ESL_PORT"] = eslPort.ToString(CultureInfo.InvariantCulture);
        env["IVR_ESL_PASSWORD"] = password;
        env["IVR_SIP_PASSWORD"] = sipPassword;
        env["IVR_SIP_PORT"] = sipPort.ToString(CultureInfo.InvariantCulture);
        env["IVR_RTP_START_PORT"] = rtpStart.ToString(CultureInfo.InvariantCulture);
        env["IVR_RTP_END_PORT"] = rtpEnd.ToString(CultureInfo.InvariantCulture);
        foreach (var (name, value) in options.Environment) env[name] = value;

        var process = Process.Start(start) ?? throw new InvalidOperationException("FreeSWITCH did not start.");
        var output = Path.Combine(folder, "log", "stdout.txt");
        _ = DrainAsync(process, output);

        var events = new EventLog();
        var client = new EslInboundClient(new EslInboundOptions
        {
            Port = eslPort,
            Password = password,
            ReconnectMinDelay = TimeSpan.FromMilliseconds(100),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        });
        var subscription = client.Events.Subscribe(events);
        var instance = new FreeSwitchInstance(process, folder, artifactName, eslPort, sipPort, password, sipPassword, client, events, subscription);
        try
        {
            using var patience = new CancellationTokenSource(StartPatience);
            var exited = process.WaitForExitAsync(patience.Token);
            await client.StartAsync(patience.Token);
            var connected = client.CurrentAsync(patience.Token);
            if (await Task.WhenAny(connected, exited) == exited)
            {
                throw new InvalidOperationException($"FreeSWITCH exited at start (code {process.ExitCode}); see {instance.Keep()}.");
            }

            await client.SubscribeAsync(Subscription(options.Events), patience.Token);
            var profileStarted = events.WaitAsync(e => e.EventSubclass == "sofia::profile_start" && e["profile_name"] == "internal",
                StartPatience, "start of the SIP profile internal");
            // "sofia status" lists the profile as RUNNING once it started (it may have started before the socket was up).
            var status = await client.ApiAsync("sofia status", patience.Token);
            if (!status.Body.Split('\n').Any(l => l.Contains("internal", StringComparison.Ordinal) && l.Contains("RUNNING", StringComparison.Ordinal)))
            {
                await profileStarted;
            }
            return instance;
        }
        catch
        {
            await instance.DisposeAsync();
            throw;
        }
    }

    /// <summary>The events asked for, and sofia::profile_start, which the start waits for (after CUSTOM, as
    /// mod_event_socket reads every name after CUSTOM as a subclass).</summary>
    private static IReadOnlyList<string> Subscription(IReadOnlyList<string>? events)
    {
        if (events is null) return AllEvents;
        if (events.Contains("sofia::profile_start")) return events;
        return events.Contains("CUSTOM") ? [.. events, "sofia::profile_start"] : [.. events, "CUSTOM", "sofia::profile_start"];
    }

    /// <summary>An api command; throws when FreeSWITCH answers -ERR.</summary>
    public async Task<string> ApiAsync(string command)
    {
        var response = await Client.ApiAsync(command).WaitAsync(TimeSpan.FromSeconds(30));
        if (response.IsError) throw new InvalidOperationException($"api {command}: {response.Text}");
        return response.Text;
    }

    /// <summary>A channel's variables as <c>uuid_dump</c> reports them (names as FreeSWITCH prints them), exactly: read from
    /// its JSON form, since the plain form URL-encodes without re-encoding what already looks encoded (a value holding
    /// "%20" would read back as a space).</summary>
    public async Task<IReadOnlyDictionary<string, string>> DumpAsync(string uuid)
    {
        var text = await ApiAsync($"uuid_dump {uuid} json");
        using var json = JsonDocument.Parse(text);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var property in json.RootElement.EnumerateObject())
        {
            result[property.Name] = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
        }

        return result;
    }

    /// <summary>The log's files, oldest first: those mod_logfile rotated away (at 10 MB, logfile.conf.xml; .1 the
    /// latest), then freeswitch.log.</summary>
    public IReadOnlyList<string> LogFiles =>
    [
        .. Directory.GetFiles(Path.GetDirectoryName(LogFile)!, "freeswitch.log.*")
            .OrderByDescending(f => int.TryParse(Path.GetExtension(f).TrimStart('.'), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0),
        LogFile,
    ];

    /// <summary>Lines of FreeSWITCH's log (so far, rotated files too) that contain <paramref name="text"/>.</summary>
    public IReadOnlyList<string> LogLines(string text)
    {
        var lines = new List<string>();
        foreach (var file in LogFiles)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Contains(text, StringComparison.Ordinal)) lines.Add(line);
            }
        }

        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _subscription.Dispose();
        await Client.DisposeAsync();
        // Killed, not shut down: after "fsctl shutdown" FreeSWITCH took 4.5 s to exit here, about 40
        // times a suite, and a test's FreeSWITCH has nothing to keep (its folders are its own and deleted below). The log
        // is complete up to the kill: mod_logfile writes each line as it comes.
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();

        _process.Dispose();
        Keep();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a child that is going away: the temp folder is left behind.
        }
    }

    /// <summary>Copies the log to the artifacts folder and returns where.</summary>
    private string Keep()
    {
        var target = Path.Combine(RealFreeSwitchEnvironment.ArtifactsFolder, _artifactName);
        Directory.CreateDirectory(target);
        foreach (var source in Directory.GetFiles(Path.Combine(Folder, "log"), "freeswitch.log*").Append(Path.Combine(Folder, "log", "stdout.txt")))
        {
            if (File.Exists(source)) File.Copy(source, Path.Combine(target, Path.GetFileName(source)), overwrite: true);
        }

        KeptLog = Path.Combine(target, "freeswitch.log");
        return KeptLog;
    }

    private static async Task DrainAsync(Process process, string file)
    {
        await using var writer = new StreamWriter(file) { AutoFlush = true };
        var stdout = CopyAsync(process.StandardOutput, writer);
        var stderr = CopyAsync(process.StandardError, writer);
        await Task.WhenAll(stdout, stderr);
    }

    private static async Task CopyAsync(StreamReader reader, StreamWriter writer)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (writer) writer.WriteLine(line);
        }
    }
}
