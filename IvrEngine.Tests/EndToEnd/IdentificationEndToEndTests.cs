using IvrEngine.Profiles;
using IvrEngine.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>The engine knows who is calling before a word is said, through a real store file and real TCP.</summary>
public sealed class IdentificationEndToEndTests
{
    [Fact]
    public async Task A_demo_VIP_calling_from_their_number_is_identified_without_keying_anything()
    {
        await using var engine = await EngineUnderTest.StartAsync(null, null, "--Store:SeedDemoData=true");

        var record = await engine.RunCallAsync(new CallerScript { Ani = "15551230001", Dnis = "5000" });

        record.ProtocolErrors.Should().BeEmpty();
        record.Applications.Select(a => a.Name).Should().NotContain("play_and_get_digits", "a caller known by number is not asked for an account");
        record.ExportedVariables.Should().Contain("ivr_cti_code", "V")
            .And.Contain("ivr_matched_by", "phone")
            .And.Contain("ivr_client_name", "Eleanor Vance")
            .And.Contain("ivr_category", "vip")
            .And.Contain("ivr_campaign", "Demo Bank");
        record.ExportedVariables["ivr_cti_reason"].Should().StartWith("V: category VIP");
        record.ExportedVariables.Should().Contain("ivr_route_rule", "vip");
        record.TransferredTo.Should().Be("queue_vip XML default");
    }

    [Fact]
    public async Task A_client_calling_from_a_new_number_is_found_by_the_account_keyed_in()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        var store = engine.Host.Services.GetRequiredService<IClientStore>();
        var client = await store.InsertAsync(Card("Tamar Kapanadze", "+995322111222", "778899", hasContract: true));

        var record = await engine.RunCallAsync(new CallerScript { Ani = "15557770000", Inputs = [CallerInput.Keys("778899#")] });

        record.ProtocolErrors.Should().BeEmpty();
        record.ExportedVariables.Should().Contain("ivr_matched_by", "account")
            .And.Contain("ivr_client_id", client.Id.ToString())
            .And.Contain("ivr_cti_code", "E")
            .And.Contain("ivr_new_caller_number", "+15557770000");
    }

    [Fact]
    public async Task Every_call_is_recorded_and_a_second_call_within_the_window_is_a_repeat_contact()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        var store = engine.Host.Services.GetRequiredService<IClientStore>();
        var client = await store.InsertAsync(Card("Ivan Petrov", "+15552220000", "123456", hasContract: true));

        var first = await engine.RunCallAsync(new CallerScript { Ani = "15552220000" });
        var second = await engine.RunCallAsync(new CallerScript { Ani = "15552220000", Inputs = [CallerInput.HangUp().AtPlayback()] });

        first.ExportedVariables.Should().Contain("ivr_cti_code", "E");
        second.ExportedVariables.Should().BeEmpty("the caller hung up during the greeting, before anything was attached");
        await engine.Service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);
        var history = await store.GetInteractionsAsync(client.Id);
        history.Select(h => (h.CallUuid, h.Outcome)).Should().Equal((second.Uuid, "hung-up"), (first.Uuid, "transferred"));
        history[1].Queue.Should().Be("general");
        history[1].Flow.Should().Be("default");
        history[1].Steps.Should().Equal("default/context", "default/identify", "default/welcome-known", "default/route");
        history[0].Steps.Should().Equal("default/context", "default/identify", "default/welcome-known");

        var third = await engine.RunCallAsync(new CallerScript { Ani = "15552220000" });
        third.ExportedVariables.Should().Contain("ivr_cti_code", "R");
        third.ExportedVariables["ivr_cti_reason"].Should().Contain("called again");
    }

    [Fact]
    public async Task An_unknown_caller_who_keys_an_unknown_account_is_new_and_the_account_is_masked_in_history()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        var store = engine.Host.Services.GetRequiredService<IClientStore>();

        var record = await engine.RunCallAsync(new CallerScript { Ani = "15559990001", Inputs = [CallerInput.Keys("49999123#")] });

        record.ExportedVariables.Should().Contain("ivr_cti_code", "N").And.NotContainKey("ivr_client_id");
        await engine.Service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);
        var last = await store.LastInteractionFromAsync("+15559990001");
        last!.Collected["account"].Should().Be("****9123");
        last.Collected["account_status"].Should().Be("ok");
        last.ClientId.Should().BeNull();
    }

    private static ClientCard Card(string name, string phone, string account, bool hasContract) => new()
    {
        Id = Guid.NewGuid(),
        Name = name,
        Phones = [phone],
        AccountNumbers = [account],
        HasContract = hasContract,
        CreatedAt = DateTimeOffset.UtcNow,
    };
}
