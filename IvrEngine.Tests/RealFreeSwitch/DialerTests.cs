using System.Text.Json.Nodes;
using IvrEngine.EventSocket;
using IvrEngine.Hosting;
using IvrEngine.Profiles;
using IvrEngine.Tests.Browser;
using IvrEngine.Tests.Web;
using IvrEngine.Web.Desk;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace IvrEngine.Tests.RealFreeSwitch;

/// <summary>The engine's dialer against real FreeSWITCH: campaigns dial SIP phones (baresip) that answer and key survey
/// answers, turn the call down (busy), ring unanswered, or are not registered; the outcomes are FreeSWITCH's, the
/// rules and the do-not-call list hold, and a reminder the contact answers with 1 reaches an agent whose card pops
/// marked OUTGOING with the campaign's hints.</summary>
[Collection(RealFreeSwitchTests.Name)]
[Trait("Category", "RealFreeSwitch")]
public sealed class DialerTests(ITestOutputHelper output)
{
    private static readonly IReadOnlyList<string> Events =
        [.. FreeSwitchInstance.AllEvents, "BACKGROUND_JOB", "CHANNEL_DESTROY"];

    private static readonly string[] SurveyNumbers = ["1001", "1002", "1000", "1005", "1006"];

    private static readonly string[] RingingNumbers = ["1000", "1001", "1002"];

    private static readonly string[] DialerSettings = ["--Dialer:Enabled=true", "--Dialer:ScanSeconds=1"];

    private static CallingHours AlwaysOpen() =>
        new() { From = TimeOnly.MinValue, To = TimeOnly.MaxValue, Days = [.. Enum.GetValues<DayOfWeek>()], DefaultTimeZone = "UTC" };

