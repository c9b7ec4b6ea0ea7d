using System.Collections.Concurrent;
using System.Net;
using System.Reactive.Linq;
using IvrEngine.EventSocket;
using IvrEngine.Profiles;
using IvrEngine.Simulator;
using IvrEngine.Tests.Support;
using IvrEngine.Tests.Web;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

        await using var watch = await JobWatch.StartAsync(server, Password);
        var jobs = watch.Jobs;

        var engine = await EngineUnderTest.StartAsync(null, null, JobWatch.DialerSettings(server, Password, "dialer-test"));
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

            await using var watch = await JobWatch.StartAsync(server, Password);
            var jobs = watch.Jobs;

            await using (var engine = await EngineUnderTest.StartAsync(null, null, JobWatch.DialerSettings(server, Password, "restart-test", $"--Store:Path={path}")))
            {
                var reply = watch.Next();
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
    [Fact]
    public async Task Each_attempt_of_a_client_is_in_their_history_once_and_the_agent_who_took_a_transferred_call_is_on_the_contact_and_in_the_figures()
    {
        const string Agent = "1001@default";
        const string Stranger = "+15559990002";
        await using var simulator = new FreeSwitchSimulator(new SimulatorOptions { HangUpAfterTransfer = false, CallcenterAgents = [Agent], Dialplan = QueueDialplan.Of });
        await using var server = await simulator.StartInboundServerAsync(Password);
        // The reminder flow: the contact presses 1 for an agent (collections queue).
        simulator.SetContact(DemoDataSeeder.WellKnown.ExistingPhone, SimulatedContact.Answering(TimeSpan.FromMilliseconds(50), new CallerScript { Inputs = [CallerInput.Keys("1")] }));
        simulator.SetContact(DemoDataSeeder.WellKnown.OverduePhone, SimulatedContact.Busy());
        simulator.SetContact(Stranger, SimulatedContact.NeverAnswering);

        await using var watch = await JobWatch.StartAsync(server, Password);
        var jobs = watch.Jobs;

        var agentStored = new LogSignal(m => m.Contains("talked to agent " + Agent, StringComparison.Ordinal));
        var engine = await EngineUnderTest.StartAsync(null, s => s.AddSingleton<ILoggerProvider>(agentStored),
            JobWatch.DialerSettings(server, Password, "results-test", "--Store:SeedDemoData=true", "--Logging:LogLevel:IvrEngine.Dialer=Information"));
        string answeredUuid;
        List<InteractionRecord> answeredHistory, busyHistory;
        try
        {
            var clients = engine.Host.Services.GetRequiredService<IClientStore>();
            var store = (IDialerStore)clients;
            var answering = (await clients.FindByPhoneAsync(DemoDataSeeder.WellKnown.ExistingPhone))!.Id;
            var busy = (await clients.FindByPhoneAsync(DemoDataSeeder.WellKnown.OverduePhone))!.Id;
            await store.SaveCampaignAsync(new OutboundCampaign
            {
                Id = "reminders", Name = "Payment reminders", CardDnis = "7000", CallerIdNumber = "5550100", DialString = "user/{number}", RingSeconds = 1,
                Hours = AlwaysOpen(),
                Pacing = new DialPacing { CallsPerSecond = 20, MaxConcurrent = 10 },
                Busy = new RetryRule { After = TimeSpan.Zero, MaxAttempts = 1 },
                NoAnswer = new RetryRule { After = TimeSpan.Zero, MaxAttempts = 1 },
                State = OutboundCampaignState.Running,
                CreatedAt = DateTimeOffset.UtcNow,
            });
            // Two contacts are clients (as a query over clients gives them), the third is nobody known.
            await store.AddContactsAsync("reminders", [
                new CampaignContact { Phone = DemoDataSeeder.WellKnown.ExistingPhone, ClientId = answering, TimeZone = "UTC" },
                new CampaignContact { Phone = DemoDataSeeder.WellKnown.OverduePhone, ClientId = busy, TimeZone = "UTC" },
                new CampaignContact { Phone = Stranger, TimeZone = "UTC" },
            ]);

            var replies = new List<BackgroundJobResult>();
            using (var limit = new CancellationTokenSource(EngineUnderTest.Patience))
            {
                while (replies.Count < 3) replies.Add(jobs.Take(limit.Token));
            }

            replies.Select(r => r.Body.TrimEnd('\n')).Should().Contain(["-ERR USER_BUSY", "-ERR NO_ANSWER"]);
            answeredUuid = replies.Single(r => r.IsOk).Body.TrimEnd('\n')[4..];
            var call = await simulator.AnsweredCallAsync(answeredUuid).WaitAsync(EngineUnderTest.Patience);
            await call.InQueue.WaitAsync(EngineUnderTest.Patience);
            (await call.OfferToAgentAsync(Agent, answer: true)).Should().NotBeNull();
            await call.AgentEndsAsync();
            await call.Completion.WaitAsync(EngineUnderTest.Patience);
            await agentStored.Seen.WaitAsync(EngineUnderTest.Patience);

            // The supervisor's figures and results over HTTP.
            await DeskWeb.AddUsersAsync(engine.Host.Services);
            var web = DeskWeb.Base(engine);
            using var supervisor = await DeskWeb.TokenAsync(engine.Host.Services, web, "supervisor");
            var response = await supervisor.GetAsync(new Uri("/api/statistics/campaigns", UriKind.Relative));
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            var campaign = (await DeskWeb.JsonAsync(response)).GetProperty("campaigns").EnumerateArray().Single();
            (campaign.GetProperty("id").GetString(), campaign.GetProperty("state").GetString(), campaign.GetProperty("card").GetString())
                .Should().Be(("reminders", "running", "7000"));
            var totals = campaign.GetProperty("totals");
            int Figure(string name) => totals.GetProperty(name).GetInt32();
            (Figure("contacts"), Figure("dialed"), Figure("attempts"), Figure("answered"), Figure("transferred"), Figure("completed"), Figure("optedOut"))
                .Should().Be((3, 3, 3, 1, 1, 0, 0));
            (Figure("busy"), Figure("noAnswer"), Figure("failed"), Figure("exhausted"), Figure("pending"), Figure("doNotCall"))
                .Should().Be((1, 1, 0, 2, 0, 0));
            totals.GetProperty("answerPercent").GetDouble().Should().Be(33.3);
            var results = await supervisor.GetAsync(new Uri("/api/statistics/campaigns/reminders/results", UriKind.Relative));
            results.Content.Headers.ContentType!.MediaType.Should().Be("text/csv");
            results.Content.Headers.ContentDisposition!.FileName!.Trim('"').Should().StartWith("ivrengine-campaign-reminders-");
            var lines = (await results.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
            lines[0].Should().Be(string.Join(",", IvrEngine.Dialer.CampaignResults.Columns));
            // A number's leading '+' is one a spreadsheet would read as a formula: escaped.
            lines.Should().HaveCount(4).And.Contain(l => l.StartsWith("\"'" + DemoDataSeeder.WellKnown.ExistingPhone + "\",", StringComparison.Ordinal)
                && l.Contains(",done,1,", StringComparison.Ordinal) && l.Contains(",answered,,transferred," + Agent + ",", StringComparison.Ordinal));

            await engine.Host.StopAsync().WaitAsync(EngineUnderTest.Patience);
            answeredHistory = [.. (await clients.GetInteractionsAsync(answering)).Where(r => r.Campaign is not null)];
            busyHistory = [.. (await clients.GetInteractionsAsync(busy)).Where(r => r.Campaign is not null)];
        }
        finally
        {
            await engine.DisposeAsync();
        }

        // The answered call: one record, written by the call's handler, outgoing, naming its campaign and the agent.
        answeredHistory.Should().ContainSingle("the answered call is recorded once, by its handler");
        var answered = answeredHistory[0];
        (answered.CallUuid, answered.Direction, answered.Campaign, answered.DialedNumber, answered.Flow, answered.Outcome, answered.Queue, answered.Agent, answered.HangupCause)
            .Should().Be((answeredUuid, "outbound", "reminders", "7000", "reminder", "transferred", "collections", Agent, (string?)null));

        // The busy one: recorded by the dialer, with the outcome and FreeSWITCH's cause.
        busyHistory.Should().ContainSingle();
        var attempt = busyHistory[0];
        (attempt.Direction, attempt.Campaign, attempt.DialedNumber, attempt.CallerNumber, attempt.Outcome, attempt.HangupCause, attempt.Agent)
            .Should().Be(("outbound", "reminders", "7000", DemoDataSeeder.WellKnown.OverduePhone, "busy", "USER_BUSY", (string?)null));
        attempt.CallUuid.Should().NotBe(answeredUuid).And.NotBeEmpty();
    }

    /// <summary>Completes <see cref="Seen"/> at the first log line that matches.</summary>
    private sealed class LogSignal(Func<string, bool> match) : ILoggerProvider
    {
        private readonly TaskCompletionSource _seen = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Func<string, bool> _match = match;

        public Task Seen => _seen.Task;

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void Dispose()
        {
        }

        private sealed class Logger(LogSignal signal) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (signal._seen.Task.IsCompleted) return;
                if (signal._match(formatter(state, exception))) signal._seen.TrySetResult();
            }
        }
    }
}
