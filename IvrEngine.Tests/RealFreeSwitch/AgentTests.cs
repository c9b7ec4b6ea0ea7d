using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IvrEngine.Profiles;
using IvrEngine.Scripts;
using IvrEngine.Web;
using Xunit.Abstractions;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>What an agent does with a caller the IVR sent: edit the call's context through the engine's web API while
/// bridged, and move the caller to another queue; checked on the channels as FreeSWITCH reports them.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class AgentTests(ITestOutputHelper output)
{
    [RealFreeSwitchFact]
    public async Task An_agents_edit_through_the_web_api_reaches_the_callers_live_channel()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Agents = ["1001", "1002"] },
            nameof(An_agents_edit_through_the_web_api_reaches_the_callers_live_channel));
        var call = await BridgedVipAsync(lab);
        using var http = await Http(lab);

        var version = await CardVersionAsync(http, call.Caller);
        var response = await PatchAsync(http, call.Caller, new
        {
            version,
            addPhone = "(555) 777-0101",
            note = new { text = "Asked about the new card", author = "1001" },
            language = "ru",
            category = "problem",
        });

        response.GetProperty("liveUpdated").GetBoolean().Should().BeTrue();
        var newVersion = response.GetProperty("version").GetInt32();
        newVersion.Should().Be(version + 1);
        var caller = await lab.FreeSwitch.DumpAsync(call.Caller);
        caller["variable_ivr_phone_added"].Should().Be("+15557770101");
        caller["variable_ivr_note_last"].Should().Be("Asked about the new card");
        caller["variable_ivr_note_author"].Should().Be("1001");
        caller["variable_ivr_language"].Should().Be("ru");
        caller["variable_ivr_category"].Should().Be("problem");
        caller["variable_ivr_client_version"].Should().Be(newVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        caller["Other-Leg-Unique-ID"].Should().NotBeNullOrEmpty("the caller is still bridged to the agent");
    }

    /// <summary>What an agent might type, and what the channel must then hold (&lt;call&gt;: the caller's, &lt;file&gt;: a file that
    /// must never appear): as every value onto a channel (<see cref="ChannelValue"/>), control characters as spaces, ${ defused
    /// as $ {, cut to the note's cap in the contract ending in "…"; everything else exactly as typed.</summary>
    private static (string What, string Text, string Expected)[] HostileNotes()
    {
        // Exactly the largest note the API takes (64 KB of UTF-8), digits so that where it is cut shows.
        var bigText = string.Concat(Enumerable.Range(0, ContextPatchRules.MaxNoteBytes).Select(i => (char)('0' + (i % 10))));
        return
        [
            ("line breaks and control characters", "line one\r\nline two\ttab\abell\u001b[0m", "line one  line two tab bell [0m"),
            ("a line break that would start a second command", "note\napi uuid_kill <call>", "note api uuid_kill <call>"),
            ("${system(...)}", "${system(touch <file>)}", "$ {system(touch <file>)}"),
            ("${uuid}", "my id is ${uuid} and $${domain}", "my id is $ {uuid} and $$ {domain}"),
            ("percent signs", "100% sure, %20 %s %d %%", "100% sure, %20 %s %d %%"),
            ("quotes", "O'Brien said \"hi\" and 'bye'", "O'Brien said \"hi\" and 'bye'"),
            ("backslashes", @"C:\new\table \\ \' \s", @"C:\new\table \\ \' \s"),
            ("surrounding spaces", "   padded   ", "   padded   "),
            ("Georgian and Russian", "გამარჯობა, კლიენტი! Здравствуйте, клиент ёЁ", "გამარჯობა, კლიენტი! Здравствуйте, клиент ёЁ"),
            ("a 64 KB value", bigText, bigText[..(ContextContract.AgentTextBytes - ChannelValue.CutBytes)] + ChannelValue.Cut),
        ];
    }

    [RealFreeSwitchFact]
    public async Task Hostile_values_in_an_agents_edit_arrive_on_the_live_channel_defused_as_documented_and_never_run()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Agents = ["1001", "1002"] },
            nameof(Hostile_values_in_an_agents_edit_arrive_on_the_live_channel_defused_as_documented_and_never_run));
        var call = await BridgedVipAsync(lab);
        using var http = await Http(lab);
        var file = Path.Combine(Path.GetTempPath(), "ivr-hostile-" + Guid.NewGuid().ToString("N"));
        var version = await CardVersionAsync(http, call.Caller);
        var wrong = new List<string>();

        string Fill(string text) => text.Replace("<call>", call.Caller, StringComparison.Ordinal).Replace("<file>", file, StringComparison.Ordinal);
        foreach (var (what, template, expectedTemplate) in HostileNotes())
        {
            var (text, expected) = (Fill(template), Fill(expectedTemplate));
            var response = await PatchAsync(http, call.Caller, new { version, note = new { text, author = "1001" } });
            response.GetProperty("liveUpdated").GetBoolean().Should().BeTrue(what);
            version = response.GetProperty("version").GetInt32();

            var stored = (await lab.FreeSwitch.DumpAsync(call.Caller)).GetValueOrDefault("variable_ivr_note_last");
            // Expanded with the channel's variables, as a later ${ivr_note_last} would be (expansion recurses into values and
            // runs ${api(...)}): the defused value comes back as it is.
            var expanded = await lab.FreeSwitch.ApiAsync($"eval uuid:{call.Caller} ${{variable_ivr_note_last}}");
            if (stored != expected) wrong.Add($"{what}: stored [{Shorten(stored)}], expected [{Shorten(expected)}]");
            if (expanded != expected) wrong.Add($"{what}: expanded [{Shorten(expanded)}], expected [{Shorten(expected)}]");
            output.WriteLine($"{what}: stored [{Shorten(stored)}] expanded [{Shorten(expanded)}]");
        }

        File.Exists(file).Should().BeFalse("no value is ever run");
        (await lab.FreeSwitch.ApiAsync($"uuid_exists {call.Caller}")).Trim().Should().Be("true", "no value became a command");
        wrong.Should().BeEmpty();
    }

    [RealFreeSwitchFact]
    public async Task An_agent_blind_transfers_the_caller_to_collections_and_the_next_agent_gets_the_same_context()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions { Agents = ["1001", "1002", "1003", "1004"] },
            nameof(An_agent_blind_transfers_the_caller_to_collections_and_the_next_agent_gets_the_same_context));
        var call = await lab.CallAsync("5000", DemoDataSeeder.WellKnown.VipPhone);
        var (first, firstLeg) = await lab.AnsweredByAgentAsync(call.Caller);
        first.Should().BeOneOf("1001@default", "1002@default");
        var firstDump = await lab.FreeSwitch.DumpAsync(firstLeg);

        await lab.Agents!.UseAsync(first.Split('@')[0], lab.FreeSwitch.SipPort);
        await lab.Agents.CommandAsync("transfer", $"sip:*8collections@127.0.0.1:{lab.FreeSwitch.SipPort}");

        var queued = await lab.Events.WaitAsync(e => e.EventSubclass == "callcenter::info" && e["CC-Action"] == "member-queue-start"
                                                     && e["CC-Member-Session-UUID"] == call.Caller && e["CC-Queue"] == "collections@default",
            RealLab.Patience, "the caller in collections@default");
        var bridged = await lab.Events.WaitAsync(e => e.EventSubclass == "callcenter::info" && e["CC-Action"] == "bridge-agent-start"
                                                      && e["CC-Member-Session-UUID"] == call.Caller && e["CC-Queue"] == "collections@default",
            RealLab.Patience, "an agent of collections@default taking the caller");
        var (next, nextLeg) = (bridged["CC-Agent"]!, bridged["CC-Agent-UUID"]!);
        output.WriteLine($"{first} transferred the caller; {next} took it {(EventLog.TimeOf(bridged) - EventLog.TimeOf(queued)).TotalMilliseconds:0} ms after it queued");
        next.Should().BeOneOf("1003@default", "1004@default");
        (await lab.QueueMembersAsync("collections")).Should().Contain(m => m["session_uuid"] == call.Caller);

        var leg = await lab.FreeSwitch.DumpAsync(nextLeg);
        leg["variable_cc_queue"].Should().Be("collections@default");
        foreach (var name in new[] { "ivr_context_id", "ivr_client_id", "ivr_client_name", "ivr_cti_code", "ivr_category", "ivr_flow", "ivr_dnis", "ivr_route_rule" })
        {
            leg.Should().ContainKey("variable_" + name);
            leg["variable_" + name].Should().Be(firstDump["variable_" + name], $"{name} follows the caller to the next agent");
        }

        (await lab.FreeSwitch.ApiAsync($"uuid_exists {firstLeg}")).Trim().Should().Be("false", "the first agent's leg ended with the transfer");
    }

    private static async Task<LoopbackCall> BridgedVipAsync(RealLab lab)
    {
        var call = await lab.CallAsync("5000", DemoDataSeeder.WellKnown.VipPhone);
        await lab.AnsweredByAgentAsync(call.Caller);
        return call;
    }

    /// <summary>The engine's context API with a supervisor's API token (the engine runs in this process).</summary>
    private static async Task<HttpClient> Http(RealLab lab)
    {
        var services = lab.Engine!.Services ?? throw new InvalidOperationException("these tests need the engine in process");
        await Web.DeskWeb.AddUsersAsync(services);
        var http = await Web.DeskWeb.TokenAsync(services, lab.Engine.WebBase, "supervisor");
        http.Timeout = RealLab.Patience;
        return http;
    }

    private static async Task<int> CardVersionAsync(HttpClient http, string uuid)
    {
        var response = await http.GetAsync(new Uri($"calls/{uuid}/context", UriKind.Relative));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("client").GetProperty("version").GetInt32();
    }

    private static async Task<JsonElement> PatchAsync(HttpClient http, string uuid, object body)
    {
        var response = await http.PatchAsync(new Uri($"calls/{uuid}/context", UriKind.Relative), JsonContent.Create(body));
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string? Shorten(string? text) => text is null || text.Length <= 80 ? text : $"{text[..60]}...({text.Length} chars)";
}