    [RealFreeSwitchFact]
    public async Task A_survey_campaign_dials_real_phones_two_at_a_time_stores_the_keyed_answers_retries_busy_and_never_dials_the_do_not_call_number()
    {
        await using var lab = await RealLab.StartAsync(new LabOptions
        {
            Agents = ["1001"], Caller = true, // 1001 answers, 1000 rings and is never answered
            EngineSettings = DialerSettings, FreeSwitchEvents = Events,
        }, nameof(A_survey_campaign_dials_real_phones_two_at_a_time_stores_the_keyed_answers_retries_busy_and_never_dials_the_do_not_call_number));
        // 1002 turns calls down; a phone process of its own, so that its hangups never race 1001's keys (baresip's
        // commands act on the phone picked last).
        await using var busyPhone = await BaresipPhones.StartAsync(lab.FreeSwitch, ["1002"], new HashSet<string>(), nameof(DialerTests) + "-busy");
        var services = lab.Engine!.Services!;
        var store = (IDialerStore)services.GetRequiredService<IClientStore>();
        await store.AddDoNotCallAsync(new DoNotCallEntry("1006", "asked not to be called", DateTimeOffset.UtcNow));
        var busy = RejectEveryCallAsync(busyPhone, lab.FreeSwitch.SipPort, "1002", times: 2);

        await store.SaveCampaignAsync(new OutboundCampaign
        {
            Id = "survey-real", Name = "Survey on real phones", CardDnis = "7001", CallerIdNumber = "5550100", DialString = "user/{number}",
            RingSeconds = 4, Hours = AlwaysOpen(),
            Pacing = new DialPacing { CallsPerSecond = 5, MaxConcurrent = 2 },
            Busy = new RetryRule { After = TimeSpan.Zero, MaxAttempts = 2 },
            NoAnswer = new RetryRule { After = TimeSpan.FromHours(1), MaxAttempts = 2 },
            Failed = new RetryRule { After = TimeSpan.Zero, MaxAttempts = 1 },
            State = OutboundCampaignState.Running,
            CreatedAt = DateTimeOffset.UtcNow,
        });
        await store.AddContactsAsync("survey-real", [.. SurveyNumbers.Select(n => new CampaignContact
        {
            Id = Guid.CreateVersion7(), CampaignId = "survey-real", Phone = n, Name = "Phone " + n, TimeZone = "UTC",
        })]);

        // 1001 answers by itself and keys the two answers on the keypad (RFC 2833) as each question is asked.
        var answering = await lab.Events.WaitAsync(e => e.EventName == "CHANNEL_CREATE" && e["variable_dialer_number"] == "1001", RealLab.Patience, "the call to 1001");
        await lab.Events.ApplicationAsync(answering.UniqueId!, "play_and_get_digits", "q-satisfaction", RealLab.Patience);
        await lab.Agents!.UseAsync("1001", lab.FreeSwitch.SipPort);
        await lab.Agents.KeyAsync("4");
        await lab.Events.ApplicationAsync(answering.UniqueId!, "play_and_get_digits", "q-resolved", RealLab.Patience);
        await lab.Agents.KeyAsync("1");

        // Five originates: 1001 answered, 1002 busy twice, 1000 not answered, 1005 not registered; then nothing is due.
        var jobs = await WaitForAsync(lab, 5, e => e.EventName == "BACKGROUND_JOB" && (e["Job-Command"] ?? string.Empty) == "originate", "the five originates' replies");
        await busy;
        await lab.Events.WaitAsync(e => e.EventName == "CHANNEL_DESTROY" && e.UniqueId == answering.UniqueId, RealLab.Patience, "the end of the survey call");
        await lab.Engine.StopAsync(); // every attempt and result written
        var contacts = (await store.ContactsAsync("survey-real", 0, 10)).ToDictionary(c => c.Phone);

        var replies = jobs.Select(j => j.Body?.TrimEnd('\n') ?? string.Empty).ToList();
        output.WriteLine(string.Join(Environment.NewLine, replies));
        replies.Where(r => !r.StartsWith("+OK", StringComparison.Ordinal)).Should().BeEquivalentTo(["-ERR USER_BUSY", "-ERR USER_BUSY", "-ERR NO_ANSWER", "-ERR USER_NOT_REGISTERED"]);
        var dialed = lab.Events.Snapshot().Where(e => e.EventName == "CHANNEL_CREATE" && e["variable_dialer_campaign"] == "survey-real").ToList();
        dialed.GroupBy(e => e["variable_dialer_number"]).ToDictionary(g => g.Key!, g => g.Count())
            .Should().BeEquivalentTo(new Dictionary<string, int> { ["1001"] = 1, ["1002"] = 2, ["1000"] = 1 },
                "each contact is dialed by its rules (1005 is refused before a channel exists), the do-not-call number never");
        PeakAtOnce(lab, "survey-real").Should().Be(2, "at most two calls at once, and two did run at once");

        var survey = contacts["1001"];
        (survey.Status, survey.Attempts, survey.LastOutcome, survey.Result).Should().Be((ContactStatus.Done, 1, "answered", "completed"));
        survey.Answers.Should().BeEquivalentTo(new Dictionary<string, string> { ["satisfaction"] = "4", ["resolved"] = "1" }, "the keys the phone pressed");
        (contacts["1002"].Status, contacts["1002"].Attempts, contacts["1002"].LastHangupCause).Should().Be((ContactStatus.Exhausted, 2, "USER_BUSY"));
        (contacts["1000"].Status, contacts["1000"].Attempts, contacts["1000"].LastOutcome).Should().Be((ContactStatus.Pending, 1, "no-answer"));
        contacts["1000"].NextAttemptAt.Should().BeAfter(DateTimeOffset.UtcNow.AddMinutes(50), "no answer is tried again an hour later");
        (contacts["1005"].Status, contacts["1005"].LastHangupCause).Should().Be((ContactStatus.Exhausted, "USER_NOT_REGISTERED"));
        (contacts["1006"].Status, contacts["1006"].Attempts).Should().Be((ContactStatus.DoNotCall, 0));
    }

