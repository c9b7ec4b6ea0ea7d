using System.Globalization;
using System.Net;
using System.Text.Json;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Tests.Support;
using IvrEngine.Tests.Web;
using Npgsql;
using Xunit.Abstractions;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>A test with two real FreeSWITCH boxes, two engines and one PostgreSQL: skipped, with the message of what is
/// missing, where FreeSWITCH, baresip or PostgreSQL is not installed.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class TwoBoxFactAttribute : FactAttribute
{
    public TwoBoxFactAttribute()
    {
        if ((RealFreeSwitchEnvironment.Missing ?? PostgresServer.Missing) is { } why) Skip = why;
    }
}

/// <summary>The lab the tests of <see cref="TwoEngineTests"/> share (one start of two boxes and two engines for all of
/// them): agent 1001's phone registered on box 2 and answering by itself, every other agent signed out on both boxes (so
/// nobody else is rung), and the users agent1001 and supervisor with the tests' password.</summary>
public sealed class TwoEngineLabFixture : IAsyncLifetime
{
    private TwoBoxLab? _lab;
    private BaresipPhones? _agent;

    internal TwoBoxLab Lab => _lab ?? throw new InvalidOperationException("the two-box lab did not start");

    public async Task InitializeAsync()
    {
        if ((RealFreeSwitchEnvironment.Missing ?? PostgresServer.Missing) is not null) return;
        _lab = await TwoBoxLab.StartAsync(new TwoBoxLabOptions
        {
            FreeSwitchEnvironment = new Dictionary<string, string> { ["IVR_QUEUE_NO_AGENT_WAIT"] = "5" },
        }, nameof(TwoEngineTests));
        foreach (var box in new[] { _lab.Box1, _lab.Box2 }) await LoopbackBurst.LogOutAgentsAsync(box);
        _agent = await BaresipPhones.StartAsync(_lab.Box2, ["1001"], new HashSet<string> { "1001" }, nameof(TwoEngineTests) + "-phones");
        await _lab.Box2.ApiAsync("callcenter_config agent set status 1001@default 'Available'");
        foreach (var engine in new[] { _lab.EngineA, _lab.EngineB })
        {
            await TwoEngineLabWeb.PrepareUsersAsync(engine, ("agent1001", "agent", "1001@default", "1001"), ("supervisor", "supervisor", null, null));
        }
    }

    public async Task DisposeAsync()
    {
        if (_agent is not null) await _agent.DisposeAsync();
        if (_lab is not null) await _lab.DisposeAsync();
    }
}

