using System.Collections.Concurrent;
using System.Reactive.Linq;
using IvrEngine.EventSocket;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace IvrEngine.Tests.EndToEnd;

/// <summary>The engine's dialer against the FreeSWITCH simulator (originate as FreeSWITCH 1.10.12 answers it): a running
/// campaign in the engine's store is dialed over the inbound connection, answered calls run their flow on the engine's
/// socket, and every outcome is FreeSWITCH's.</summary>
public sealed class DialerEndToEndTests
{
    private const string Password = "dialer";

    private static readonly string[] Numbers = ["2002", "2003", "2004", "2005", "2006"];

    /// <summary>Calling hours that never close (whenever the test runs).</summary>
    private static CallingHours AlwaysOpen() =>
        new() { From = TimeOnly.MinValue, To = TimeOnly.MaxValue, Days = [.. Enum.GetValues<DayOfWeek>()], DefaultTimeZone = "UTC" };

    [Fact]
    public async Task A_running_campaign_dials_its_contacts_retries_the_busy_one_skips_the_do_not_call_one_and_stores_the_answers()
    {
        await using var simulator = new FreeSwitchSimulator();
        await using var server = await simulator.StartInboundServerAsync(Password);
        var keys = new CallerScript
        {
            Inputs = [CallerInput.Keys("4"), CallerInput.Keys("1")],
        };
        simulator.SetContact("2002", SimulatedContact.Answering(TimeSpan.FromMilliseconds(50), keys));
        simulator.SetContact("2003", SimulatedContact.Busy());
        simulator.SetContact("2004", SimulatedContact.Answering());
        simulator.SetContact("2005", SimulatedContact.NeverAnswering);
        simulator.SetContact("2006", SimulatedContact.NotRegistered);

        // What FreeSWITCH reports, seen by a control connection of the test's own.
        await using var watch = new EslInboundClient(new EslInboundOptions { Port = server.EndPoint.Port, Password = Password });
        var jobs = new BlockingCollection<BackgroundJobResult>();
        using var subscription = watch.Events.BackgroundJobs().Subscribe(jobs.Add);
        await watch.StartAsync().WaitAsync(EngineUnderTest.Patience);
        await watch.SubscribeAsync(["BACKGROUND_JOB"]).WaitAsync(EngineUnderTest.Patience);

        var engine = await EngineUnderTest.StartAsync(null, null,
            "--Engine:Name=dialer-test", "--Engine:Inbound:Enabled=true", $"--Engine:Inbound:Port={server.EndPoint.Port}", $"--Engine:Inbound:Password={Password}",
            "--Dialer:Enabled=true", "--Dialer:ScanSeconds=1", $"--Flows:Path={Path.Combine(AppContext.BaseDirectory, "flows")}");
        Dictionary<string, CampaignContact> contacts;
        try
        {
            var store = (IDialerStore)engine.Host.Services.GetRequiredService<IClientStore>();
            await store.AddDoNotCallAsync(new DoNotCallEntry("2004", "asked not to be called", DateTimeOffset.UtcNow));
            await store.SaveCampaignAsync(new OutboundCampaign
            {
                Id = "survey-dec", Name = "December survey", CardDnis = "7001", CallerIdNumber = "5550100", DialString = "user/{number}", RingSeconds = 1,
                Hours = AlwaysOpen(),
                Pacing = new DialPacing { CallsPerSecond = 20, MaxConcurrent = 10 },
                Busy = new RetryRule { After = TimeSpan.Zero, MaxAttempts = 2 },
                NoAnswer = new RetryRule { After = TimeSpan.FromHours(1), MaxAttempts = 3 },
                Failed = new RetryRule { After = TimeSpan.Zero, MaxAttempts = 1 },
                State = OutboundCampaignState.Running,
                CreatedAt = DateTimeOffset.UtcNow,
            });
            await store.AddContactsAsync("survey-dec", [.. Numbers.Select(n => new CampaignContact
            {
                Id = Guid.CreateVersion7(), CampaignId = "survey-dec", Phone = n, Name = "Contact " + n, TimeZone = "UTC",
            })]);

            // 2002 answered, 2003 busy twice, 2005 not answered, 2006 not registered: five originates, then nothing more is
            // due (2005's retry is an hour away).
            var replies = new List<BackgroundJobResult>();
            using (var limit = new CancellationTokenSource(EngineUnderTest.Patience))
            {
                while (replies.Count < 5) replies.Add(jobs.Take(limit.Token));
            }

            replies.Select(r => r.Body.TrimEnd('\n')).Should().Contain(["-ERR USER_BUSY", "-ERR USER_BUSY", "-ERR NO_ANSWER", "-ERR USER_NOT_REGISTERED"]);
            var answered = replies.Single(r => r.IsOk).Body.TrimEnd('\n')[4..];
            var call = await simulator.AnsweredCallAsync(answered).WaitAsync(EngineUnderTest.Patience);
            var record = await call.Completion.WaitAsync(EngineUnderTest.Patience);
            (record.HangupBy, record.HangupCause).Should().Be(("engine", "NORMAL_CLEARING"), "the flow ended the call (its last step hangs up)");
            record.Applications.Where(a => a.Name == "play_and_get_digits").Should().HaveCount(2, "the two questions");

            await engine.Host.StopAsync().WaitAsync(EngineUnderTest.Patience);
            contacts = (await store.ContactsAsync("survey-dec", 0, 10)).ToDictionary(c => c.Phone);
        }
        finally
        {
            await engine.DisposeAsync();
        }

        simulator.DialedNumbers.Should().BeEquivalentTo(new Dictionary<string, int> { ["2002"] = 1, ["2003"] = 2, ["2005"] = 1, ["2006"] = 1 },
            "each contact is dialed by its rules, the do-not-call number never");
        jobs.Should().BeEmpty("nothing else was dialed");
        var survey = contacts["2002"];
        (survey.Status, survey.Attempts, survey.LastOutcome, survey.Result).Should().Be((ContactStatus.Done, 1, "answered", "completed"));
        survey.Answers.Should().BeEquivalentTo(new Dictionary<string, string> { ["satisfaction"] = "4", ["resolved"] = "1" });
        (contacts["2003"].Status, contacts["2003"].Attempts, contacts["2003"].LastHangupCause).Should().Be((ContactStatus.Exhausted, 2, "USER_BUSY"));
        (contacts["2004"].Status, contacts["2004"].Attempts).Should().Be((ContactStatus.DoNotCall, 0));
        (contacts["2005"].Status, contacts["2005"].LastOutcome).Should().Be((ContactStatus.Pending, "no-answer"));
        contacts["2005"].NextAttemptAt.Should().BeAfter(DateTimeOffset.UtcNow.AddMinutes(50));
        (contacts["2006"].Status, contacts["2006"].LastOutcome, contacts["2006"].LastHangupCause).Should().Be((ContactStatus.Exhausted, "failed", "USER_NOT_REGISTERED"));
    }

