using System.Net;
using System.Net.Http.Json;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text.Json;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Tests.Support;
using IvrEngine.Statistics;
using IvrEngine.Tests.Web;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>Statistics through real TCP: calls the engine's flows serve, queued by the simulator's dialplan and
/// mod_callcenter (the sequence recorded from a real FreeSWITCH), counted from the inbound connection's events, added
/// to the store and read back over HTTP by a supervisor.</summary>
public sealed class StatisticsEndToEndTests
{
    private const string Agent = "1001@default";

    [Fact]
    public async Task An_answered_an_abandoned_and_an_ivr_hangup_call_reach_the_report_by_queue()
    {
        await using var freeSwitch = new FreeSwitchSimulator(new SimulatorOptions
        {
            HangUpAfterTransfer = false,
            CallcenterAgents = [Agent],
            Dialplan = QueueDialplan.Of,
        });
        await using var server = await freeSwitch.StartInboundServerAsync("pw");
        await using var engine = await EngineUnderTest.StartAsync(null, null,
            "--Engine:Inbound:Enabled=true", $"--Engine:Inbound:Port={server.EndPoint.Port}", "--Engine:Inbound:Password=pw",
            "--Store:SeedDemoData=true", "--Statistics:HangupGraceSeconds=0");
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        var collector = engine.Host.Services.GetRequiredService<StatisticsCollector>();
        var client = engine.Host.Services.GetRequiredService<InboundClientService>().Client!;
        // The statistics subscribe to their events at start without waiting; this returns once they are on.
        await client.SubscribeAsync(StatisticsFeed.Events).WaitAsync(EngineUnderTest.Patience);
        var three = collector.CountedCalls.FirstAsync(n => n >= 3).ToTask();

        // The VIP, known by number, goes to the VIP queue; the agent answers and later hangs up.
        var vip = await freeSwitch.StartCallAsync(engine.EndPoint, new CallerScript { Ani = DemoDataSeeder.WellKnown.VipPhone });
        await vip.InQueue.WaitAsync(EngineUnderTest.Patience);
        (await vip.OfferToAgentAsync(Agent, answer: true)).Should().NotBeNull();
        await vip.AgentEndsAsync();
        await vip.Completion.WaitAsync(EngineUnderTest.Patience);

        // Another known caller waits in a queue and hangs up there.
        var waiting = await freeSwitch.StartCallAsync(engine.EndPoint, new CallerScript { Ani = DemoDataSeeder.WellKnown.ExistingPhone });
        await waiting.InQueue.WaitAsync(EngineUnderTest.Patience);
        await waiting.HangUpAsync();
        await waiting.Completion.WaitAsync(EngineUnderTest.Patience);

        // An unknown caller hangs up at the first question.
        var gone = await freeSwitch.StartCallAsync(engine.EndPoint, new CallerScript { Ani = "15559990001", Inputs = [CallerInput.HangUp()] });
        await gone.Completion.WaitAsync(EngineUnderTest.Patience);

        (await three.WaitAsync(EngineUnderTest.Patience)).Should().Be(3);

        // The agent wraps the VIP call up and a supervisor opens a request from it, after the call was counted.
        var web = DeskWeb.Base(engine);
        using var supervisor = await DeskWeb.TokenAsync(engine.Host.Services, web, "supervisor");
        using (var agentDesk = await DeskWeb.TokenAsync(engine.Host.Services, web, "agent1001"))
        {
            var vipCard = await engine.Host.Services.GetRequiredService<IClientStore>().FindByPhoneAsync(DemoDataSeeder.WellKnown.VipPhone);
            var ticket = await supervisor.PostAsJsonAsync(new Uri($"/api/clients/{vipCard!.Id}/tickets", UriKind.Relative), new { subject = "Card blocked", callUuid = vip.Uuid });
            ticket.StatusCode.Should().Be(HttpStatusCode.Created, await ticket.Content.ReadAsStringAsync());
            var wrapUp = await agentDesk.PostAsJsonAsync(new Uri($"/api/calls/{vip.Uuid}/wrapup", UriKind.Relative), new { disposition = "resolved" });
            wrapUp.StatusCode.Should().Be(HttpStatusCode.OK, await wrapUp.Content.ReadAsStringAsync());
        }

        await collector.FlushAsync(engine.Host.Services.GetRequiredService<IStatisticsStore>());

        var response = await supervisor.GetAsync(new Uri("/api/statistics/report?by=queue&timeZone=UTC", UriKind.Relative));
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await DeskWeb.JsonAsync(response);
        body.GetProperty("by").GetString().Should().Be("queue");
        var rows = body.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("figures"));
        rows.Keys.Should().BeEquivalentTo(["(none)", "vip@default", "general@default"]);
        Figures(rows["vip@default"]).Should().Be((1L, 1L, 0L));
        Figures(rows["general@default"]).Should().Be((1L, 0L, 1L));
        rows["(none)"].GetProperty("ivrAbandoned").GetInt64().Should().Be(1);
        rows["vip@default"].GetProperty("serviceLevelPercent").GetDouble().Should().Be(100);
        rows["vip@default"].GetProperty("requests").GetInt64().Should().Be(1);
        rows["vip@default"].GetProperty("averageWrapUpSeconds").GetDouble().Should().BeGreaterThanOrEqualTo(0, "one wrap-up was saved");
        rows["general@default"].GetProperty("averageWrapUpSeconds").ValueKind.Should().Be(JsonValueKind.Null);
        (rows["vip@default"].GetProperty("wrapUps").GetInt64(), rows["vip@default"].GetProperty("dispositions").GetProperty("resolved").GetInt64(),
            rows["vip@default"].GetProperty("resolvedPercent").GetDouble()).Should().Be((1L, 1L, 100.0));
        (rows["vip@default"].GetProperty("offers").GetInt64(), rows["vip@default"].GetProperty("offersMissed").GetInt64()).Should().Be((1L, 0L),
            "the simulator's agent-offering, then the agent answered");
        body.GetProperty("where").ValueKind.Should().Be(JsonValueKind.Null);
        body.GetProperty("wholeDays").GetBoolean().Should().BeFalse();