/// <summary>Two engines (A, B) and two FreeSWITCH boxes on one PostgreSQL, as docs/deployment.md lays them out: box 1
/// tries A first, box 2 tries B first; each engine has an inbound connection to both boxes. What an agent signed in on
/// one engine sees and does with a call the other engine served.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class TwoEngineTests(TwoEngineLabFixture fixture, ITestOutputHelper output) : IClassFixture<TwoEngineLabFixture>
{
    private static readonly TimeSpan Patience = RealLab.Patience;

    [TwoBoxFact]
    public async Task Each_box_hands_its_calls_to_its_first_engine_and_both_engines_keep_their_data_in_one_PostgreSQL_database()
    {
        var lab = fixture.Lab;
        using var supervisorA = await DeskWeb.SignInAsync(lab.EngineA.WebBase, "supervisor");
        using var supervisorB = await DeskWeb.SignInAsync(lab.EngineB.WebBase, "supervisor");
        var onBox1 = await TwoBoxLab.CallAsync(lab.Box1, "5000", DemoDataSeeder.WellKnown.OverduePhone);
        var onBox2 = await TwoBoxLab.CallAsync(lab.Box2, "5000", DemoDataSeeder.WellKnown.OverduePhone);
        try
        {
            foreach (var (box, call, engine, client) in new[] { (lab.Box1, onBox1, lab.EngineA, supervisorA), (lab.Box2, onBox2, lab.EngineB, supervisorB) })
            {
                var queued = await box.Events.CallcenterAsync("member-queue-start", call.Caller, Patience);
                queued["CC-Queue"].Should().Be("collections@default");
                var sockets = box.Events.Of(call.Caller).Where(e => e.EventName == "CHANNEL_EXECUTE" && e["Application"] == "socket").ToList();
                sockets.Should().ContainSingle("the box's first engine kept the call")
                    .Which["Application-Data"].Should().StartWith($"127.0.0.1:{engine.Port.ToString(CultureInfo.InvariantCulture)} ");
                var (status, context, _) = await TwoEngineLabWeb.GetAsync(client, $"/calls/{call.Caller}/context");
                status.Should().Be(HttpStatusCode.OK, "the engine that served the call knows its context: {0}", context);
                context.GetProperty("ctiCode").GetString().Should().Be("E");
            }

            await using var connection = new NpgsqlConnection(lab.ConnectionString);
            await connection.OpenAsync();
            await using var applied = new NpgsqlCommand(
                "SELECT coalesce(max(version), 0), coalesce(min(applied_by), '') FROM ivr_schema_migrations", connection);
            await using var reader = await applied.ExecuteReaderAsync();
            (await reader.ReadAsync()).Should().BeTrue();
            reader.GetInt32(0).Should().Be(PostgresMigrations.LatestVersion, "the first engine applied every migration at its start");
            PostgresMigrations.LatestVersion.Should().BeGreaterThan(0, "the store's schema is a migration");
            reader.GetString(1).Should().Be("engine-a", "engine A started first and applied them (Engine:Name)");
        }
        finally
        {
            await HangUpAsync(lab.Box1, onBox1);
            await HangUpAsync(lab.Box2, onBox2);
        }
    }

    [TwoBoxFact]
    public async Task An_agent_signed_in_on_engine_A_gets_the_card_of_a_call_engine_B_served()
    {
        var lab = fixture.Lab;
        using var agent = await DeskWeb.SignInAsync(lab.EngineA.WebBase, "agent1001");
        var call = await TwoBoxLab.CallAsync(lab.Box2, "5000", DemoDataSeeder.WellKnown.VipPhone);
        try
        {
            await ServedByAsync(lab.Box2, call, lab.EngineB);
            var bridged = await lab.Box2.Events.CallcenterAsync("bridge-agent-start", call.Caller, Patience);
            bridged["CC-Agent"].Should().Be("1001@default", "agent 1001's phone on box 2 answered");

            var state = await TwoEngineLabWeb.DeskStateAsync(agent, s => TwoEngineLabWeb.Calls(s).Any(c => c.GetProperty("callUuid").GetString() == call.Caller),
                Patience, "the call engine B served on agent 1001's desk on engine A");
            var onDesk = TwoEngineLabWeb.Calls(state).Single(c => c.GetProperty("callUuid").GetString() == call.Caller);
            output.WriteLine($"desk on engine A: {onDesk}");
            onDesk.GetProperty("clientName").GetString().Should().Be("Eleanor Vance");

            var (status, card, _) = await TwoEngineLabWeb.GetAsync(agent, $"/api/calls/{call.Caller}/card");
            status.Should().Be(HttpStatusCode.OK, "engine A reads the card of engine B's call: {0}", card);
            card.GetProperty("client").GetProperty("name").GetString().Should().Be("Eleanor Vance", "engine B's IVR identified the caller");
            card.GetProperty("cti").GetProperty("code").GetString().Should().Be("V");
            card.GetProperty("ivr").GetProperty("flow").GetString().Should().Be("bank");
            card.GetProperty("call").GetProperty("live").GetBoolean().Should().BeTrue();
        }
        finally
        {
            await HangUpAsync(lab.Box2, call);
        }
    }

    [TwoBoxFact]
    public async Task An_edit_through_engine_As_card_api_reaches_the_live_call_on_the_box_where_engine_B_served_it()
    {
        var lab = fixture.Lab;
        using var agent = await DeskWeb.SignInAsync(lab.EngineA.WebBase, "agent1001");
        var call = await TwoBoxLab.CallAsync(lab.Box2, "5000", DemoDataSeeder.WellKnown.VipPhone);
        try
        {
            await ServedByAsync(lab.Box2, call, lab.EngineB);
            await lab.Box2.Events.CallcenterAsync("bridge-agent-start", call.Caller, Patience);
            await TwoEngineLabWeb.DeskStateAsync(agent, s => TwoEngineLabWeb.Calls(s).Any(c => c.GetProperty("callUuid").GetString() == call.Caller),
                Patience, "the call on agent 1001's desk on engine A");
            var (status, card, _) = await TwoEngineLabWeb.GetAsync(agent, $"/api/calls/{call.Caller}/card");
            status.Should().Be(HttpStatusCode.OK, card.ToString());
            var client = card.GetProperty("client").GetProperty("id").GetGuid();

            var text = "Edited on engine A " + Guid.NewGuid().ToString("N")[..8];
            var (saved, body, response) = await TwoEngineLabWeb.PostAsync(agent, $"/api/clients/{client}/notes", new { text, callUuid = call.Caller });
            saved.Should().Be(HttpStatusCode.OK, body.ToString());
            response.Headers.GetValues("X-Ivr-Live-Channel").Should().Equal(["updated"], "engine A put the note on the live channel");

            var channel = await lab.Box2.DumpAsync(call.Caller);
            channel["variable_ivr_note_last"].Should().Be(text, "the edit reached the call on box 2, where engine B served it");
            channel["variable_ivr_note_author"].Should().NotBeNullOrEmpty();
            channel["variable_ivr_client_version"].Should().Be(body.GetProperty("version").GetInt32().ToString(CultureInfo.InvariantCulture));
            (await lab.Box1.ApiAsync($"uuid_exists {call.Caller}")).Trim().Should().Be("false", "box 1 never had the call");

            // The note is in the one store: engine B reads it.
            using var supervisorB = await DeskWeb.SignInAsync(lab.EngineB.WebBase, "supervisor");
            var (read, onB, _) = await TwoEngineLabWeb.GetAsync(supervisorB, $"/api/clients/{client}");
            read.Should().Be(HttpStatusCode.OK, onB.ToString());
            onB.GetProperty("notes").EnumerateArray().Select(n => n.GetProperty("text").GetString()).Should().Contain(text);
        }
        finally
        {
            await HangUpAsync(lab.Box2, call);
        }
    }

    /// <summary>The box gave the call to <paramref name="engine"/> (the socket application to its port), once.</summary>
    internal static async Task ServedByAsync(FreeSwitchInstance box, LoopbackCall call, EngineInstance engine)
    {
        var socket = await box.Events.ApplicationAsync(call.Caller, "socket", null, Patience);
        socket["Application-Data"].Should().StartWith($"127.0.0.1:{engine.Port.ToString(CultureInfo.InvariantCulture)} ");
    }

    internal static async Task HangUpAsync(FreeSwitchInstance box, LoopbackCall call)
    {
        try
        {
            await box.ApiAsync($"uuid_kill {call.ALeg}");
        }
        catch (InvalidOperationException)
        {
            // Gone already.
        }
    }
}
