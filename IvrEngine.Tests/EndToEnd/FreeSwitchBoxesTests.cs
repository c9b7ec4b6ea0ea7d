using System.Net;
using System.Net.Http.Json;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text.Json;
using IvrEngine.Calls;
using IvrEngine.EventSocket;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Tests.Hosting;
using IvrEngine.Tests.Support;
using IvrEngine.Tests.Web;
using IvrEngine.Tests.Web.Desk;
using IvrEngine.Web;
using IvrEngine.Web.Desk;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>One engine with inbound connections to two simulated FreeSWITCH boxes (each its own Core-UUID, event socket
/// and calls), over real TCP: a call is known by the box its connect data names, an agent's edit goes to that box's
/// connection only, the desk hears both boxes, and a box that is down at start is connected when it comes up.</summary>
public sealed class FreeSwitchBoxesTests
{
    private const string Ani = "+15551230002";

    [Fact]
    public async Task Each_box_is_known_by_its_Core_UUID_and_a_call_from_box_2_is_tracked_and_edited_through_the_context_and_the_card_on_box_2_only()
    {
        await using var lab = await TwoBoxes.StartAsync(new SimulatorOptions { PlaybackDuration = TimeSpan.FromMinutes(5) });
        var boxes = lab.Engine.Host.Services.GetRequiredService<InboundClientService>();
        boxes.Boxes.All.Select(b => b.Name).Should().Equal("fs-a", "fs-b");
        boxes.Boxes.ByName("fs-a")!.CoreUuid.Should().Be(lab.Box1.CoreUuid);
        boxes.Boxes.ByName("fs-b")!.CoreUuid.Should().Be(lab.Box2.CoreUuid);
        boxes.ClientFor(lab.Box2.CoreUuid).Should().BeSameAs(boxes.Boxes.ByName("fs-b")!.Client);
        boxes.ClientFor(Guid.NewGuid().ToString()).Should().BeNull();
        lab.Server1.Commands.Should().Contain(c => c.Line == "api global_getvar core_uuid");

        var card = await lab.InsertClientAsync();
        var call = await lab.Box2.StartCallAsync(lab.Engine.EndPoint, new CallerScript { Ani = Ani, Dnis = "5999" });
        await call.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);
        var contexts = lab.Engine.Host.Services.GetRequiredService<CallContextRegistry>();
        contexts.Find(call.Uuid)!.CoreUuid.Should().Be(lab.Box2.CoreUuid, "the connect data of box 2's call names box 2");

        using var http = await lab.HttpAsync();
        var response = await http.PatchAsync(new Uri($"/calls/{call.Uuid}/context", UriKind.Relative),
            JsonContent.Create(new { version = card.Version, note = new { text = "Called from the second site", author = "agent-7" } }))
            .WaitAsync(EngineUnderTest.Patience);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("liveUpdated").GetBoolean().Should().BeTrue();
        call.Variables.Should().Contain("ivr_note_last", "Called from the second site");
        lab.Server2.Commands.Should().Contain(c => c.Line == $"api uuid_setvar {call.Uuid} ivr_note_last Called from the second site");

        var note = await http.PostAsJsonAsync($"/api/clients/{card.Id}/notes", new { text = "Noted on the card", callUuid = call.Uuid })
            .WaitAsync(EngineUnderTest.Patience);
        note.StatusCode.Should().Be(HttpStatusCode.OK, await note.Content.ReadAsStringAsync());
        note.Headers.GetValues("X-Ivr-Live-Channel").Should().Equal("updated");
        call.Variables.Should().Contain("ivr_note_last", "Noted on the card");
        lab.Server2.Commands.Should().Contain(c => c.Line == $"api uuid_setvar {call.Uuid} ivr_note_last Noted on the card");
        lab.Server1.Commands.Should().NotContain(c => c.Line.Contains(call.Uuid, StringComparison.Ordinal),
            "the call's box is known: box 1 is neither asked nor written to");
        await call.HangUpAsync();
        await call.Completion.WaitAsync(EngineUnderTest.Patience);
    }

    [Fact]
    public async Task A_call_whose_box_is_not_known_is_looked_for_with_uuid_exists_and_edited_where_it_is()
    {
        await using var lab = await TwoBoxes.StartAsync(new SimulatorOptions { PlaybackDuration = TimeSpan.FromMinutes(5) });
        var call = await lab.Box2.StartCallAsync(lab.Engine.EndPoint, new CallerScript { Ani = Ani, Dnis = "5999" });
        await call.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);
        var contexts = lab.Engine.Host.Services.GetRequiredService<CallContextRegistry>();
        var boxes = lab.Engine.Host.Services.GetRequiredService<InboundClientService>().Boxes;

        // A context opened without the call's connect data (as a context read back from elsewhere would be).
        var unplaced = contexts.Open(call.Uuid, Ani, "5999", () => new CallClientContext(null, "0", string.Empty, "none"));
        unplaced.CoreUuid.Should().BeNull();
        var (why, _) = await LiveChannel.PutOnCallAsync(boxes, contexts, unplaced, [new("ivr_note_last", "found by search")], CancellationToken.None)
            .WaitAsync(EngineUnderTest.Patience);

        why.Should().BeNull();
        call.Variables.Should().Contain("ivr_note_last", "found by search");
        lab.Server1.Commands.Select(c => c.Line).Should().Contain($"api uuid_exists {call.Uuid}")
            .And.NotContain(l => l.StartsWith("api uuid_setvar", StringComparison.Ordinal));
        lab.Server2.Commands.Should().Contain(c => c.Line == $"api uuid_setvar {call.Uuid} ivr_note_last found by search");

        var nowhere = contexts.Open(Guid.NewGuid().ToString(), Ani, "5999", () => null);
        (await LiveChannel.PutOnCallAsync(boxes, contexts, nowhere, [new("ivr_note_last", "x")], CancellationToken.None).WaitAsync(EngineUnderTest.Patience))
            .Why.Should().Contain("is on none of the FreeSWITCH boxes");
        await call.HangUpAsync();
        await call.Completion.WaitAsync(EngineUnderTest.Patience);
    }

    [Fact]
    public async Task While_the_calls_box_is_cut_off_an_edit_says_so_and_never_goes_to_another_box()
    {
        await using var lab = await TwoBoxes.StartAsync(new SimulatorOptions { PlaybackDuration = TimeSpan.FromMinutes(5) });
        var call = await lab.Box2.StartCallAsync(lab.Engine.EndPoint, new CallerScript { Ani = Ani, Dnis = "5999" });
        await call.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);
        var contexts = lab.Engine.Host.Services.GetRequiredService<CallContextRegistry>();
        var boxes = lab.Engine.Host.Services.GetRequiredService<InboundClientService>().Boxes;
        var second = boxes.ByName("fs-b")!;
        var cut = second.Client.States.Where(s => !s.Connected).FirstAsync().ToTask();
        lab.Server2.RejectNewConnections = true;
        await lab.Server2.DropAllConnectionsAsync();
        await cut.WaitAsync(EngineUnderTest.Patience);

        var (why, _) = await LiveChannel.PutOnCallAsync(boxes, contexts, contexts.Find(call.Uuid)!, [new("ivr_note_last", "while cut off")], CancellationToken.None)
            .WaitAsync(EngineUnderTest.Patience);

        why.Should().Be("the inbound connection to FreeSWITCH box fs-b is down");
        contexts.Find(call.Uuid)!.Variables.Should().NotContainKey("ivr_note_last", "nothing reached the channel");
        lab.Server1.Commands.Should().NotContain(c => c.Line.Contains(call.Uuid, StringComparison.Ordinal));
        second.CoreUuid.Should().Be(lab.Box2.CoreUuid, "a box keeps the Core-UUID it last reported while it is away");
        lab.Server2.RejectNewConnections = false;
        await call.HangUpAsync();
        await call.Completion.WaitAsync(EngineUnderTest.Patience);
    }

    [Fact]
    public async Task The_desk_hears_both_boxes_and_an_agents_status_goes_to_the_box_that_has_the_agent()
    {
        var options = (string agent) => new SimulatorOptions { HangUpAfterTransfer = false, CallcenterAgents = [agent], Dialplan = QueueDialplan.Of };
        await using var lab = await TwoBoxes.StartAsync(options("1001@default"), options("2001@default"), s => s.AddDesk(), "--Store:SeedDemoData=true");
        var desk = lab.Engine.Host.Services.GetRequiredService<DeskService>();
        var boxes = lab.Engine.Host.Services.GetRequiredService<InboundClientService>().Boxes;
        await desk.WaitForAsync(d => d.Agents().Count == 2, EngineUnderTest.Patience, "the agents of both boxes");
        boxes.ByName("fs-a")!.Agents.Should().BeEquivalentTo("1001@default");
        boxes.ByName("fs-b")!.Agents.Should().BeEquivalentTo("2001@default");
        await boxes.SubscribeAsync(DeskServices.Events, (box, why) => throw new InvalidOperationException($"{box.Name}: {why}"), CancellationToken.None)
            .WaitAsync(EngineUnderTest.Patience);

        var call1 = await lab.Box1.StartCallAsync(lab.Engine.EndPoint, new CallerScript { Ani = DemoDataSeeder.WellKnown.VipPhone, CallerName = string.Empty });
        var call2 = await lab.Box2.StartCallAsync(lab.Engine.EndPoint, new CallerScript { Ani = DemoDataSeeder.WellKnown.VipPhone, CallerName = string.Empty });
        await call1.WaitForApplicationAsync("callcenter").WaitAsync(EngineUnderTest.Patience);
        await call2.WaitForApplicationAsync("callcenter").WaitAsync(EngineUnderTest.Patience);
        var fromBox2 = boxes.Events.Where(e => e.Event.EventSubclass == "callcenter::info" && e.Event.GetHeader("CC-Member-Session-UUID") == call2.Uuid)
            .FirstAsync().ToTask();

        await call1.OfferToAgentAsync("1001@default", answer: true);
        await call2.OfferToAgentAsync("2001@default", answer: true);

        await desk.WaitForAsync(d => d.Find(call1.Uuid) is { State: DeskCallState.OnCall, Agent: "1001@default" }
                                     && d.Find(call2.Uuid) is { State: DeskCallState.OnCall, Agent: "2001@default" },
            EngineUnderTest.Patience, "each box's call on its agent's desk");
        desk.WasOffered("2001@default", call2.Uuid).Should().BeTrue();
        (await fromBox2.WaitAsync(EngineUnderTest.Patience)).Box.Name.Should().Be("fs-b", "each event comes with the box it came from");

        var commands = lab.Engine.Host.Services.GetRequiredService<DeskCommands>();
        (await commands.SetAgentStatusAsync("2001@default", "On Break")).Should().BeNull();
        await desk.WaitForAsync(d => d.AgentOf("2001@default") is { Status: "On Break" }, EngineUnderTest.Patience, "box 2's agent on break");
        lab.Server2.Commands.Should().Contain(c => c.Line == "api callcenter_config agent set status 2001@default 'On Break'");
        lab.Server1.Commands.Should().NotContain(c => c.Line.StartsWith("api callcenter_config agent set status", StringComparison.Ordinal),
            "box 1 has no such agent");
        (await commands.SetAgentStatusAsync("9999@default", "Available")).Should()
            .Be("FreeSWITCH refused (box fs-a): -ERR Agent not found!; FreeSWITCH refused (box fs-b): -ERR Agent not found!");

        await call1.AgentEndsAsync();
        await call2.AgentEndsAsync();
        await call1.Completion.WaitAsync(EngineUnderTest.Patience);
        await call2.Completion.WaitAsync(EngineUnderTest.Patience);
    }

    [Fact]
    public async Task A_box_that_is_down_at_start_does_not_stop_the_engine_and_is_connected_when_it_comes_up()
    {
        await using var box1 = new FreeSwitchSimulator(new SimulatorOptions { CallcenterAgents = ["1001@default"] });
        await using var box2 = new FreeSwitchSimulator(new SimulatorOptions { CallcenterAgents = ["2001@default"] });
        await using var server1 = await box1.StartInboundServerAsync("pw");
        var downPort = EngineProcess.FreePort();
        await using var engine = await EngineUnderTest.StartAsync(null, s => s.AddDesk(), "--Engine:Inbound:Enabled=true", "--Engine:Inbound:Password=pw",
            "--Engine:Inbound:Boxes:0:Host=127.0.0.1", $"--Engine:Inbound:Boxes:0:Port={server1.EndPoint.Port}",
            "--Engine:Inbound:Boxes:1:Host=127.0.0.1", $"--Engine:Inbound:Boxes:1:Port={downPort}");
        var boxes = engine.Host.Services.GetRequiredService<InboundClientService>().Boxes;
        var desk = engine.Host.Services.GetRequiredService<DeskService>();
        var second = boxes.All[1];
        second.Name.Should().Be($"127.0.0.1:{downPort}", "a box without a name is called by its address");
        await desk.WaitForAsync(d => d.AgentOf("1001@default") is not null, EngineUnderTest.Patience, "the agents of the box that is up");
        second.IsConnected.Should().BeFalse();
        second.CoreUuid.Should().BeNull();

        var up = boxes.States.Where(s => s.Box == second && s.State.Connected).FirstAsync().ToTask();
        await using var server2 = await box2.StartInboundServerAsync("pw", downPort);

        (await up.WaitAsync(EngineUnderTest.Patience)).State.CoreUuid.Should().Be(box2.CoreUuid);
        second.CoreUuid.Should().Be(box2.CoreUuid);
        await desk.WaitForAsync(d => d.AgentOf("2001@default") is not null, EngineUnderTest.Patience, "the agents of the box that came up");
        boxes.ByCoreUuid(box2.CoreUuid).Should().BeSameAs(second);
    }

    /// <summary>Two simulated boxes, their event sockets, and one engine connected to both (named fs-a and fs-b, one
    /// password for both).</summary>
    private sealed class TwoBoxes : IAsyncDisposable
    {
        private TwoBoxes(FreeSwitchSimulator box1, FreeSwitchSimulator box2, InboundServer server1, InboundServer server2, EngineUnderTest engine)
        {
            Box1 = box1;
            Box2 = box2;
            Server1 = server1;
            Server2 = server2;
            Engine = engine;
        }

        public FreeSwitchSimulator Box1 { get; }

        public FreeSwitchSimulator Box2 { get; }

        public InboundServer Server1 { get; }

        public InboundServer Server2 { get; }

        public EngineUnderTest Engine { get; }

        public static async Task<TwoBoxes> StartAsync(SimulatorOptions options1, SimulatorOptions? options2 = null,
            Action<IServiceCollection>? configure = null, params string[] settings)
        {
            var box1 = new FreeSwitchSimulator(options1);
            var box2 = new FreeSwitchSimulator(options2 ?? options1);
            var server1 = await box1.StartInboundServerAsync("pw");
            var server2 = await box2.StartInboundServerAsync("pw");
            var engine = await EngineUnderTest.StartAsync(null, configure,
            [
                "--Engine:Inbound:Enabled=true", "--Engine:Inbound:Password=pw",
                "--Engine:Inbound:Boxes:0:Name=fs-a", "--Engine:Inbound:Boxes:0:Host=127.0.0.1", $"--Engine:Inbound:Boxes:0:Port={server1.EndPoint.Port}",
                "--Engine:Inbound:Boxes:1:Name=fs-b", "--Engine:Inbound:Boxes:1:Host=localhost", $"--Engine:Inbound:Boxes:1:Port={server2.EndPoint.Port}",
                .. settings,
            ]);
            foreach (var box in engine.Host.Services.GetRequiredService<InboundClientService>().Boxes.All)
            {
                await box.Client.CurrentAsync().WaitAsync(EngineUnderTest.Patience);
            }

            return new TwoBoxes(box1, box2, server1, server2, engine);
        }

        public async Task<ClientCard> InsertClientAsync() =>
            await Engine.Host.Services.GetRequiredService<IClientStore>().InsertAsync(new ClientCard
            {
                Id = Guid.NewGuid(),
                Name = "Ruth Ames",
                Phones = [Ani],
                Category = ClientCategories.Regular,
                Language = "en",
                CreatedAt = DateTimeOffset.UtcNow,
            });

        /// <summary>A supervisor's API token on the engine's web app.</summary>
        public async Task<HttpClient> HttpAsync()
        {
            await DeskWeb.AddUsersAsync(Engine.Host.Services);
            return await DeskWeb.TokenAsync(Engine.Host.Services, DeskWeb.Base(Engine), "supervisor");
        }

        public async ValueTask DisposeAsync()
        {
            await Engine.DisposeAsync();
            await Server1.DisposeAsync();
            await Server2.DisposeAsync();
            await Box1.DisposeAsync();
            await Box2.DisposeAsync();
        }
    }
}