    [RealFreeSwitchFact]
    public async Task Paced_by_the_collections_queue_no_more_phones_ring_than_the_queue_has_agents_waiting()
    {
        // Every contact's phone rings unanswered; collections@default has two agents, Available and Waiting
        // (freeswitch-conf's callcenter.conf.xml), as mod_callcenter's own agent list says.
        await using var lab = await RealLab.StartAsync(new LabOptions
        {
            Agents = ["1001", "1002"], ManualAnswer = ["1001", "1002"], Caller = true, EngineSettings = DialerSettings, FreeSwitchEvents = Events,
        }, nameof(Paced_by_the_collections_queue_no_more_phones_ring_than_the_queue_has_agents_waiting));
        var store = (IDialerStore)lab.Engine!.Services!.GetRequiredService<IClientStore>();
        await store.SaveCampaignAsync(new OutboundCampaign
        {
            Id = "agents-real", Name = "Call-backs for collections", CardDnis = "7000", CallerIdNumber = "5550100", DialString = "user/{number}",
            RingSeconds = 3, Hours = AlwaysOpen(),
            Pacing = new DialPacing { CallsPerSecond = 10, MaxConcurrent = 10, AgentQueue = "collections@default" },
            NoAnswer = new RetryRule { After = TimeSpan.FromHours(1), MaxAttempts = 2 },
            State = OutboundCampaignState.Running, CreatedAt = DateTimeOffset.UtcNow,
        });
        await store.AddContactsAsync("agents-real", [.. RingingNumbers.Select(n => new CampaignContact
        {
            Id = Guid.CreateVersion7(), CampaignId = "agents-real", Phone = n, TimeZone = "UTC",
        })]);

        var jobs = await WaitForAsync(lab, 3, e => e.EventName == "BACKGROUND_JOB" && (e["Job-Command"] ?? string.Empty) == "originate", "the three originates' replies");
        jobs.Select(j => j.Body?.TrimEnd('\n')).Should().AllBe("-ERR NO_ANSWER");
        PeakAtOnce(lab, "agents-real").Should().Be(2, "two agents waiting: two phones ring at once, the third once one of them stopped");
    }

    [RealFreeSwitchFact]
    public async Task A_reminder_answered_with_1_reaches_a_collections_agent_whose_card_pops_OUTGOING_with_the_client_and_the_campaign_hints()
    {
        if (BrowserEnvironment.Missing is { } missing) throw new InvalidOperationException(missing);
        await using var lab = await RealLab.StartAsync(new LabOptions
        {
            Agents = ["1001", "1004"], ManualAnswer = ["1004"], EngineSettings = DialerSettings, FreeSwitchEvents = Events,
        }, nameof(A_reminder_answered_with_1_reaches_a_collections_agent_whose_card_pops_OUTGOING_with_the_client_and_the_campaign_hints));
        var services = lab.Engine!.Services!;
        await services.GetRequiredService<InboundClientService>().Client!.SubscribeAsync(DeskServices.Events).WaitAsync(RealLab.Patience);
        await DeskWeb.AddUsersAsync(services);
        await services.GetRequiredService<UserAccounts>().SetPasswordAsync("agent1004", DeskWeb.Password); // a demo agent of collections
        var store = services.GetRequiredService<IClientStore>();
        var client = (await store.FindByPhoneAsync(DemoDataSeeder.WellKnown.OverduePhone))!;
        await using var browser = await BrowserSession.StartAsync(lab.Engine.WebBase.ToString());

        await browser.RunAsync(async page =>
        {
            await RealDesk.SignInAsync(page, "agent1004");
            var dialer = (IDialerStore)store;
            await dialer.SaveCampaignAsync(new OutboundCampaign
            {
                Id = "reminder-real", Name = "Overdue reminders", CardDnis = "7000", CallerIdNumber = "5550100", DialString = "user/{number}",
                RingSeconds = 20, Hours = AlwaysOpen(), Pacing = new DialPacing { CallsPerSecond = 1, MaxConcurrent = 1 },
                State = OutboundCampaignState.Running, CreatedAt = DateTimeOffset.UtcNow,
            });
            // The client's phone on the list is 1001's (say the number they gave for reminders): the list names the client.
            var contact = new CampaignContact { Id = Guid.CreateVersion7(), CampaignId = "reminder-real", Phone = "1001", TimeZone = "UTC", ClientId = client.Id };
            await dialer.AddContactsAsync("reminder-real", [contact]);

            var call = await lab.Events.WaitAsync(e => e.EventName == "CHANNEL_CREATE" && e["variable_dialer_number"] == "1001", RealLab.Patience, "the call to 1001");
            var uuid = call.UniqueId!;
            await lab.Events.ApplicationAsync(uuid, "say", "CURRENCY", RealLab.Patience);
            await lab.Events.ApplicationAsync(uuid, "play_and_get_digits", "reminder-menu", RealLab.Patience);
            await lab.Agents!.UseAsync("1001", lab.FreeSwitch.SipPort);
            await lab.Agents.KeyAsync("1");

            var offered = await lab.Events.CallcenterAsync("agent-offering", uuid, RealLab.Patience);
            offered["CC-Agent"].Should().Be("1004@default");
            offered["CC-Queue"].Should().Be("collections@default");
            var card = page.GetByRole(AriaRole.Region, new() { Name = "Client card" });
            await Expect(card.GetByRole(AriaRole.Heading, new() { Level = 2 })).ToContainTextAsync(client.Name, new() { Timeout = (float)RealLab.Patience.TotalMilliseconds });
            await Expect(card.GetByTestId("direction")).ToHaveTextAsync("OUTGOING");
            await Expect(card.GetByTestId("call-state")).ToHaveTextAsync("Ringing");
            await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Campaign card" })).ToContainTextAsync("We called them: say so first.");

            await lab.Agents.UseAsync("1004", lab.FreeSwitch.SipPort);
            await lab.Agents.CommandAsync("accept");
            await Expect(card.GetByTestId("call-state")).ToHaveTextAsync("On call", new() { Timeout = (float)RealLab.Patience.TotalMilliseconds });
            var (_, agentLeg) = await lab.AnsweredByAgentAsync(uuid);
            var leg = await lab.FreeSwitch.DumpAsync(agentLeg);
            leg["variable_ivr_client_id"].Should().Be(client.Id.ToString(), "the agent's leg carries the client the list named");
            await lab.FreeSwitch.ApiAsync($"uuid_kill {uuid}");
            await lab.Events.WaitAsync(e => e.EventName == "CHANNEL_DESTROY" && e.UniqueId == uuid, RealLab.Patience, "the end of the reminder call");

            await lab.Engine.StopAsync(); // every result written
            var done = await dialer.GetContactAsync(contact.Id);
            (done!.Status, done.Attempts, done.Result, done.Agent).Should().Be((ContactStatus.Done, 1, "transferred", "1004@default"),
                "the agent mod_callcenter bridged the contact to is stored on the contact");
            (await store.GetInteractionsAsync(client.Id, 5)).Should().ContainSingle(h => h.CallUuid == uuid)
                .Which.Should().Match<InteractionRecord>(h => h.Direction == "outbound" && h.Campaign == "reminder-real" && h.Agent == "1004@default");
        });
        browser.ScriptErrors.Should().BeEmpty();
    }

