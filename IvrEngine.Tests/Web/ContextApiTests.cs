using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using IvrEngine.Profiles;
using IvrEngine.Scripts;
using IvrEngine.Simulator;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Web;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.Web;

/// <summary>The engine's HTTP API over real HTTP, with the simulated FreeSWITCH over real TCP.</summary>
public sealed class ContextApiTests
{
    private const string Ani = "+15551230001";

    [Fact]
    public async Task Health_answers_ok_with_the_live_calls_and_the_flows_version()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        using var http = await Http(engine);

        var response = await http.GetAsync(new Uri("/health", UriKind.Relative)).WaitAsync(EngineUnderTest.Patience);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await Json(response);
        body.GetProperty("status").GetString().Should().Be("ok");
        body.GetProperty("liveCalls").GetInt32().Should().Be(0);
        body.GetProperty("flowsVersion").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task A_live_call_in_the_IVR_shows_its_client_card_masked_and_its_code_by_call_and_by_context_id()
    {
        await using var setup = await LiveCallSetup.StartAsync(inbound: true);
        using var http = await Http(setup.Engine);

        var response = await http.GetAsync(new Uri($"/calls/{setup.Call.Uuid}/context", UriKind.Relative)).WaitAsync(EngineUnderTest.Patience);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var body = await Json(response);
        body.GetProperty("callUuid").GetString().Should().Be(setup.Call.Uuid);
        body.GetProperty("ctiCode").GetString().Should().NotBeNullOrEmpty();
        body.GetProperty("matchedBy").GetString().Should().Be("phone");
        var client = body.GetProperty("client");
        client.GetProperty("name").GetString().Should().Be("Eleanor Vance");
        client.GetProperty("version").GetInt32().Should().Be(setup.Card.Version);
        client.GetProperty("cards")[0].GetString().Should().Be("****1111");
        (await response.Content.ReadAsStringAsync()).Should().NotContain("fingerprint", "the card's fingerprint never leaves the store");

        var byId = await http.GetAsync(new Uri($"/contexts/{body.GetProperty("contextId").GetGuid()}", UriKind.Relative)).WaitAsync(EngineUnderTest.Patience);
        byId.StatusCode.Should().Be(HttpStatusCode.OK);
        (await Json(byId)).GetProperty("callUuid").GetString().Should().Be(setup.Call.Uuid);

        (await http.GetAsync(new Uri("/calls/no-such-call/context", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await http.GetAsync(new Uri($"/contexts/{Guid.NewGuid()}", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        await setup.HangUpAsync();
    }

    [Fact]
    public async Task An_agents_edit_reaches_the_store_and_the_live_channel()
    {
        await using var setup = await LiveCallSetup.StartAsync(inbound: true);
        using var http = await Http(setup.Engine);

        var response = await Patch(http, setup.Call.Uuid, new
        {
            version = setup.Card.Version,
            addPhone = "(555) 777-0101",
            note = new { text = "Asked about the new card", author = "agent-101" },
            category = "vip",
            language = "es",
        });

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await Json(response);
        body.GetProperty("liveUpdated").GetBoolean().Should().BeTrue();
        body.GetProperty("version").GetInt32().Should().Be(setup.Card.Version + 1);
        var stored = await setup.Store.GetAsync(setup.Card.Id);
        stored!.Phones.Should().Contain("+15557770101");
        stored.Notes.Should().ContainSingle(n => n.Text == "Asked about the new card" && n.Author == "agent-101");
        stored.Language.Should().Be("es");
        setup.Call.Variables.Should().Contain("ivr_note_last", "Asked about the new card")
            .And.Contain("ivr_phone_added", "+15557770101")
            .And.Contain("ivr_language", "es")
            .And.Contain("ivr_client_version", stored.Version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        setup.Server.Commands.Should().Contain(c => c.Line == $"api uuid_setvar {setup.Call.Uuid} ivr_note_last Asked about the new card");

        var context = await Json(await http.GetAsync(new Uri($"/calls/{setup.Call.Uuid}/context", UriKind.Relative)));
        context.GetProperty("client").GetProperty("notes")[0].GetProperty("text").GetString().Should().Be("Asked about the new card");
        context.GetProperty("variables").GetProperty("ivr_note_last").GetString().Should().Be("Asked about the new card");
        await setup.HangUpAsync();
    }

    [Fact]
    public async Task A_stale_version_gets_409_and_changes_nothing()
    {
        await using var setup = await LiveCallSetup.StartAsync(inbound: true);
        using var http = await Http(setup.Engine);
        (await Patch(http, setup.Call.Uuid, new { version = setup.Card.Version, note = new { text = "first", author = "agent-1" } }))
            .StatusCode.Should().Be(HttpStatusCode.OK);

        var stale = await Patch(http, setup.Call.Uuid, new { version = setup.Card.Version, note = new { text = "second", author = "agent-2" } });

        stale.StatusCode.Should().Be(HttpStatusCode.Conflict);
        (await Json(stale)).GetProperty("error").GetString().Should().Contain("changed by someone else");
        (await setup.Store.GetAsync(setup.Card.Id))!.Notes.Select(n => n.Text).Should().Equal("first");
        await setup.HangUpAsync();
    }

    [Theory]
    [InlineData("{\"version\": 1, \"addPhone\": \"abc\"}", "addPhone is not a phone number")]
    [InlineData("{\"addPhone\": \"+15557770101\"}", "version is required")]
    [InlineData("{\"version\": 1}", "nothing to change")]
    [InlineData("{\"version\": 1, \"note\": {\"text\": \"x\"}}", "note.author is required")]
    [InlineData("{\"version\": 1, \"category\": \"a b\"}", "category must be a word")]
    [InlineData("{\"version\": 1, \"language\": \"english!\"}", "language must be a language code")]
    [InlineData("{\"version\": \"seven\"}", "not a valid edit")]
    [InlineData("not json", "not a valid edit")]
    [InlineData("", "the body is empty")]
    public async Task Bad_input_gets_400_with_a_plain_message(string json, string message)
    {
        await using var setup = await LiveCallSetup.StartAsync(inbound: false);
        using var http = await Http(setup.Engine);

        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        var response = await http.PatchAsync(new Uri($"/calls/{setup.Call.Uuid}/context", UriKind.Relative), content).WaitAsync(EngineUnderTest.Patience);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await Json(response)).GetProperty("error").GetString().Should().Contain(message);
        (await setup.Store.GetAsync(setup.Card.Id))!.Version.Should().Be(setup.Card.Version);
        await setup.HangUpAsync();
    }

    [Fact]
    public async Task With_the_inbound_connection_off_the_store_is_updated_and_the_answer_says_the_channel_was_not()
    {
        await using var setup = await LiveCallSetup.StartAsync(inbound: false);
        using var http = await Http(setup.Engine);

        var response = await Patch(http, setup.Call.Uuid, new { version = setup.Card.Version, addPhone = "+15557770102" });

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var body = await Json(response);
        body.GetProperty("liveUpdated").GetBoolean().Should().BeFalse();
        body.GetProperty("liveError").GetString().Should().Contain("inbound connection to FreeSWITCH is off");
        (await setup.Store.GetAsync(setup.Card.Id))!.Phones.Should().Contain("+15557770102");
        await setup.HangUpAsync();
    }

    [Fact]
    public async Task Hostile_values_are_stored_as_written_and_reach_the_channel_on_one_line_without_expansion()
    {
        await using var setup = await LiveCallSetup.StartAsync(inbound: true);
        using var http = await Http(setup.Engine);
        var hostile = "line one\r\nline two\0 ${system rm -rf /} \napi uuid_kill " + setup.Call.Uuid;

        var response = await Patch(http, setup.Call.Uuid, new { version = setup.Card.Version, note = new { text = hostile, author = "agent-101" } });

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await setup.Store.GetAsync(setup.Card.Id))!.Notes.Single().Text.Should().Be(hostile);
        setup.Call.Variables["ivr_note_last"].Should().Be("line one  line two  $ {system rm -rf /}  api uuid_kill " + setup.Call.Uuid);
        setup.Server.Commands.Should().NotContain(c => c.Line.StartsWith("api uuid_kill", StringComparison.Ordinal));

        var big = new string('x', ContextPatchRules.MaxNoteBytes + 1);
        var tooBig = await Patch(http, setup.Call.Uuid, new { version = setup.Card.Version + 1, note = new { text = big, author = "agent-101" } });
        tooBig.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await Json(tooBig)).GetProperty("error").GetString().Should().Contain("longer than 64 KB");

        var justFits = new string('y', ContextPatchRules.MaxNoteBytes);
        var fits = await Patch(http, setup.Call.Uuid, new { version = setup.Card.Version + 1, note = new { text = justFits, author = "agent-101" } });
        fits.StatusCode.Should().Be(HttpStatusCode.OK);
        setup.Call.Variables["ivr_note_last"].Should().Be(justFits[..(ContextContract.AgentTextBytes - ChannelValue.CutBytes)] + ChannelValue.Cut,
            "the channel gets the note cut to its cap in the contract, the card keeps it whole");
        await setup.HangUpAsync();
    }

    [Fact]
    public async Task Quotes_and_backslashes_in_an_edit_reach_the_live_channel_as_typed()
    {
        // uuid_setvar's argument parsing drops paired single quotes and reads backslash escapes (seen on FreeSWITCH
        // 1.10.12, RealFreeSwitch/AgentTests; the simulator does the same): the value is escaped for it.
        await using var setup = await LiveCallSetup.StartAsync(inbound: true);
        using var http = await Http(setup.Engine);
        const string Text = @"O'Brien said ""hi"" and 'bye' from C:\new\table \ \s";

        var response = await Patch(http, setup.Call.Uuid, new { version = setup.Card.Version, note = new { text = Text, author = "agent-101" } });

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        setup.Call.Variables.Should().Contain("ivr_note_last", Text);
        setup.Server.Commands.Should().Contain(c => c.Line ==
            $@"api uuid_setvar {setup.Call.Uuid} ivr_note_last O\'Brien said ""hi"" and \'bye\' from C:\\new\\table \\ \\s");
        await setup.HangUpAsync();
    }

    [Fact]
    public async Task An_oversized_body_is_refused_and_the_engine_goes_on()
    {
        await using var setup = await LiveCallSetup.StartAsync(inbound: false);
        using var http = await Http(setup.Engine);
        using var huge = new StringContent("{\"version\":1,\"note\":{\"text\":\"" + new string('z', 300 * 1024) + "\"}}", Encoding.UTF8, "application/json");

        try
        {
            var refused = await http.PatchAsync(new Uri($"/calls/{setup.Call.Uuid}/context", UriKind.Relative), huge).WaitAsync(EngineUnderTest.Patience);
            ((int)refused.StatusCode).Should().BeOneOf(400, 413);
        }
        catch (HttpRequestException)
        {
            // The engine answered 413 and closed the connection while the body was still being sent: refused too.
        }

        (await setup.Store.GetAsync(setup.Card.Id))!.Version.Should().Be(setup.Card.Version);
        (await http.GetAsync(new Uri("/health", UriKind.Relative)).WaitAsync(EngineUnderTest.Patience)).StatusCode
            .Should().Be(HttpStatusCode.OK, "the engine goes on");
        await setup.HangUpAsync();
    }

    /// <summary>The context API is for integrations: a supervisor's API token.</summary>
    private static async Task<HttpClient> Http(EngineUnderTest engine)
    {
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        return await DeskWeb.TokenAsync(engine.Host.Services, DeskWeb.Base(engine), "supervisor");
    }

    private static Task<HttpResponseMessage> Patch(HttpClient http, string uuid, object body) =>
        http.PatchAsync(new Uri($"/calls/{uuid}/context", UriKind.Relative), JsonContent.Create(body)).WaitAsync(EngineUnderTest.Patience);

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>An engine (inbound connection on or off), a known client, and a call of that client waiting in a long
    /// welcome prompt (its lookup done).</summary>
    private sealed class LiveCallSetup : IAsyncDisposable
    {
        private LiveCallSetup(FreeSwitchSimulator simulator, InboundServer server, EngineUnderTest engine, ClientCard card, SimulatedCall call)
        {
            Simulator = simulator;
            Server = server;
            Engine = engine;
            Card = card;
            Call = call;
        }

        public FreeSwitchSimulator Simulator { get; }

        public InboundServer Server { get; }

        public EngineUnderTest Engine { get; }

        public ClientCard Card { get; }

        public SimulatedCall Call { get; }

        public IClientStore Store => Engine.Host.Services.GetRequiredService<IClientStore>();

        public static async Task<LiveCallSetup> StartAsync(bool inbound)
        {
            var simulator = new FreeSwitchSimulator(new SimulatorOptions { PlaybackDuration = TimeSpan.FromMinutes(5) });
            var server = await simulator.StartInboundServerAsync("pw");
            string[] settings = inbound
                ? ["--Engine:Inbound:Enabled=true", $"--Engine:Inbound:Port={server.EndPoint.Port}", "--Engine:Inbound:Password=pw"]
                : [];
            var engine = await EngineUnderTest.StartAsync(null, null, settings);
            if (inbound)
            {
                var client = engine.Host.Services.GetRequiredService<IvrEngine.Hosting.InboundClientService>().Client!;
                await client.StartAsync().WaitAsync(EngineUnderTest.Patience);
            }

            var fingerprints = engine.Host.Services.GetRequiredService<CardFingerprints>();
            var card = await engine.Host.Services.GetRequiredService<IClientStore>().InsertAsync(new ClientCard
            {
                Id = Guid.NewGuid(),
                Name = "Eleanor Vance",
                Phones = [Ani],
                AccountNumbers = ["40001"],
                Cards = [new CardReference { Fingerprint = fingerprints.Fingerprint("4111111111111111"), Last4 = "1111" }],
                Category = ClientCategories.Regular,
                Language = "en",
                HasContract = true,
                CreatedAt = DateTimeOffset.UtcNow,
            });
            var call = await simulator.StartCallAsync(engine.EndPoint, new CallerScript { Ani = Ani, Dnis = "5999" });
            await call.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);
            return new LiveCallSetup(simulator, server, engine, card, call);
        }

        public async Task HangUpAsync()
        {
            await Call.HangUpAsync();
            await Call.Completion.WaitAsync(EngineUnderTest.Patience);
        }

        public async ValueTask DisposeAsync()
        {
            await Engine.DisposeAsync();
            await Server.DisposeAsync();
            await Simulator.DisposeAsync();
        }
    }
}
