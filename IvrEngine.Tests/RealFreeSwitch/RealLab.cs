using System.Globalization;
using System.Net;
using IvrEngine.EventSocket;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>How a lab is set up: which engines run, which phones register.</summary>
internal sealed record LabOptions
{
    /// <summary>The primary engine: in this process (default), as a child process, or none (nothing listens).</summary>
    public EngineMode Engine { get; init; } = EngineMode.InProcess;

    /// <summary>The failover engine (IVR_ENGINE_FAILOVER); none by default, so its port refuses.</summary>
    public EngineMode Failover { get; init; } = EngineMode.None;

    /// <summary>Settings of the primary engine (e.g. "--Engine:MaxLiveCalls=0").</summary>
    public IReadOnlyList<string> EngineSettings { get; init; } = [];

    /// <summary>Agents' phones that register and answer by themselves (users 1001-1006).</summary>
    public IReadOnlyList<string> Agents { get; init; } = [];

    /// <summary>Those of <see cref="Agents"/> whose phones ring until told to accept (baresip answermode=manual).</summary>
    public IReadOnlyList<string> ManualAnswer { get; init; } = [];

    /// <summary>Whether the test caller's phone (user 1000) registers.</summary>
    public bool Caller { get; init; }

    /// <summary>Documented FreeSWITCH variables to set.</summary>
    public IReadOnlyDictionary<string, string> FreeSwitchEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>The events the control connection records; null: all the kit knows (<see cref="FreeSwitchInstance.AllEvents"/>).</summary>
    public IReadOnlyList<string>? FreeSwitchEvents { get; init; }

    public Action<IServiceCollection>? ConfigureEngine { get; init; }

    /// <summary>Puts an <see cref="EslTap"/> between FreeSWITCH and the primary engine: FreeSWITCH is told the tap's
    /// port (IVR_ENGINE_HOST), the tap forwards each connection to the engine and records it (<see cref="RealLab.Tap"/>).</summary>
    public bool TapEngine { get; init; }
}

internal enum EngineMode
{
    None,
    InProcess,
    Process,
}

