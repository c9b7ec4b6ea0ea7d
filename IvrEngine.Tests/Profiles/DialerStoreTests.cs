using System.Collections.Concurrent;
using IvrEngine.Profiles;
using IvrEngine.Profiles.Postgres;
using IvrEngine.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Profiles;

/// <summary>The dialer's store contract (<see cref="IDialerStore"/>), run on each store by its subclass.</summary>
public abstract class DialerStoreTests<TStorage> : IAsyncLifetime
    where TStorage : IStoreStorage, new()
{
    protected const string EngineA = "engine-a";
    protected const string EngineB = "engine-b";
    protected static readonly string[] Utc = ["UTC"];

    private IClientStore _client = null!;

    protected TStorage Storage { get; } = new();

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 7, 10, 0, 0, TimeSpan.Zero));

    protected IDialerStore Store => (IDialerStore)_client;

    protected DateTimeOffset Now => Time.GetUtcNow();

    public async Task InitializeAsync()
    {
        await Storage.InitializeAsync();
        _client = Storage.Open(Time);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await Storage.DisposeAsync();
    }

    protected static OutboundCampaign NewCampaign(string id) => new()
    {
        Id = id,
        Name = "Reminders " + id,
        CardDnis = "5000",
        CallerIdNumber = "+15550100",
        DialString = "sofia/gateway/pstn/{number}",
        Hours = new CallingHours { From = new TimeOnly(8, 30), To = new TimeOnly(19, 45), Days = [DayOfWeek.Monday, DayOfWeek.Saturday], DefaultTimeZone = "Europe/Berlin" },
        Pacing = new DialPacing { CallsPerSecond = 2.5, MaxConcurrent = 7, AgentQueue = "collections@default" },
        Busy = new RetryRule { After = TimeSpan.FromMinutes(7), MaxAttempts = 4 },
        Source = "overdue > 0 and language en",
        State = OutboundCampaignState.Running,
    };

    protected static CampaignContact Contact(string phone, string? timeZone = "UTC", DateTimeOffset? next = null) =>
        new() { Phone = phone, Name = "Contact " + phone, TimeZone = timeZone!, NextAttemptAt = next };

    /// <summary>A running campaign with contacts (+1555000000, +1555000001, ... in UTC, due from the start).</summary>
    protected async Task<OutboundCampaign> CampaignWithAsync(string id, int contacts)
    {
        var campaign = await Store.SaveCampaignAsync(NewCampaign(id));
        var added = await Store.AddContactsAsync(id, [.. Enumerable.Range(0, contacts).Select(i => Contact(Phone(i)))]);
        added.Should().Be(contacts);
        return campaign;
    }

    protected static string Phone(int i) => "+1555" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    [StoreFact]
    public async Task A_campaign_is_saved_read_and_listed_newest_first_and_a_stale_version_is_refused()
    {
        var first = await Store.SaveCampaignAsync(NewCampaign("reminders"));
        first.Version.Should().Be(1);
        first.CreatedAt.Should().Be(Now);
        Time.Advance(TimeSpan.FromMinutes(1));
        await Store.SaveCampaignAsync(NewCampaign("survey"));

        var read = await Store.GetCampaignAsync("reminders");
        read.Should().BeEquivalentTo(NewCampaign("reminders"), o => o.Excluding(c => c.Version).Excluding(c => c.CreatedAt));
        read!.Hours.From.Should().Be(new TimeOnly(8, 30));
        read.Busy.After.Should().Be(TimeSpan.FromMinutes(7));
        read.Version.Should().Be(1);
        (await Store.GetCampaignAsync("nope")).Should().BeNull();
        (await Store.ListCampaignsAsync()).Select(c => c.Id).Should().Equal("survey", "reminders");

        read.State = OutboundCampaignState.Paused;
        var saved = await Store.SaveCampaignAsync(read);
        saved.Version.Should().Be(2);
        (await Store.GetCampaignAsync("reminders"))!.State.Should().Be(OutboundCampaignState.Paused);
        (await Store.GetCampaignAsync("reminders"))!.CreatedAt.Should().Be(first.CreatedAt, "the creation stays");

        var stale = NewCampaign("reminders");
        stale.Version = 1;
        (await FluentActions.Invoking(() => Store.SaveCampaignAsync(stale)).Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("*version 1*now 2*");
        stale.Version.Should().Be(1, "a refused save leaves the caller's version");
        await FluentActions.Invoking(() => Store.SaveCampaignAsync(NewCampaign("reminders"))).Should().ThrowAsync<InvalidOperationException>("it exists");
        var missing = NewCampaign("missing");
        missing.Version = 3;
        await FluentActions.Invoking(() => Store.SaveCampaignAsync(missing)).Should().ThrowAsync<InvalidOperationException>();
        (await Store.GetCampaignAsync("reminders"))!.State.Should().Be(OutboundCampaignState.Paused, "nothing of a refused save is stored");
        await FluentActions.Invoking(() => Store.SaveCampaignAsync(NewCampaign("bad id"))).Should().ThrowAsync<ArgumentException>();
    }

    [StoreFact]
    public async Task Contacts_are_added_once_per_phone_in_the_order_given()
    {
        await Store.SaveCampaignAsync(NewCampaign("c1"));
        await Store.SaveCampaignAsync(NewCampaign("c2"));
        var client = Guid.NewGuid();
        var first = Contact(Phone(1));
        first.ClientId = client;

        (await Store.AddContactsAsync("c1", [first, Contact(Phone(2), timeZone: ""), Contact(Phone(1))])).Should().Be(2, "a number repeated in the list counts once");
        (await Store.AddContactsAsync("c1", [Contact(Phone(2)), Contact(Phone(3), next: Now.AddHours(1))])).Should().Be(1, "a number the campaign has is skipped");
        (await Store.AddContactsAsync("c2", [Contact(Phone(1))])).Should().Be(1, "another campaign may call the same number");

        var contacts = await Store.ContactsAsync("c1", 0, 10);
        contacts.Select(c => c.Phone).Should().Equal(Phone(1), Phone(2), Phone(3));
        contacts.Should().OnlyContain(c => c.CampaignId == "c1" && c.Status == ContactStatus.Pending && c.Attempts == 0 && c.Id != Guid.Empty);
        contacts[0].ClientId.Should().Be(client);
        contacts[0].Name.Should().Be("Contact " + Phone(1));
        contacts[1].TimeZone.Should().Be("Europe/Berlin", "a contact without a time zone gets the campaign's default");
        contacts[2].NextAttemptAt.Should().Be(Now.AddHours(1));
        (await Store.ContactsAsync("c1", 1, 1)).Select(c => c.Phone).Should().Equal(Phone(2));
        (await Store.ContactsAsync("c1", 3, 10)).Should().BeEmpty();
        (await Store.GetContactAsync(contacts[0].Id)).Should().BeEquivalentTo(contacts[0]);
        (await Store.GetContactAsync(Guid.NewGuid())).Should().BeNull();
        await FluentActions.Invoking(() => Store.AddContactsAsync("none", [Contact(Phone(9))])).Should().ThrowAsync<KeyNotFoundException>();
    }

    [StoreFact]
    public async Task A_claim_takes_due_contacts_oldest_first_up_to_the_maximum()
    {
        await Store.SaveCampaignAsync(NewCampaign("c"));
        await Store.AddContactsAsync("c",
        [
            Contact(Phone(1), next: Now.AddMinutes(-10)),
            Contact(Phone(2)),
            Contact(Phone(3), next: Now.AddMinutes(-20)),
            Contact(Phone(4), next: Now.AddMinutes(5)),
            Contact(Phone(5)),
        ]);

        (await Store.ClaimDueAsync("c", EngineA, Now, 3, Utc)).Select(c => c.Phone).Should().Equal([Phone(2), Phone(5), Phone(3)],
            "contacts due from the start come first, in the order added, then the oldest due");
        (await Store.ClaimDueAsync("c", EngineA, Now, 3, Utc)).Select(c => c.Phone).Should().Equal([Phone(1)], "the fourth is not due yet");
        (await Store.ClaimDueAsync("c", EngineA, Now, 3, Utc)).Should().BeEmpty();
        (await Store.ClaimDueAsync("c", EngineA, Now.AddMinutes(5), 0, Utc)).Should().BeEmpty("a maximum of 0 claims nothing");
        (await Store.ClaimDueAsync("c", EngineA, Now.AddMinutes(5), 3, Utc)).Select(c => c.Phone).Should().Equal([Phone(4)], "due at its time");
        (await Store.ClaimDueAsync("other", EngineA, Now.AddDays(1), 3, Utc)).Should().BeEmpty();
    }

    [StoreFact]
    public async Task A_claim_counts_the_attempt_and_gives_each_attempt_a_new_call_uuid()
    {
        await CampaignWithAsync("c", 1);
        var claimed = (await Store.ClaimDueAsync("c", EngineA, Now, 5, Utc)).Single();
        claimed.Status.Should().Be(ContactStatus.Dialing);
        claimed.Attempts.Should().Be(1);
        claimed.LastAttemptAt.Should().Be(Now);
        claimed.ClaimedBy.Should().Be(EngineA);
        claimed.CallUuid.Should().NotBeNullOrEmpty();
        (await Store.GetContactAsync(claimed.Id)).Should().BeEquivalentTo(claimed, "the claim is stored as returned");

        (await Store.RecordAttemptAsync(claimed.Id, claimed.CallUuid!, AttemptOutcomes.Busy, "USER_BUSY", ContactStatus.Pending, Now)).Should().BeTrue();
        Time.Advance(TimeSpan.FromMinutes(1));
        var again = (await Store.ClaimDueAsync("c", EngineB, Now, 5, Utc)).Single();
        again.Id.Should().Be(claimed.Id);
        again.Attempts.Should().Be(2);
        again.CallUuid.Should().NotBe(claimed.CallUuid);
        again.ClaimedBy.Should().Be(EngineB);
        again.LastAttemptAt.Should().Be(Now);
    }

    [StoreFact]
    public async Task Only_contacts_in_open_time_zones_are_claimed()
    {
        await Store.SaveCampaignAsync(NewCampaign("c"));
        await Store.AddContactsAsync("c",
            [Contact(Phone(1), "Europe/Moscow"), Contact(Phone(2), "America/New_York"), Contact(Phone(3), "Europe/Moscow"), Contact(Phone(4), "Asia/Tbilisi")]);

        (await Store.PendingTimeZonesAsync("c")).Should().Equal("America/New_York", "Asia/Tbilisi", "Europe/Moscow");
        (await Store.ClaimDueAsync("c", EngineA, Now, 10, [])).Should().BeEmpty("no zone is open");
        (await Store.ClaimDueAsync("c", EngineA, Now, 10, ["Europe/Moscow", "Asia/Tbilisi"])).Select(c => c.Phone).Should().Equal(Phone(1), Phone(3), Phone(4));
        (await Store.PendingTimeZonesAsync("c")).Should().Equal("America/New_York");
        (await Store.ClaimDueAsync("c", EngineA, Now, 10, ["Europe/Moscow"])).Should().BeEmpty();
    }

    [StoreFact]
    public async Task A_claim_over_several_time_zones_takes_the_oldest_due_of_all_of_them()
    {
        await Store.SaveCampaignAsync(NewCampaign("c"));
        await Store.AddContactsAsync("c",
        [
            Contact(Phone(1), "Europe/Moscow", Now.AddMinutes(-5)),
            Contact(Phone(2), "Asia/Tbilisi", Now.AddMinutes(-10)),
            Contact(Phone(3), "Europe/Moscow"),
            Contact(Phone(4), "Asia/Tbilisi", Now.AddMinutes(-1)),
            Contact(Phone(5), "Asia/Tbilisi"),
        ]);

        (await Store.ClaimDueAsync("c", EngineA, Now, 3, ["Europe/Moscow", "Asia/Tbilisi"])).Select(c => c.Phone).Should().Equal(Phone(3), Phone(5), Phone(2));
        (await Store.ClaimDueAsync("c", EngineA, Now, 3, ["Europe/Moscow", "Asia/Tbilisi", "Europe/Moscow"])).Select(c => c.Phone).Should().Equal(Phone(1), Phone(4));
    }

    [StoreFact]
    public async Task A_large_campaign_is_listed_and_counted_whole()
    {
        await CampaignWithAsync("big", 2345);
        (await Store.ClaimDueAsync("big", EngineA, Now, 45, Utc)).Should().HaveCount(45);

        (await Store.TotalsAsync("big")).Should().Be(new CampaignTotals(2345, 2300, 45, 45, 0, 0, 0, 0, 0, 0, 0, 45, 0, 0, 0));
        (await Store.ContactsAsync("big", 2000, 1000)).Select(c => c.Phone).Should().Equal(Enumerable.Range(2000, 345).Select(Phone));
        (await Store.PendingTimeZonesAsync("big")).Should().Equal("UTC");
    }

    [StoreFact]
    public async Task A_number_on_the_do_not_call_list_is_never_claimed_and_becomes_do_not_call()
    {
        await CampaignWithAsync("c", 4);
        await Store.AddDoNotCallAsync(new DoNotCallEntry(Phone(0), "asked by letter", Now));
        await Store.AddDoNotCallAsync(new DoNotCallEntry(Phone(1), "admin", Now));
        await Store.AddDoNotCallAsync(new DoNotCallEntry(Phone(0), "again", Now.AddHours(1)));
        (await Store.FindDoNotCallAsync(Phone(0))).Should().Be(new DoNotCallEntry(Phone(0), "asked by letter", Now), "the first entry is kept");
        (await Store.FindDoNotCallAsync(Phone(3))).Should().BeNull();
        await Store.AddDoNotCallAsync(new DoNotCallEntry("1001", "an extension", Now));
        (await Store.DoNotCallAsync(0, 10)).Should().Equal(
            [new DoNotCallEntry(Phone(0), "asked by letter", Now), new DoNotCallEntry(Phone(1), "admin", Now), new DoNotCallEntry("1001", "an extension", Now)],
            "the list in the order of the numbers' characters");
        (await Store.DoNotCallAsync(1, 1)).Select(e => e.Phone).Should().Equal(Phone(1));
        (await Store.DoNotCallAsync(3, 10)).Should().BeEmpty();
        (await Store.RemoveDoNotCallAsync("1001")).Should().BeTrue();

        var claimed = await Store.ClaimDueAsync("c", EngineA, Now, 2, Utc);
        claimed.Select(c => c.Phone).Should().Equal([Phone(2), Phone(3)], "the listed numbers take no places of the claim");
        foreach (var listed in (await Store.ContactsAsync("c", 0, 2)))
        {
            listed.Status.Should().Be(ContactStatus.DoNotCall);
            listed.Attempts.Should().Be(0);
            listed.CallUuid.Should().BeNull();
        }

        (await Store.RemoveDoNotCallAsync(Phone(1))).Should().BeTrue();
        (await Store.RemoveDoNotCallAsync(Phone(1))).Should().BeFalse();
        (await Store.FindDoNotCallAsync(Phone(1))).Should().BeNull();
        (await Store.ClaimDueAsync("c", EngineA, Now, 2, Utc)).Should().BeEmpty("a contact that became do-not-call stays so");
    }

    [StoreFact]
    public async Task An_outcome_counts_for_the_attempt_in_progress_only_and_a_retry_is_due_at_its_time()
    {
        await CampaignWithAsync("c", 1);
        var claimed = (await Store.ClaimDueAsync("c", EngineA, Now, 1, Utc)).Single();

        (await Store.RecordAttemptAsync(claimed.Id, "not-this-call", AttemptOutcomes.Failed, "CALL_REJECTED", ContactStatus.Exhausted, null)).Should().BeFalse();
        (await Store.RecordAttemptAsync(Guid.NewGuid(), claimed.CallUuid!, AttemptOutcomes.Failed, null, ContactStatus.Exhausted, null)).Should().BeFalse();
        (await Store.GetContactAsync(claimed.Id)).Should().BeEquivalentTo(claimed, "a stale outcome changes nothing");

        var retryAt = Now.AddMinutes(10);
        (await Store.RecordAttemptAsync(claimed.Id, claimed.CallUuid!, AttemptOutcomes.NoAnswer, "NO_ANSWER", ContactStatus.Pending, retryAt)).Should().BeTrue();
        (await Store.RecordAttemptAsync(claimed.Id, claimed.CallUuid!, AttemptOutcomes.Answered, null, ContactStatus.Done, null)).Should().BeFalse("that attempt has its outcome");
        var pending = (await Store.GetContactAsync(claimed.Id))!;
        pending.Status.Should().Be(ContactStatus.Pending);
        pending.NextAttemptAt.Should().Be(retryAt);
        pending.LastOutcome.Should().Be(AttemptOutcomes.NoAnswer);
        pending.LastHangupCause.Should().Be("NO_ANSWER");
        pending.ClaimedBy.Should().BeNull();
        pending.Attempts.Should().Be(1);

        (await Store.ClaimDueAsync("c", EngineA, retryAt.AddTicks(-1), 1, Utc)).Should().BeEmpty("the retry is not due yet");
        var second = (await Store.ClaimDueAsync("c", EngineA, retryAt, 1, Utc)).Single();
        (await Store.RecordAttemptAsync(claimed.Id, claimed.CallUuid!, AttemptOutcomes.Busy, "USER_BUSY", ContactStatus.Exhausted, null)).Should().BeFalse("the first attempt's late outcome");
        (await Store.RecordAttemptAsync(second.Id, second.CallUuid!, AttemptOutcomes.Busy, "USER_BUSY", ContactStatus.Exhausted, null)).Should().BeTrue();
        (await Store.GetContactAsync(claimed.Id))!.Status.Should().Be(ContactStatus.Exhausted);
        (await Store.ClaimDueAsync("c", EngineA, Now.AddDays(1), 1, Utc)).Should().BeEmpty();
    }

    [StoreFact]
    public async Task A_result_stores_the_answers_and_the_agent_and_an_opt_out_lists_the_number()
    {
        await CampaignWithAsync("c", 2);
        var claimed = await Store.ClaimDueAsync("c", EngineA, Now, 2, Utc);
        var survey = claimed[0];
        await Store.RecordAttemptAsync(survey.Id, survey.CallUuid!, AttemptOutcomes.Answered, "NORMAL_CLEARING", ContactStatus.Done, null);

        await Store.RecordResultAsync(survey.Id, survey.CallUuid!, ContactResults.Completed, new Dictionary<string, string> { ["q1"] = "5", ["q2"] = "1", ["How likely? (0-9) $.x"] = "7" }, null);
        await Store.RecordResultAsync(survey.Id, survey.CallUuid!, ContactResults.Transferred, new Dictionary<string, string> { ["q2"] = "3" }, "1001@default");
        await Store.RecordResultAsync(survey.Id, "another-call", ContactResults.HungUp, new Dictionary<string, string> { ["q1"] = "9" }, "1002@default");
        var stored = (await Store.GetContactAsync(survey.Id))!;
        stored.Result.Should().Be(ContactResults.Transferred);
        stored.Answers.Should().BeEquivalentTo(new Dictionary<string, string> { ["q1"] = "5", ["q2"] = "3", ["How likely? (0-9) $.x"] = "7" });
        stored.Agent.Should().Be("1001@default");

        var optOut = claimed[1];
        await Store.RecordResultAsync(optOut.Id, optOut.CallUuid!, ContactResults.OptedOut, new Dictionary<string, string>(), null);
        (await Store.FindDoNotCallAsync(optOut.Phone))!.Reason.Should().Contain("opted out").And.Contain("c");
    }

    [StoreFact]
    public async Task Dialing_lists_the_attempts_in_progress_of_one_engine()
    {
        await CampaignWithAsync("c", 4);
        var a = await Store.ClaimDueAsync("c", EngineA, Now, 2, Utc);
        Time.Advance(TimeSpan.FromSeconds(1));
        var b = await Store.ClaimDueAsync("c", EngineB, Now, 1, Utc);
        await Store.RecordAttemptAsync(a[0].Id, a[0].CallUuid!, AttemptOutcomes.Answered, null, ContactStatus.Done, null);

        (await Store.DialingAsync(EngineA)).Select(c => c.Id).Should().Equal(a[1].Id);
        (await Store.DialingAsync(EngineB)).Select(c => c.Id).Should().Equal(b[0].Id);
        (await Store.DialingAsync("engine-c")).Should().BeEmpty();
    }

    [StoreFact]
    public async Task Totals_count_the_contacts_by_status_and_result()
    {
        await CampaignWithAsync("c", 9);
        await CampaignWithAsync("other", 3);
        await Store.AddDoNotCallAsync(new DoNotCallEntry(Phone(7), "admin", Now));
        var claimed = await Store.ClaimDueAsync("c", EngineA, Now, 6, Utc);
        claimed.Should().HaveCount(6);
        async Task Outcome(int i, string outcome, ContactStatus status, string? result = null)
        {
            await Store.RecordAttemptAsync(claimed[i].Id, claimed[i].CallUuid!, outcome, null, status, status == ContactStatus.Pending ? Now : null);
            if (result is not null) await Store.RecordResultAsync(claimed[i].Id, claimed[i].CallUuid!, result, new Dictionary<string, string>(), null);
        }

        await Outcome(0, AttemptOutcomes.Answered, ContactStatus.Done, ContactResults.Completed);
        await Outcome(1, AttemptOutcomes.Answered, ContactStatus.Done, ContactResults.Transferred);
        await Outcome(2, AttemptOutcomes.Answered, ContactStatus.Done, ContactResults.OptedOut);
        await Outcome(3, AttemptOutcomes.Busy, ContactStatus.Pending);
        await Outcome(4, AttemptOutcomes.NoAnswer, ContactStatus.Exhausted);
        await Outcome(5, AttemptOutcomes.Unknown, ContactStatus.Unknown);
        var second = await Store.ClaimDueAsync("c", EngineA, Now, 2, Utc);
        second.Select(c => c.Phone).Should().Equal([Phone(6), Phone(8)], "the listed number is passed over");
        await Store.RecordAttemptAsync(second[0].Id, second[0].CallUuid!, AttemptOutcomes.Failed, "UNALLOCATED_NUMBER", ContactStatus.Exhausted, null);

        var totals = await Store.TotalsAsync("c");
        totals.Should().Be(new CampaignTotals(Contacts: 9, Pending: 1, Dialing: 1, Attempts: 8, Answered: 3, Completed: 1, Transferred: 1,
            OptedOut: 1, Exhausted: 2, DoNotCall: 1, Unknown: 1, Dialed: 8, Busy: 1, NoAnswer: 1, Failed: 1));
        totals.AnswerPercent.Should().Be(37.5, "3 of the 8 contacts dialed answered");
        var none = await Store.TotalsAsync("none");
        none.Should().Be(new CampaignTotals(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
        none.AnswerPercent.Should().BeNull("nobody was dialed");
    }

    [StoreFact]
    public async Task A_contact_answered_after_a_busy_attempt_counts_as_answered_not_busy()
    {
        await CampaignWithAsync("c", 1);
        var first = (await Store.ClaimDueAsync("c", EngineA, Now, 1, Utc)).Single();
        await Store.RecordAttemptAsync(first.Id, first.CallUuid!, AttemptOutcomes.Busy, "USER_BUSY", ContactStatus.Pending, Now);
        (await Store.TotalsAsync("c")).Should().Match<CampaignTotals>(t => t.Busy == 1 && t.Answered == 0 && t.Dialed == 1 && t.Pending == 1);

        var second = (await Store.ClaimDueAsync("c", EngineA, Now, 1, Utc)).Single();
        await Store.RecordAttemptAsync(second.Id, second.CallUuid!, AttemptOutcomes.Answered, null, ContactStatus.Done, null);
        (await Store.TotalsAsync("c")).Should().Be(new CampaignTotals(Contacts: 1, Pending: 0, Dialing: 0, Attempts: 2, Answered: 1, Completed: 0, Transferred: 0,
            OptedOut: 0, Exhausted: 0, DoNotCall: 0, Unknown: 0, Dialed: 1, Busy: 0, NoAnswer: 0, Failed: 0));
    }

    [StoreFact]
    public async Task The_agent_of_an_answered_call_is_stored_on_the_contact_and_on_the_calls_record_for_its_last_attempt_only()
    {
        await CampaignWithAsync("c", 1);
        var first = (await Store.ClaimDueAsync("c", EngineA, Now, 1, Utc)).Single();
        await Store.RecordAttemptAsync(first.Id, first.CallUuid!, AttemptOutcomes.Answered, null, ContactStatus.Done, null);
        await Store.RecordResultAsync(first.Id, first.CallUuid!, ContactResults.Transferred, new Dictionary<string, string> { ["q"] = "1" }, null);
        var client = Guid.NewGuid();
        await _client.AddInteractionAsync(new InteractionRecord
        {
            Id = Guid.CreateVersion7(), ClientId = client, CallUuid = first.CallUuid!, At = Now, Direction = "outbound", CallerNumber = first.Phone,
            DialedNumber = "5000", Outcome = "transferred", Queue = "collections", Campaign = "c",
        });

        (await Store.RecordAgentAsync(first.Id, first.CallUuid!, "1001@default")).Should().BeTrue();
        var contact = await Store.GetContactAsync(first.Id);
        (contact!.Agent, contact.Result, contact.Status).Should().Be(("1001@default", ContactResults.Transferred, ContactStatus.Done), "the agent joins the result");
        contact.Answers.Should().Equal(new Dictionary<string, string> { ["q"] = "1" });
        var history = await _client.GetInteractionsAsync(client, 10);
        history.Should().ContainSingle().Which.Should().Match<InteractionRecord>(r => r.Agent == "1001@default" && r.Campaign == "c" && r.Queue == "collections");

        (await Store.RecordAgentAsync(first.Id, Guid.NewGuid().ToString(), "1002@default")).Should().BeFalse("not the contact's last attempt");
        (await Store.RecordAgentAsync(Guid.NewGuid(), first.CallUuid!, "1002@default")).Should().BeFalse("no such contact");
        (await Store.GetContactAsync(first.Id))!.Agent.Should().Be("1001@default");

        // A call without a record (its handler could not write one): the contact still gets the agent.
        await CampaignWithAsync("d", 1);
        var other = (await Store.ClaimDueAsync("d", EngineA, Now, 1, Utc)).Single();
        (await Store.RecordAgentAsync(other.Id, other.CallUuid!, "1003@default")).Should().BeTrue();
        (await Store.GetContactAsync(other.Id))!.Agent.Should().Be("1003@default");
    }

    [StoreFact]
    public async Task Claims_from_many_tasks_at_once_claim_each_contact_once()
    {
        await CampaignWithAsync("c", 120);
        var claims = new ConcurrentBag<Guid>();
        using var go = new ManualResetEventSlim();
        var workers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            go.Wait();
            while (await Store.ClaimDueAsync("c", w % 2 == 0 ? EngineA : EngineB, Now, 3, Utc) is { Count: > 0 } got)
            {
                foreach (var contact in got) claims.Add(contact.Id);
            }
        })).ToList();
        go.Set();
        await Task.WhenAll(workers);

        claims.Should().HaveCount(120).And.OnlyHaveUniqueItems();
    }

    [StoreFact]
    public async Task Campaigns_and_contacts_survive_closing_and_reopening()
    {
        await CampaignWithAsync("c", 2);
        var claimed = (await Store.ClaimDueAsync("c", EngineA, Now, 1, Utc)).Single();
        await Store.AddDoNotCallAsync(new DoNotCallEntry(Phone(1), "admin", Now));
        _client.Dispose();
        _client = Storage.Open(Time);

        (await Store.GetCampaignAsync("c")).Should().BeEquivalentTo(NewCampaign("c"), o => o.Excluding(c => c.Version).Excluding(c => c.CreatedAt));
        (await Store.GetContactAsync(claimed.Id)).Should().BeEquivalentTo(claimed);
        (await Store.DialingAsync(EngineA)).Select(c => c.Id).Should().Equal(claimed.Id);
        (await Store.FindDoNotCallAsync(Phone(1))).Should().NotBeNull();
    }
}

/// <summary>The dialer's contract on a LiteDB file.</summary>
public sealed class LiteDbDialerStoreTests : DialerStoreTests<LiteDbStorage>
{
    [Fact]
    public async Task A_claim_reads_the_claim_index()
    {
        await CampaignWithAsync("c", 3);
        var plan = ((LiteDbClientStore)Store).ExplainClaim("c", Now, "UTC");
        plan["index"]["name"].AsString.Should().Be(LiteDbClientStore.ContactClaimIndex);
    }
}

/// <summary>The dialer's contract on PostgreSQL.</summary>
public sealed class PostgresDialerStoreTests : DialerStoreTests<PostgresStorage>
{
    [StoreFact]
    public async Task A_claim_reads_the_claim_index()
    {
        await CampaignWithAsync("c", 2000);
        var store = (PostgresClientStore)Store;
        await using (var analyze = store.DataSource.CreateCommand("ANALYZE campaign_contacts"))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        (await store.ExplainClaimAsync("c", Now)).Should().Contain("campaign_contacts_due");
    }
}
