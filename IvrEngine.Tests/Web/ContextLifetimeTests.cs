using System.Net;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using IvrEngine.EventSocket;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Web;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.Web;

/// <summary>A call's context outlives its time in the IVR and goes when FreeSWITCH reports the hangup.</summary>
public sealed class ContextLifetimeTests
{
    [Fact]
    public async Task The_call_carries_ivr_context_id_which_is_its_interaction_id_and_serves_after_the_transfer()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        var store = engine.Host.Services.GetRequiredService<IClientStore>();
        var card = await store.InsertAsync(NewCard("+15551230009"));

        var record = await engine.RunCallAsync(new CallerScript { Ani = "+15551230009", Dnis = "5999" });

        record.TransferredTo.Should().Be("queue_general XML default");
        record.ExportedVariables.Should().ContainKey(CallContextRegistry.ContextVariable);
        var contextId = Guid.Parse(record.ExportedVariables[CallContextRegistry.ContextVariable]);
        (await store.GetInteractionsAsync(card.Id)).Should().ContainSingle(i => i.Id == contextId);
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var http = await DeskWeb.TokenAsync(engine.Host.Services, DeskWeb.Base(engine), "supervisor");
        var response = await http.GetAsync(new Uri($"/contexts/{contextId}", UriKind.Relative)).WaitAsync(EngineUnderTest.Patience);
        response.StatusCode.Should().Be(HttpStatusCode.OK, "without the inbound connection the context lives for its time-to-live");
        var body = await response.Content.ReadAsStringAsync();
        body.Should().Contain("\"ivr_client_id\":\"" + card.Id.ToString("D") + "\"").And.Contain("\"name\":\"Pat Doe\"");
    }

    [Fact]
    public async Task With_the_inbound_connection_the_context_goes_when_FreeSWITCH_reports_the_hangup()
    {
        await using var simulator = new FreeSwitchSimulator();
        await using var server = await simulator.StartInboundServerAsync("pw");
        await using var engine = await EngineUnderTest.StartAsync(null, null,
            "--Engine:Inbound:Enabled=true", $"--Engine:Inbound:Port={server.EndPoint.Port}", "--Engine:Inbound:Password=pw");
        var client = engine.Host.Services.GetRequiredService<InboundClientService>().Client!;
        await client.StartAsync().WaitAsync(EngineUnderTest.Patience);
        await engine.Host.Services.GetRequiredService<IClientStore>().InsertAsync(NewCard("+15551230010"));
        var script = new CallerScript { Ani = "+15551230010", Dnis = "5999" };
        var hangup = client.Events.Hangups().Where(h => h.Complete && h.UniqueId == script.Uuid).FirstAsync().ToTask();
        // The subscription is sent at start without waiting; make sure it is in place before the call.
        await client.SubscribeAsync(["CHANNEL_HANGUP_COMPLETE"]).WaitAsync(EngineUnderTest.Patience);

        var call = await simulator.StartCallAsync(engine.EndPoint, script);
        var record = await call.Completion.WaitAsync(EngineUnderTest.Patience);
        await hangup.WaitAsync(EngineUnderTest.Patience);

        record.TransferredTo.Should().NotBeNull();
        engine.Host.Services.GetRequiredService<CallContextRegistry>().Find(script.Uuid).Should().BeNull();
    }

    private static ClientCard NewCard(string phone) => new()
    {
        Id = Guid.NewGuid(),
        Name = "Pat Doe",
        Phones = [phone],
        HasContract = true,
        CreatedAt = DateTimeOffset.UtcNow,
    };
}
