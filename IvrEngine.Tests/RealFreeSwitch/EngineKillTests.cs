using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using IvrEngine.EventSocket;
using IvrEngine.Profiles;
using IvrEngine.Tests.Web;
using Xunit.Abstractions;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>An engine killed (SIGKILL) while calls run, with two engines and two boxes on one PostgreSQL: nothing the
/// calls or the agents need dies with it.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class EngineKillTests(ITestOutputHelper output)
{
    private const int Calls = 100;
    private const double CallsPerSecond = 20;

    /// <summary>Engine A is killed once this many calls reached it (the socket application on box 1).</summary>
    private const int KillAfter = 50;

    [TwoBoxFact]
    public async Task Engine_A_killed_while_a_hundred_calls_run_every_call_reaches_a_queue_every_context_stays_readable_and_no_acknowledged_write_is_lost()
    {
        var clock = Stopwatch.StartNew();
        await using var lab = await TwoBoxLab.StartAsync(new TwoBoxLabOptions
        {
            FreeSwitchEvents = ["CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_EXECUTE", "CHANNEL_HANGUP", "CUSTOM", "callcenter::info"],
            EngineSettings = ["--Web:CardNotes=1000"],
        }, nameof(Engine_A_killed_while_a_hundred_calls_run_every_call_reaches_a_queue_every_context_stays_readable_and_no_acknowledged_write_is_lost));
        var started = clock.Elapsed;
        // No phones: every agent signed out, so callers wait in their queues and nobody is rung.
        foreach (var box in new[] { lab.Box1, lab.Box2 }) await LoopbackBurst.LogOutAgentsAsync(box);
        foreach (var engine in new[] { lab.EngineA, lab.EngineB })
        {
            await TwoEngineLabWeb.PrepareUsersAsync(engine, ("supervisor", "supervisor", null, null));
        }

        using var supervisorA = await DeskWeb.SignInAsync(lab.EngineA.WebBase, "supervisor");
        using var supervisorB = await DeskWeb.SignInAsync(lab.EngineB.WebBase, "supervisor");
        var (found, hits, _) = await TwoEngineLabWeb.GetAsync(supervisorA, "/api/clients/search?q=Eleanor%20Vance");
        found.Should().Be(HttpStatusCode.OK, hits.ToString());
        var vip = hits.EnumerateArray().First().GetProperty("id").GetGuid();

        // Four callers in five are known by number and reach their queue within a second of the engine's welcome; the
        // fifth is unknown and waits in the identification menu: the calls that are in engine A's menus when it dies.
        // After the kill they start again on engine B and press 0 there (MenuKeyer), to the general queue.
        var callers = new List<QueueCaller>(LoopbackBurst.BankCallersKnownByNumber) { new("+15559991000", "general@default") };
        callers.Insert(2, LoopbackBurst.BankCallersKnownByNumber[0]);
        var reachedA = new SocketCounter(lab.EngineA.Port, KillAfter);
        using var counting = lab.Box1.Client.Events.Subscribe(reachedA);
        // Once engine A is dead, an unknown caller whose identification menu starts is on engine B: it presses 0 (an
        // agent), so the test does not wait out the menu's three timeouts.
        var keyer = new MenuKeyer(lab.Box1);
        using var keying = lab.Box1.Client.Events.Subscribe(keyer);

        // Writes through engine A's API until it dies: each acknowledged one (200) must be in the database afterwards.
        using var stopWriting = new CancellationTokenSource();
        var writes = WriteNotesAsync(supervisorA, vip, stopWriting.Token);

        var burst = LoopbackBurst.RunAsync(lab.Box1, new LoopbackBurstOptions
        {
            Dialed = "5000", Callers = callers, Calls = Calls, PerSecond = CallsPerSecond,
            // A known caller is queued within a second, an unknown one a few seconds after it pressed 0 on engine B.
            Patience = TimeSpan.FromSeconds(25),
        });
        await reachedA.Reached.WaitAsync(TimeSpan.FromSeconds(60));
        await lab.EngineA.KillAsync();
        var killedAt = LoopbackBurst.NowMicroseconds();
        keyer.Arm();
        await stopWriting.CancelAsync();
        var (acknowledged, refused, statuses) = await writes;
        var result = await burst;

        var calls = result.Calls;
        var byA = calls.Count(c => c.B is { Sockets: 1, Transferred: { } t } && t < killedAt);
        var failedOver = calls.Count(c => c.B is { Sockets: > 1 });
        var queued = calls.Count(c => c.B?.Queued is not null);
        var completed = calls.Count(c => c.B is { Queued: null, HungUp: not null, HangupCause: "NORMAL_CLEARING" });
        var lost = calls.Where(c => c.B?.Queued is null && c.B is not { HangupCause: "NORMAL_CLEARING" }).ToList();
        // FreeSWITCH 1.10.12 leaves a channel in the socket application, silent, when the engine's socket closes before
        // its `connect` (IvrEngine.Tests/Transcripts, outbound-connect-edge-cases E1), unless socket_resume is true, as
        // the shipped dialplan sets it: calls box 1 had just handed to engine A when it died ('Socket Error!' in its
        // log) then go on to engine B. Counted apart: a call lost that way never answered.
        var neverAnswered = lost.Count(c => c.OriginateError is not null);
        var socketErrors = lab.Box1.LogLines("Socket Error!").Count(l => l.Contains("[CRIT]", StringComparison.Ordinal));

        var unreadable = new List<string>();
        foreach (var call in calls.Where(c => c.B is { Queued: not null, HungUp: null }))
        {
            var (status, body, _) = await TwoEngineLabWeb.GetAsync(supervisorB, $"/calls/{call.BLeg}/context");
            if (status != HttpStatusCode.OK) unreadable.Add($"{call}: {(int)status} {body}");
        }

        var (read, client, _) = await TwoEngineLabWeb.GetAsync(supervisorB, $"/api/clients/{vip}");
        read.Should().Be(HttpStatusCode.OK, client.ToString());
        var notes = client.GetProperty("notes").EnumerateArray().Select(n => n.GetProperty("text").GetString()).ToHashSet(StringComparer.Ordinal);
        var missing = acknowledged.Where(n => !notes.Contains(n)).ToList();

        var report = string.Join(Environment.NewLine,
            $"two-box lab started in {started.TotalSeconds:0.0} s; burst of {Calls} calls at {CallsPerSecond}/s on box 1 (engine A first), engine A killed after {KillAfter} reached it",
            $"calls: {queued} reached a queue, {completed} completed, {lost.Count} neither (of which {neverAnswered} never answered; FreeSWITCH logged {socketErrors} 'Socket Error!', a socket engine A accepted and never answered); {byA} transferred by engine A before the kill, {failedOver} went on to engine B by the dialplan; {keyer.Keyed} unknown callers pressed 0 in engine B's menu",
            $"contexts readable through engine B: {calls.Count(c => c.B is { Queued: not null, HungUp: null }) - unreadable.Count} of {calls.Count(c => c.B is { Queued: not null, HungUp: null })} live calls",
            $"writes through engine A: {acknowledged.Count} acknowledged, {refused} not acknowledged ({statuses}); acknowledged and missing in PostgreSQL (read through B): {missing.Count}",
            $"test time {clock.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine(report);
        File.AppendAllText(Path.Combine(RealFreeSwitchEnvironment.ArtifactsFolder, "engine-kill.txt"),
            $"{DateTimeOffset.UtcNow:O}{Environment.NewLine}{report}{Environment.NewLine}");
        foreach (var call in lost.Take(20)) output.WriteLine(call.ToString());
        foreach (var line in unreadable.Take(20)) output.WriteLine(line);

        await lab.Box1.ApiAsync("hupall NORMAL_CLEARING");
        await lab.Box2.ApiAsync("hupall NORMAL_CLEARING");
        calls.Should().HaveCount(Calls);
        lost.Should().BeEmpty("every call reaches a queue or completes (a call that never answered is one whose socket engine A "
            + "accepted and died on before `connect`: without the dialplan's socket_resume=true, FreeSWITCH 1.10.12 leaves it in the "
            + "socket application, outbound-connect-edge-cases E1)");
        byA.Should().BeGreaterThan(0, "engine A had transferred calls when it died");
        failedOver.Should().BeGreaterThan(0, "calls in engine A's hands when it died went on to engine B");
        unreadable.Should().BeEmpty("every live call's context stays readable through engine B");
        acknowledged.Should().NotBeEmpty("engine A acknowledged writes before it died");
        missing.Should().BeEmpty("no acknowledged write is lost");
    }

    /// <summary>Adds notes to the client through the API one after another until stopped or the engine stops
    /// answering; returns the texts the engine acknowledged (200), how many it did not, and the answers that were not 200
    /// (status or exception, with counts).</summary>
    private static async Task<(IReadOnlyList<string> Acknowledged, int Refused, string Statuses)> WriteNotesAsync(HttpClient http, Guid client,
        CancellationToken stop)
    {
        var acknowledged = new List<string>();
        var others = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var text = "note " + i.ToString(CultureInfo.InvariantCulture) + " " + Guid.NewGuid().ToString("N")[..8];
            try
            {
                var (status, _, _) = await TwoEngineLabWeb.PostAsync(http, $"/api/clients/{client}/notes", new { text });
                if (status == HttpStatusCode.OK) acknowledged.Add(text);
                else others[((int)status).ToString(CultureInfo.InvariantCulture)] = others.GetValueOrDefault(((int)status).ToString(CultureInfo.InvariantCulture)) + 1;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                // The engine died under the request (or before it): not acknowledged, and nothing more to write.
                others[ex.GetType().Name] = others.GetValueOrDefault(ex.GetType().Name) + 1;
                break;
            }
        }

        return (acknowledged, others.Values.Sum(), others.Count == 0 ? "none" : string.Join(", ", others.Select(o => $"{o.Key}: {o.Value}")));
    }

    /// <summary>Once armed, presses 0 (uuid_recv_dtmf) once on every channel whose identification menu starts.</summary>
    private sealed class MenuKeyer(FreeSwitchInstance box) : IObserver<EslEvent>
    {
        private readonly HashSet<string> _keyed = new(StringComparer.Ordinal);
        private volatile bool _armed;

        public int Keyed
        {
            get
            {
                lock (_keyed) return _keyed.Count;
            }
        }

        public void Arm() => _armed = true;

        public void OnNext(EslEvent value)
        {
            if (!_armed || value.EventName != "CHANNEL_EXECUTE" || value["Application"] != "play_and_get_digits"
                || value["Application-Data"]?.Contains("identify-menu", StringComparison.Ordinal) != true || value.UniqueId is not { } uuid) return;
            lock (_keyed)
            {
                if (!_keyed.Add(uuid)) return;
            }

            _ = box.Client.ApiAsync($"uuid_recv_dtmf {uuid} 0");
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }

    /// <summary>Counts the calls box 1 handed to one engine (CHANNEL_EXECUTE socket to its port); completes
    /// <see cref="Reached"/> at the given count.</summary>
    private sealed class SocketCounter(int port, int count) : IObserver<EslEvent>
    {
        private readonly string _target = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)} ";
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _seen;

        public Task Reached => _reached.Task;

        public void OnNext(EslEvent value)
        {
            if (value.EventName != "CHANNEL_EXECUTE" || value["Application"] != "socket"
                || value["Application-Data"]?.StartsWith(_target, StringComparison.Ordinal) != true) return;
            if (Interlocked.Increment(ref _seen) >= count) _reached.TrySetResult();
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }
}