/// <summary>One real FreeSWITCH with the project's configuration, the engine(s) and the SIP phones of a test; stops all
/// of it, keeping the logs, when disposed (also when the test failed).</summary>
internal sealed class RealLab : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);

    private RealLab(FreeSwitchInstance fs, EngineInstance? engine, EngineInstance? failover, BaresipPhones? agents, BaresipPhones? caller,
        int enginePort, int failoverPort, EslTap? tap)
    {
        Tap = tap;
        FreeSwitch = fs;
        Engine = engine;
        Failover = failover;
        Agents = agents;
        CallerPhone = caller;
        EnginePort = enginePort;
        FailoverPort = failoverPort;
    }

    public FreeSwitchInstance FreeSwitch { get; }

    public EngineInstance? Engine { get; }

    public EngineInstance? Failover { get; }

    public BaresipPhones? Agents { get; }

    public BaresipPhones? CallerPhone { get; }

    public int EnginePort { get; }

    public int FailoverPort { get; }

    /// <summary>The tap in front of the primary engine (<see cref="LabOptions.TapEngine"/>), else null.</summary>
    public EslTap? Tap { get; }

    public EventLog Events => FreeSwitch.Events;

    public static async Task<RealLab> StartAsync(LabOptions options, string testName)
    {
        var artifactName = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + testName;
        var enginePort = RealFreeSwitchEnvironment.FreePort();
        var failoverPort = RealFreeSwitchEnvironment.FreePort();
        var tap = options.TapEngine ? EslTap.Start(new IPEndPoint(IPAddress.Loopback, enginePort)) : null;
        FreeSwitchInstance fs;
        try
        {
            fs = await FreeSwitchInstance.StartAsync(new FreeSwitchStartOptions
            {
                EngineHost = $"127.0.0.1:{tap?.Port ?? enginePort}",
                FailoverHost = $"127.0.0.1:{failoverPort}",
                Environment = options.FreeSwitchEnvironment,
                Events = options.FreeSwitchEvents,
            }, artifactName);
        }
        catch
        {
            if (tap is not null) await tap.DisposeAsync();
            throw;
        }

        EngineInstance? engine = null, failover = null;
        BaresipPhones? agents = null, caller = null;
        try
        {
            if (options.Engine != EngineMode.None)
            {
                engine = await EngineInstance.StartAsync(fs, enginePort, artifactName, options.Engine == EngineMode.Process,
                    options.EngineSettings, options.ConfigureEngine);
            }

            if (options.Failover != EngineMode.None)
            {
                failover = await EngineInstance.StartAsync(fs, failoverPort, artifactName, options.Failover == EngineMode.Process);
            }

            if (options.Agents.Count > 0)
            {
                agents = await BaresipPhones.StartAsync(fs, options.Agents, options.Agents.Except(options.ManualAnswer).ToHashSet(), artifactName);
            }

            if (options.Caller) caller = await BaresipPhones.StartAsync(fs, ["1000"], new HashSet<string>(), artifactName);
            return new RealLab(fs, engine, failover, agents, caller, enginePort, failoverPort, tap);
        }
        catch
        {
            if (caller is not null) await caller.DisposeAsync();
            if (agents is not null) await agents.DisposeAsync();
            if (failover is not null) await failover.DisposeAsync();
            if (engine is not null) await engine.DisposeAsync();
            await fs.DisposeAsync();
            if (tap is not null) await tap.DisposeAsync();
            throw;
        }
    }

    /// <summary>Places a call without a phone: a loopback pair whose -b leg runs the dialplan for
    /// <paramref name="dialed"/> from <paramref name="callerNumber"/>; the -a leg is parked. Returns the -b leg's uuid
    /// (the caller's channel, the one the engine gets).</summary>
    public async Task<LoopbackCall> CallAsync(string dialed, string callerNumber)
    {
        var (a, placing) = StartCall(dialed, callerNumber);
        var job = await placing;
        if (!job.IsOk && !job.Body.StartsWith("+OK", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"originate to {dialed}: {job.Body.Trim()}");
        }

        // The job ends when the -b leg answered (the engine, or the queue of the fallback).
        var b = await FreeSwitch.ApiAsync($"uuid_getvar {a} other_loopback_leg_uuid");
        return new LoopbackCall(a, b.Trim());
    }

    /// <summary>Places a call without waiting for it to be answered: the caller's -a leg's Unique-ID, and the originate's
    /// job, which ends when the -b leg is answered (never, while a test's own socket holds it unanswered).</summary>
    public (string ALeg, Task<BackgroundJobResult> Job) StartCall(string dialed, string callerNumber)
    {
        var a = Guid.NewGuid().ToString();
        return (a, FreeSwitch.Client.BackgroundApiAsync(
            $"originate {{origination_caller_id_number={callerNumber},origination_uuid={a}}}loopback/{dialed}/default &park()"));
    }

    /// <summary>Keys digits into the caller's channel as if pressed (each arrives as a DTMF event).</summary>
    public Task<string> ReceiveDtmfAsync(string uuid, string digits) => FreeSwitch.ApiAsync($"uuid_recv_dtmf {uuid} {digits}");

    /// <summary>The members of a queue as <c>callcenter_config queue list members &lt;queue&gt;@default</c> lists them: one
    /// row per member, by column (queue, uuid, session_uuid, cid_number, serving_agent, state, ...).</summary>
    public async Task<IReadOnlyList<IReadOnlyDictionary<string, string>>> QueueMembersAsync(string queue)
    {
        var text = await FreeSwitch.ApiAsync($"callcenter_config queue list members {queue}@default");
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0 || !lines[0].Contains('|', StringComparison.Ordinal)) throw new InvalidOperationException($"members of {queue}: {text}");
        var columns = lines[0].Split('|');
        return [.. lines.Skip(1).Where(l => l.Contains('|', StringComparison.Ordinal) && !l.StartsWith("+OK", StringComparison.Ordinal))
            .Select(l => (IReadOnlyDictionary<string, string>)columns.Zip(l.Split('|')).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal))];
    }

    /// <summary>mod_callcenter's agent offered the caller, then bridged: the agent's leg uuid (CC-Agent-UUID).</summary>
    public async Task<(string Agent, string AgentLeg)> AnsweredByAgentAsync(string callerUuid)
    {
        var bridged = await Events.CallcenterAsync("bridge-agent-start", callerUuid, Patience);
        return (bridged["CC-Agent"]!, bridged["CC-Agent-UUID"]!);
    }

    public async ValueTask DisposeAsync()
    {
        var errors = new List<Exception>();
        foreach (var part in new IAsyncDisposable?[] { CallerPhone, Agents, Failover, Engine, FreeSwitch, Tap })
        {
            if (part is null) continue;
            try
            {
                await part.DisposeAsync();
            }
            catch (Exception ex)
            {
                errors.Add(ex);
            }
        }

        if (errors.Count > 0) throw new AggregateException("stopping the lab", errors);
    }
}

/// <summary>A loopback test call: the parked -a leg and the -b leg that runs the dialplan (the caller).</summary>
internal sealed record LoopbackCall(string ALeg, string Caller);