    [Fact]
    public async Task An_engine_that_stopped_mid_attempt_marks_it_unknown_at_its_next_start_and_never_dials_it_again()
    {
        await using var simulator = new FreeSwitchSimulator();
        await using var server = await simulator.StartInboundServerAsync(Password);
        simulator.SetContact("3001", SimulatedContact.Answering());
        simulator.SetContact("3002", SimulatedContact.Answering());

        // The store as the engine "restart-test" left it: contact 3001 claimed (dialing) when it stopped.
        var folder = Directory.CreateTempSubdirectory("ivrengine-dialer-");
        try
        {
            var path = Path.Combine(folder.FullName, "clients.db");
            using (var before = new LiteDbClientStore(path))
            {
                await before.SaveCampaignAsync(new OutboundCampaign
                {
                    Id = "restart", Name = "Restart", CardDnis = "7001", CallerIdNumber = "5550100", DialString = "user/{number}", RingSeconds = 5,
                    Hours = AlwaysOpen(),
                    Pacing = new DialPacing { CallsPerSecond = 10, MaxConcurrent = 10 },
                    State = OutboundCampaignState.Running,
                    CreatedAt = DateTimeOffset.UtcNow,
                });
                await before.AddContactsAsync("restart", [new CampaignContact { Id = Guid.CreateVersion7(), CampaignId = "restart", Phone = "3001", TimeZone = "UTC" }]);
                (await before.ClaimDueAsync("restart", "restart-test", DateTimeOffset.UtcNow, 1, ["UTC"])).Should().ContainSingle();
                await before.AddContactsAsync("restart", [new CampaignContact { Id = Guid.CreateVersion7(), CampaignId = "restart", Phone = "3002", TimeZone = "UTC" }]);
            }

            await using var watch = new EslInboundClient(new EslInboundOptions { Port = server.EndPoint.Port, Password = Password });
            var jobs = new BlockingCollection<BackgroundJobResult>();
            using var subscription = watch.Events.BackgroundJobs().Subscribe(jobs.Add);
            await watch.StartAsync().WaitAsync(EngineUnderTest.Patience);
            await watch.SubscribeAsync(["BACKGROUND_JOB"]).WaitAsync(EngineUnderTest.Patience);

            await using (var engine = await EngineUnderTest.StartAsync(null, null,
                "--Engine:Name=restart-test", "--Engine:Inbound:Enabled=true", $"--Engine:Inbound:Port={server.EndPoint.Port}", $"--Engine:Inbound:Password={Password}",
                "--Dialer:Enabled=true", "--Dialer:ScanSeconds=1", $"--Store:Path={path}", $"--Flows:Path={Path.Combine(AppContext.BaseDirectory, "flows")}"))
            {
                var reply = jobs.Take(new CancellationTokenSource(EngineUnderTest.Patience).Token);
                reply.IsOk.Should().BeTrue(reply.Body);
                var call = await simulator.AnsweredCallAsync(reply.Body.TrimEnd('\n')[4..]).WaitAsync(EngineUnderTest.Patience);
                await call.HangUpAsync();
                await call.Completion.WaitAsync(EngineUnderTest.Patience);
                await engine.Host.StopAsync().WaitAsync(EngineUnderTest.Patience);
            }

            simulator.DialedNumbers.Should().BeEquivalentTo(new Dictionary<string, int> { ["3002"] = 1 }, "3001's attempt may have been answered before the stop");
            using var after = new LiteDbClientStore(path);
            var contacts = (await after.ContactsAsync("restart", 0, 10)).ToDictionary(c => c.Phone);
            (contacts["3001"].Status, contacts["3001"].LastOutcome, contacts["3001"].Attempts).Should().Be((ContactStatus.Unknown, "unknown", 1));
            (contacts["3002"].Status, contacts["3002"].LastOutcome).Should().Be((ContactStatus.Done, "answered"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
