using System.Net;
using System.Net.Http.Json;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.Cluster;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Statistics;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Tests.Support;
using IvrEngine.Tests.Web;
using IvrEngine.Tests.Web.Desk;
using IvrEngine.Web;
using IvrEngine.Web.Desk;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.Cluster;

/// <summary>Two real engine hosts on one PostgreSQL (Store:Provider=PostgreSQL; the cards in one store file they share
/// in this process), both with an inbound connection to one simulated FreeSWITCH, over real TCP: engine B's IVR serves
/// a call, the queue offers it to an agent signed in on engine A.</summary>
public sealed class TwoEnginesTests
{
    [PostgresFact]
    public async Task An_agent_on_engine_A_gets_the_card_of_a_call_engine_B_served_and_their_edit_reaches_the_call_and_engine_B()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var cards = Directory.CreateTempSubdirectory("ivrengine-cluster-");
        await using var box = new FreeSwitchSimulator(new SimulatorOptions
        {
            HangUpAfterTransfer = false, CallcenterAgents = ["1001@default"], Dialplan = QueueDialplan.Of,
        });
        await using var server = await box.StartInboundServerAsync("pw");
        string[] Settings(string name) =>
        [
            "--Engine:Inbound:Enabled=true", "--Engine:Inbound:Password=pw", "--Engine:Inbound:Host=127.0.0.1", $"--Engine:Inbound:Port={server.EndPoint.Port}",
            "--Store:Provider=PostgreSQL", $"--Store:ConnectionString={database}", $"--Engine:Name={name}",
            $"--Store:Path={Path.Combine(cards.FullName, "clients.db")}", "--Store:SeedDemoData=true",
        ];

        try
        {
            await using var a = await EngineUnderTest.StartAsync(null, null, Settings("engine-a"));
            await using var b = await EngineUnderTest.StartAsync(null, null, Settings("engine-b"));
            var deskA = a.Host.Services.GetRequiredService<DeskService>();
            var deskB = b.Host.Services.GetRequiredService<DeskService>();
            await deskA.WaitForAsync(d => d.AgentOf("1001@default") is not null, EngineUnderTest.Patience, "engine A hears the box");
            await deskB.WaitForAsync(d => d.AgentOf("1001@default") is not null, EngineUnderTest.Patience, "engine B hears the box");
            using (var health = DeskWeb.Anonymous(DeskWeb.Base(a)))
            {
                (await health.GetStringAsync(new Uri("/health", UriKind.Relative))).Should().Contain("\"name\":\"cluster\",\"status\":\"healthy\"");
            }

            var vip = await a.Host.Services.GetRequiredService<IClientStore>().FindByPhoneAsync(DemoDataSeeder.WellKnown.VipPhone);

            // The box hands the call to engine B; its IVR sends it to a queue, which offers it to agent 1001.
            var mirroredOnA = Applied(a, c => c.Kind == StoreChangeKinds.Context);
            var call = await box.StartCallAsync(b.EndPoint, new CallerScript { Ani = DemoDataSeeder.WellKnown.VipPhone, CallerName = string.Empty });
            await call.WaitForApplicationAsync("callcenter").WaitAsync(EngineUnderTest.Patience);
            await mirroredOnA;
            await call.OfferToAgentAsync("1001@default", answer: true);
            await deskA.WaitForAsync(d => d.Find(call.Uuid) is { State: DeskCallState.OnCall }, EngineUnderTest.Patience, "the call on 1001's desk on A");

            b.Host.Services.GetRequiredService<CallContextRegistry>().Find(call.Uuid)!.ServedBy.Should().BeNull("engine B served it");
            a.Host.Services.GetRequiredService<CallContextRegistry>().Find(call.Uuid)!.ServedBy.Should().Be("engine-b");

            // Agent 1001 signed in on engine A opens the card.
            await DeskWeb.AddUsersAsync(a.Host.Services);
            using var agent = await DeskWeb.TokenAsync(a.Host.Services, DeskWeb.Base(a), "agent1001");
            var card = await DeskWeb.JsonAsync(await agent.GetAsync(new Uri($"/api/calls/{call.Uuid}/card", UriKind.Relative)));
            card.GetProperty("client").GetProperty("name").GetString().Should().Be(vip!.Name);
            card.GetProperty("client").GetProperty("id").GetGuid().Should().Be(vip.Id);
            card.GetProperty("call").GetProperty("state").GetString().Should().Be("on-call");

            // Their edit goes onto the live call (engine A has a connection to the call's box) and reaches engine B.
            var seenOnB = Applied(b, c => c.Kind == StoreChangeKinds.Context && c.Id == call.Uuid && c.Engine == "engine-a");
            var edit = await agent.PatchAsync(new Uri($"/api/clients/{vip.Id}", UriKind.Relative),
                JsonContent.Create(new { version = card.GetProperty("client").GetProperty("version").GetInt32(), name = "Vera Edited", callUuid = call.Uuid }));
            edit.StatusCode.Should().Be(HttpStatusCode.OK, await edit.Content.ReadAsStringAsync());
            edit.Headers.GetValues("X-Ivr-Live-Channel").Should().Equal("updated");
            call.Variables.Should().Contain("ivr_client_name", "Vera Edited");
            await seenOnB;
            b.Host.Services.GetRequiredService<CallContextRegistry>().Find(call.Uuid)!.Variables.Should().Contain("ivr_client_name", "Vera Edited");

            // The call ends: counted once between the two engines, by the one whose IVR served it.
            var countedOnB = b.Host.Services.GetRequiredService<StatisticsCollector>().CountedCalls.FirstAsync().ToTask();
            await call.AgentEndsAsync();
            await call.Completion.WaitAsync(EngineUnderTest.Patience);
            await countedOnB.WaitAsync(EngineUnderTest.Patience);
            var statisticsA = a.Host.Services.GetRequiredService<StatisticsCollector>();
            await deskA.WaitForAsync(_ => !statisticsA.Follows(call.Uuid), EngineUnderTest.Patience, "engine A done with the call");
            statisticsA.Counted.Should().Be(0, "engine B's IVR served the call");
            b.Host.Services.GetRequiredService<StatisticsCollector>().Counted.Should().Be(1);
        }
        finally
        {
            cards.Delete(recursive: true);
        }
    }

    [PostgresFact]
    public async Task A_second_engine_of_the_same_name_on_one_database_does_not_start()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        string[] settings = ["--Store:Provider=PostgreSQL", $"--Store:ConnectionString={database}", "--Engine:Name=twin"];
        await using var first = await EngineUnderTest.StartAsync(null, null, settings);

        var second = () => EngineUnderTest.StartAsync(null, null, settings);

        (await second.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).Which.Failures.Should()
            .ContainSingle().Which.Should().Contain("Engine:Name 'twin' is the name of another engine running on this database");
    }

    private static Task<IvrEngine.Profiles.StoreChange> Applied(EngineUnderTest engine, Func<IvrEngine.Profiles.StoreChange, bool> match) =>
        engine.Host.Services.GetRequiredService<SharedContextMirror>().Applied.Where(match).FirstAsync().Timeout(EngineUnderTest.Patience).ToTask();
}