        // Filtered: the VIP's calls by queue (their pair, by whole days), the general queue's by hour (its hours).
        var vips = await (await supervisor.GetAsync(new Uri("/api/statistics/report?by=queue&where=" + Uri.EscapeDataString("cti=V") + "&timeZone=UTC", UriKind.Relative)))
            .Content.ReadFromJsonAsync<JsonElement>();
        (vips.GetProperty("where").GetString(), vips.GetProperty("wholeDays").GetBoolean()).Should().Be(("cti=V", true));
        vips.GetProperty("rows").EnumerateArray().Select(r => (r.GetProperty("key").GetString(), r.GetProperty("figures").GetProperty("answered").GetInt64()))
            .Should().Equal(("vip@default", 1L));
        var general = await (await supervisor.GetAsync(new Uri("/api/statistics/report?by=hour&where=" + Uri.EscapeDataString("queue=general@default") + "&timeZone=UTC",
            UriKind.Relative))).Content.ReadFromJsonAsync<JsonElement>();
        general.GetProperty("wholeDays").GetBoolean().Should().BeFalse();
        general.GetProperty("rows").EnumerateArray().Sum(r => r.GetProperty("figures").GetProperty("abandoned").GetInt64()).Should().Be(1);
        var badFilter = await supervisor.GetAsync(new Uri("/api/statistics/report?where=hour%3D9", UriKind.Relative));
        badFilter.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await badFilter.Content.ReadAsStringAsync()).Should().Contain("'hour' is not a dimension a report can be filtered on");

        var csv = await supervisor.GetAsync(new Uri("/api/statistics/report?by=agent&format=csv&timeZone=UTC", UriKind.Relative));
        csv.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
        csv.Content.Headers.ContentDisposition!.DispositionType.Should().Be("attachment");
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        lines[0].Should().StartWith("agent,calls,");
        lines.Should().Contain(l => l.StartsWith(Agent + ",1,1,0,", StringComparison.Ordinal));

        // The default flow's funnel (it serves 5000 here): three callers came in, two were handed on, one hung up at a question.
        var funnel = await DeskWeb.JsonAsync(await supervisor.GetAsync(new Uri("/api/statistics/funnel?flow=default&timeZone=UTC", UriKind.Relative)));
        var steps = funnel.GetProperty("steps").EnumerateArray().ToList();
        steps[0].GetProperty("entered").GetInt64().Should().Be(3, "every caller reaches the flow's first step");
        steps.Sum(s => s.GetProperty("left").GetInt64()).Should().Be(2);
        steps.Sum(s => s.GetProperty("hungUp").GetInt64()).Should().Be(1);
        steps.SelectMany(s => s.GetProperty("leftTo").EnumerateObject()).Select(p => p.Name).Should().BeEquivalentTo(["vip", "general"]);
        (await supervisor.GetAsync(new Uri("/api/statistics/funnel", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.BadRequest);

        using var agent = await DeskWeb.TokenAsync(engine.Host.Services, web, "agent1001");
        (await agent.GetAsync(new Uri("/api/statistics/report", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        using var anonymous = DeskWeb.Anonymous(web);
        (await anonymous.GetAsync(new Uri("/api/statistics/report", UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        var bad = await supervisor.GetAsync(new Uri("/api/statistics/report?from=yesterday", UriKind.Relative));
        bad.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).Should().Contain("'yesterday' is not a date");
    }

    private static (long Queued, long Answered, long Abandoned) Figures(JsonElement f) =>
        (f.GetProperty("queued").GetInt64(), f.GetProperty("answered").GetInt64(), f.GetProperty("abandoned").GetInt64());
}
