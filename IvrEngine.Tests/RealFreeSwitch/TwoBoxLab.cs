using System.Globalization;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>How a two-box lab is set up.</summary>
internal sealed record TwoBoxLabOptions
{
    /// <summary>Documented FreeSWITCH variables, the same for both boxes (e.g. IVR_QUEUE_NO_AGENT_WAIT).</summary>
    public IReadOnlyDictionary<string, string> FreeSwitchEnvironment { get; init; } = new Dictionary<string, string>();

    /// <summary>The events each box's control connection records; null: all the kit knows.</summary>
    public IReadOnlyList<string>? FreeSwitchEvents { get; init; }

    /// <summary>Settings of both engines, after the lab's own.</summary>
    public IReadOnlyList<string> EngineSettings { get; init; } = [];
}

/// <summary>Two real FreeSWITCH boxes and two engines on one PostgreSQL database, as docs/deployment.md lays them out:
/// box 1's dialplan tries engine A first and engine B second, box 2's the other way round; each engine is a child
/// process (a test can kill it) with an inbound connection to both boxes (Engine:Inbound:Boxes) and the same database. Each box has its own
/// ports (event socket, SIP, a block of RTP ports) and folders (log, db, run); the engines their own outbound and web
/// ports. Stops all of it, keeping the logs, when disposed. Knows nothing of xunit.</summary>
internal sealed class TwoBoxLab : IAsyncDisposable
{
    /// <summary>The first admin both engines make in an empty store (Web:Admin), so a test can sign in and add users.</summary>
    public const string AdminUser = "lab-admin";

    /// <summary>That admin's password.</summary>
    public const string AdminPassword = "two boxes, one database";

    private TwoBoxLab(string connectionString, FreeSwitchInstance box1, FreeSwitchInstance box2, EngineInstance engineA, EngineInstance engineB)
    {
        ConnectionString = connectionString;
        Box1 = box1;
        Box2 = box2;
        EngineA = engineA;
        EngineB = engineB;
    }

    /// <summary>The database both engines share.</summary>
    public string ConnectionString { get; }

    /// <summary>Engine A first, then B.</summary>
    public FreeSwitchInstance Box1 { get; }

    /// <summary>Engine B first, then A.</summary>
    public FreeSwitchInstance Box2 { get; }

    public EngineInstance EngineA { get; }

    public EngineInstance EngineB { get; }

    public static async Task<TwoBoxLab> StartAsync(TwoBoxLabOptions options, string testName)
    {
        var artifactName = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + testName;
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        var portA = RealFreeSwitchEnvironment.FreePort();
        var portB = RealFreeSwitchEnvironment.FreePort();
        FreeSwitchInstance? box1 = null, box2 = null;
        EngineInstance? engineA = null, engineB = null;
        try
        {
            // Each box gets its own free ESL and SIP ports, its own RTP block and its own temporary folders
            // (FreeSwitchInstance); only the engines' order differs.
            box1 = await FreeSwitchInstance.StartAsync(Box(options, portA, portB), Path.Combine(artifactName, "box1"));
            box2 = await FreeSwitchInstance.StartAsync(Box(options, portB, portA), Path.Combine(artifactName, "box2"));
            // One after the other: the first applies the schema's migrations and seeds the demo data, the second finds
            // them done (starting at once is the migrations' own test).
            engineA = await EngineInstance.StartProcessAsync([box1, box2], portA, artifactName, Settings("engine-a", connectionString, options));
            engineB = await EngineInstance.StartProcessAsync([box1, box2], portB, artifactName, Settings("engine-b", connectionString, options));
            return new TwoBoxLab(connectionString, box1, box2, engineA, engineB);
        }
        catch
        {
            foreach (var part in new IAsyncDisposable?[] { engineB, engineA, box2, box1 })
            {
                if (part is not null) await part.DisposeAsync();
            }

            throw;
        }
    }

    private static FreeSwitchStartOptions Box(TwoBoxLabOptions options, int first, int second) => new()
    {
        EngineHost = $"127.0.0.1:{first.ToString(CultureInfo.InvariantCulture)}",
        FailoverHost = $"127.0.0.1:{second.ToString(CultureInfo.InvariantCulture)}",
        Environment = options.FreeSwitchEnvironment,
        Events = options.FreeSwitchEvents,
    };

    private static string[] Settings(string name, string connectionString, TwoBoxLabOptions options) =>
    [
        $"--Engine:Name={name}",
        "--Store:Provider=PostgreSQL",
        $"--Store:ConnectionString={connectionString}",
        $"--Web:Admin:UserName={AdminUser}",
        $"--Web:Admin:Password={AdminPassword}",
        .. options.EngineSettings,
    ];

    /// <summary>The other box.</summary>
    public FreeSwitchInstance Other(FreeSwitchInstance box) => ReferenceEquals(box, Box1) ? Box2 : Box1;

    /// <summary>Places a loopback call on <paramref name="box"/>: its -b leg runs the dialplan for <paramref name="dialed"/>
    /// from <paramref name="callerNumber"/> (so the box's first engine gets it); the -a leg is parked. Returns once the -b
    /// leg answered.</summary>
    public static async Task<LoopbackCall> CallAsync(FreeSwitchInstance box, string dialed, string callerNumber)
    {
        ArgumentNullException.ThrowIfNull(box);
        var a = Guid.NewGuid().ToString();
        var job = await box.Client.BackgroundApiAsync(
            $"originate {{origination_caller_id_number={callerNumber},origination_uuid={a}}}loopback/{dialed}/default &park()");
        if (!job.IsOk && !job.Body.StartsWith("+OK", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"originate to {dialed}: {job.Body.Trim()}");
        }

        var b = await box.ApiAsync($"uuid_getvar {a} other_loopback_leg_uuid");
        return new LoopbackCall(a, b.Trim());
    }

    /// <summary>Stops the engines, then the boxes, each pair at once (a box takes seconds to shut down).</summary>
    public async ValueTask DisposeAsync()
    {
        var errors = new List<Exception>();
        foreach (var pair in new[] { new IAsyncDisposable[] { EngineA, EngineB }, [Box1, Box2] })
        {
            var stops = pair.Select(part => part.DisposeAsync().AsTask()).ToArray();
            try
            {
                await Task.WhenAll(stops);
            }
            catch (Exception)
            {
                errors.AddRange(stops.Where(t => t.Exception is not null).SelectMany(t => t.Exception!.InnerExceptions));
            }
        }

        if (errors.Count > 0) throw new AggregateException("stopping the two-box lab", errors);
    }
}
