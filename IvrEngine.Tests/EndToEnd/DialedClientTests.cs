using IvrEngine.Profiles;
using IvrEngine.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>A contact the campaign's list knew as a client is that client on the answered call, whatever number
/// answered: the flow's caller lookup finds the client (the reminder says their overdue amount) and the call is in their history.</summary>
public sealed class DialedClientTests
{
    private const string Password = "dialer";

    [Fact]
    public async Task A_contact_known_as_a_client_is_found_as_that_client_though_the_number_that_answered_is_not_on_the_card()
    {
        await using var simulator = new FreeSwitchSimulator();
        await using var server = await simulator.StartInboundServerAsync(Password);
        simulator.SetContact("2010", SimulatedContact.Answering());
        await using var watch = await JobWatch.StartAsync(server, Password);
        var engine = await EngineUnderTest.StartAsync(null, null, JobWatch.DialerSettings(server, Password, "dialed-client"));
        try
        {
            var store = engine.Host.Services.GetRequiredService<IClientStore>();
            var client = await store.InsertAsync(new ClientCard
            {
                Name = "Martha Quinn", Category = ClientCategories.Regular, HasContract = true, OverdueAmount = 120.50m, Phones = ["+12025550177"],
            });
            await store.UpsertCampaignAsync(new Campaign { Dnis = "7000", Name = "Payment reminder", Direction = "outgoing", Hints = "Offer a payment plan." });
            var dialer = (IDialerStore)store;
            await dialer.SaveCampaignAsync(new OutboundCampaign
            {
                Id = "reminders", Name = "Reminders", CardDnis = "7000", CallerIdNumber = "5550100", DialString = "user/{number}", RingSeconds = 5,
                Hours = new CallingHours { From = TimeOnly.MinValue, To = TimeOnly.MaxValue, Days = [.. Enum.GetValues<DayOfWeek>()], DefaultTimeZone = "UTC" },
                Pacing = new DialPacing { CallsPerSecond = 5, MaxConcurrent = 1 },
                State = OutboundCampaignState.Running,
                CreatedAt = DateTimeOffset.UtcNow,
            });
            // The number on the list (2010, say a relative's) is not on the card: the list named the client.
            await dialer.AddContactsAsync("reminders", [new CampaignContact { Id = Guid.CreateVersion7(), CampaignId = "reminders", Phone = "2010", TimeZone = "UTC", ClientId = client.Id }]);

            var reply = watch.Next();
            reply.IsOk.Should().BeTrue(reply.Body);
            var uuid = reply.Body.TrimEnd('\n')[4..];
            var call = await simulator.AnsweredCallAsync(uuid).WaitAsync(EngineUnderTest.Patience);
            var record = await call.Completion.WaitAsync(EngineUnderTest.Patience);
            record.Applications.Should().Contain(a => a.Name == "say" && (a.Arg ?? string.Empty).Contains("120.5", StringComparison.Ordinal), "the reminder says the client's overdue amount");

            await engine.Host.StopAsync().WaitAsync(EngineUnderTest.Patience);
            var history = await store.GetInteractionsAsync(client.Id, 10);
            history.Should().ContainSingle(h => h.CallUuid == uuid).Which.Direction.Should().Be("outbound");
        }
        finally
        {
            await engine.DisposeAsync();
        }
    }
}