    [RealFreeSwitchFact]
    public async Task An_engine_killed_while_a_contact_is_on_the_line_and_started_again_calls_the_rest_and_nobody_twice()
    {
        // The store as the campaign starts: 1001 answers (and stays in the survey), 1000 rings unanswered.
        var folder = Directory.CreateTempSubdirectory("ivr-dialer-restart-");
        var path = Path.Combine(folder.FullName, "clients.db");
        Guid first, second;
        using (var before = new LiteDbClientStore(path))
        {
            await before.SaveCampaignAsync(new OutboundCampaign
            {
                Id = "restart-real", Name = "Restart on real phones", CardDnis = "7001", CallerIdNumber = "5550100", DialString = "user/{number}",
                RingSeconds = 3, Hours = AlwaysOpen(), Pacing = new DialPacing { CallsPerSecond = 5, MaxConcurrent = 1 },
                NoAnswer = new RetryRule { After = TimeSpan.FromHours(1), MaxAttempts = 2 },
                State = OutboundCampaignState.Running, CreatedAt = DateTimeOffset.UtcNow,
            });
            first = Guid.CreateVersion7();
            second = Guid.CreateVersion7();
            await before.AddContactsAsync("restart-real", [
                new CampaignContact { Id = first, CampaignId = "restart-real", Phone = "1001", TimeZone = "UTC" },
                new CampaignContact { Id = second, CampaignId = "restart-real", Phone = "1000", TimeZone = "UTC" },
            ]);
        }

        string[] settings = [.. DialerSettings, "--Engine:Name=dialer-restart", $"--Store:Path={path}"];
        var name = nameof(An_engine_killed_while_a_contact_is_on_the_line_and_started_again_calls_the_rest_and_nobody_twice);
        try
        {
            await using var lab = await RealLab.StartAsync(new LabOptions
            {
                Engine = EngineMode.Process, EngineSettings = settings, Agents = ["1001"], Caller = true, FreeSwitchEvents = Events,
            }, name);

            var answered = await lab.Events.WaitAsync(e => e.EventName == "CHANNEL_CREATE" && e["variable_dialer_number"] == "1001", RealLab.Patience, "the call to 1001");
            await lab.Events.ApplicationAsync(answered.UniqueId!, "play_and_get_digits", "q-satisfaction", RealLab.Patience);
            await lab.Engine!.KillAsync();
            await lab.Events.WaitAsync(e => e.EventName == "CHANNEL_HANGUP" && e.UniqueId == answered.UniqueId, RealLab.Patience, "the end of the call the killed engine served");

            // The same engine (by name) again: the attempt it had on the line is unknown, never dialed again; 1000 is dialed.
            // (In this process, so that it can be stopped as a host stops, everything written.)
            await using (var again = await EngineInstance.StartAsync(lab.FreeSwitch, RealFreeSwitchEnvironment.FreePort(), name, asProcess: false, settings))
            {
                var seen = 0;
                await lab.Events.WaitAsync(e => e.EventName == "BACKGROUND_JOB" && e["Job-Command"] == "originate" && ++seen == 2, RealLab.Patience,
                    "the restarted engine's originate");
                await lab.Events.WaitAsync(e => e.EventName == "CHANNEL_HANGUP" && e["variable_dialer_number"] == "1000", RealLab.Patience, "the end of the call to 1000");
                await again.StopAsync();
            }

            var dialed = lab.Events.Snapshot().Where(e => e.EventName == "CHANNEL_CREATE" && e["variable_dialer_campaign"] == "restart-real")
                .GroupBy(e => e["variable_dialer_number"]).ToDictionary(g => g.Key!, g => g.Count());
            dialed.Should().BeEquivalentTo(new Dictionary<string, int> { ["1001"] = 1, ["1000"] = 1 }, "nobody is called twice");

            using var after = new LiteDbClientStore(path);
            var contacts = (await after.ContactsAsync("restart-real", 0, 10)).ToDictionary(c => c.Id);
            (contacts[first].Status, contacts[first].Attempts, contacts[first].LastOutcome, contacts[first].Result).Should().Be((ContactStatus.Done, 1, "answered", (string?)null),
                "FreeSWITCH's +OK (the answer) was stored before the engine died: the contact was reached, its flow never finished");
            (contacts[second].Status, contacts[second].Attempts, contacts[second].LastOutcome).Should().Be((ContactStatus.Pending, 1, "no-answer"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Turns down (486 Busy Here) the next <paramref name="times"/> calls ringing on phone <paramref name="user"/>.</summary>
    private static async Task RejectEveryCallAsync(BaresipPhones phone, int sipPort, string user, int times)
    {
        var handled = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < times; i++)
        {
            var ringing = await phone.WaitForEventAsync(e => (string?)e["type"] == "CALL_INCOMING"
                && ((string?)e["accountaor"] ?? string.Empty).Contains(user, StringComparison.Ordinal) && !handled.Contains(CallId(e)),
                RealLab.Patience, $"phone {user} ringing ({i + 1})");
            handled.Add(CallId(ringing));
            await phone.UseAsync(user, sipPort);
            await phone.CommandAsync("hangup");
        }

        static string CallId(JsonObject e) => (string?)e["id"] ?? string.Empty;
    }

    /// <summary>The first <paramref name="count"/> events <paramref name="match"/> accepts, in order.</summary>
    private static async Task<IReadOnlyList<EslEvent>> WaitForAsync(RealLab lab, int count, Func<EslEvent, bool> match, string what)
    {
        var seen = 0; // the log shows each event to a wait once, in order
        await lab.Events.WaitAsync(e => match(e) && ++seen >= count, RealLab.Patience, what);
        return [.. lab.Events.Snapshot().Where(match).Take(count)];
    }

    /// <summary>The most calls of a campaign FreeSWITCH had at once: between a dialed channel's CHANNEL_CREATE and its
    /// CHANNEL_HANGUP, in the order FreeSWITCH sent them.</summary>
    private static int PeakAtOnce(RealLab lab, string campaign)
    {
        var ours = new HashSet<string>(StringComparer.Ordinal);
        int now = 0, peak = 0;
        foreach (var e in lab.Events.Snapshot())
        {
            if (e.EventName == "CHANNEL_CREATE" && e["variable_dialer_campaign"] == campaign && ours.Add(e.UniqueId!)) peak = Math.Max(peak, ++now);
            else if (e.EventName == "CHANNEL_HANGUP" && e.UniqueId is { } id && ours.Remove(id)) now--;
        }

        return peak;
    }
}
