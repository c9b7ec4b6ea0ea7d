using IvrEngine.Dialer;
using IvrEngine.Profiles;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Dialer;

/// <summary>The dialer's rules on their own: outcomes from FreeSWITCH's causes, retries, calling hours, pacing, and the
/// originate it sends.</summary>
public sealed class DialerRulesTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 10, 0, 0, TimeSpan.Zero); // a Monday

    [Theory]
    [InlineData("-ERR USER_BUSY\n", "busy")]
    [InlineData("-ERR NO_ANSWER\n", "no-answer")]
    [InlineData("-ERR NO_USER_RESPONSE", "no-answer")]
    [InlineData("-ERR ALLOTTED_TIMEOUT", "no-answer")]
    [InlineData("-ERR USER_NOT_REGISTERED", "failed")]
    [InlineData("-ERR CALL_REJECTED", "failed")]
    [InlineData("-ERR", "failed")]
    [InlineData("", "failed")]
    public void A_failed_originates_reply_gives_the_outcome_of_its_cause(string reply, string outcome) =>
        AttemptRules.OutcomeOfCause(AttemptRules.CauseOfReply(reply)).Should().Be(outcome);

    [Fact]
    public void An_answered_originates_reply_has_no_cause() => AttemptRules.CauseOfReply("+OK 5f0c7e4c-3a7e-4b8b-9c9b-2d3f7a1e0b11\n").Should().BeNull();

    [Fact]
    public void Retries_follow_the_rule_of_the_outcome_until_its_attempts_run_out()
    {
        var campaign = new OutboundCampaign
        {
            Busy = new RetryRule { After = TimeSpan.FromMinutes(5), MaxAttempts = 3 },
            NoAnswer = new RetryRule { After = TimeSpan.FromHours(1), MaxAttempts = 2 },
            Failed = new RetryRule { After = TimeSpan.FromHours(2), MaxAttempts = 1 },
        };

        AttemptRules.After(campaign, AttemptOutcomes.Busy, 1, Now).Should().Be((ContactStatus.Pending, Now.AddMinutes(5)));
        AttemptRules.After(campaign, AttemptOutcomes.Busy, 2, Now).Should().Be((ContactStatus.Pending, Now.AddMinutes(5)));
        AttemptRules.After(campaign, AttemptOutcomes.Busy, 3, Now).Should().Be((ContactStatus.Exhausted, (DateTimeOffset?)null));
        AttemptRules.After(campaign, AttemptOutcomes.NoAnswer, 1, Now).Should().Be((ContactStatus.Pending, Now.AddHours(1)));
        AttemptRules.After(campaign, AttemptOutcomes.NoAnswer, 2, Now).Should().Be((ContactStatus.Exhausted, (DateTimeOffset?)null));
        AttemptRules.After(campaign, AttemptOutcomes.Failed, 1, Now).Should().Be((ContactStatus.Exhausted, (DateTimeOffset?)null));
        AttemptRules.After(campaign, AttemptOutcomes.Answered, 1, Now).Should().Be((ContactStatus.Done, (DateTimeOffset?)null));
        AttemptRules.After(campaign, AttemptOutcomes.Unknown, 1, Now).Should().Be((ContactStatus.Unknown, (DateTimeOffset?)null), "the call may have been answered: never again");
    }

    [Fact]
    public void Calling_hours_are_the_contacts_own_local_time_and_days()
    {
        var hours = new CallingHours { From = new TimeOnly(9, 0), To = new TimeOnly(20, 0), Days = [DayOfWeek.Monday, DayOfWeek.Saturday] };

        // Monday 10:00 UTC: 14:00 in Tbilisi, 05:00 in New York, 19:00 in Tokyo.
        CallingHoursClock.Open(hours, ["Asia/Tbilisi", "America/New_York", "Asia/Tokyo", "Mars/Base"], Now).Should().Equal("Asia/Tbilisi", "Asia/Tokyo");

        // 20:00 is closed, 09:00 open (Tbilisi is UTC+4).
        CallingHoursClock.IsOpen(hours, "Asia/Tbilisi", new DateTimeOffset(2026, 12, 7, 16, 0, 0, TimeSpan.Zero)).Should().BeFalse();
        CallingHoursClock.IsOpen(hours, "Asia/Tbilisi", new DateTimeOffset(2026, 12, 7, 5, 0, 0, TimeSpan.Zero)).Should().BeTrue();

        // Sunday 23:30 UTC is Monday 03:30 in Tokyo: the right day, too early.
        CallingHoursClock.IsOpen(hours, "Asia/Tokyo", new DateTimeOffset(2026, 12, 6, 23, 30, 0, TimeSpan.Zero)).Should().BeFalse();

        // Tuesday is not a calling day anywhere.
        CallingHoursClock.IsOpen(hours, "Asia/Tbilisi", Now.AddDays(1)).Should().BeFalse();

        // Daylight saving: 9:30 in New York on a July Saturday is 13:30 UTC (EDT), on a December Saturday 14:30 UTC (EST).
        CallingHoursClock.IsOpen(hours, "America/New_York", new DateTimeOffset(2026, 7, 4, 13, 30, 0, TimeSpan.Zero)).Should().BeTrue();
        CallingHoursClock.IsOpen(hours, "America/New_York", new DateTimeOffset(2026, 12, 5, 13, 30, 0, TimeSpan.Zero)).Should().BeFalse();
    }

    [Fact]
    public void The_pacer_allows_its_rate_and_no_burst_after_a_pause()
    {
        var time = new FakeTimeProvider(Now);
        var pacer = new DialPacer(5, time);

        pacer.Take(10).Should().Be(1, "it starts with one attempt");
        pacer.Take(10).Should().Be(0);
        pacer.UntilNext().Should().Be(TimeSpan.FromSeconds(0.2));
        time.Advance(TimeSpan.FromSeconds(0.2));
        pacer.Take(10).Should().Be(1);
        time.Advance(TimeSpan.FromSeconds(0.4));
        pacer.Take(10).Should().Be(1, "0.4 s of attempts is two, but the bucket holds one at this rate");
        time.Advance(TimeSpan.FromMinutes(10));
        pacer.Take(100).Should().Be(1, "a pause is not made up: a fifth of a second's worth at most (here one)");

        var fast = new DialPacer(50, time);
        fast.Take(100).Should().Be(1);
        time.Advance(TimeSpan.FromSeconds(3));
        fast.Take(100).Should().Be(10, "a fifth of a second at 50 calls/s");
        fast.GiveBack(4);
        fast.Take(100).Should().Be(4);

        var slow = new DialPacer(0.5, time);
        slow.Take(3).Should().Be(1);
        time.Advance(TimeSpan.FromSeconds(1));
        slow.Take(3).Should().Be(0);
        slow.UntilNext().Should().Be(TimeSpan.FromSeconds(1));
        time.Advance(TimeSpan.FromSeconds(1));
        slow.Take(3).Should().Be(1);
    }

    [Fact]
    public void The_originate_carries_the_attempt_and_runs_the_engines_socket()
    {
        var campaign = new OutboundCampaign { Id = "reminders", CardDnis = "7000", CallerIdNumber = "+15550100", CallerIdName = "Bank, Inc. 'Reminders'", DialString = "user/{number}", RingSeconds = 25 };
        var contact = new CampaignContact { Id = Guid.Parse("0b5f4d6c-1a2b-4c3d-8e9f-001122334455"), Phone = "1001", Attempts = 2, CallUuid = "5f0c7e4c-3a7e-4b8b-9c9b-2d3f7a1e0b11" };

        OriginateCommand.For(campaign, contact, "127.0.0.1:8084").Should().Be(
            "{origination_uuid=5f0c7e4c-3a7e-4b8b-9c9b-2d3f7a1e0b11,origination_caller_id_number=+15550100,origination_caller_id_name='Bank Inc. Reminders',"
            + "originate_timeout=25,dialer_campaign=reminders,dialer_contact=0b5f4d6c-1a2b-4c3d-8e9f-001122334455,dialer_attempt=2,dialer_number=1001,dialer_card=7000}"
            + "user/1001 '&socket(127.0.0.1:8084 async full)'");

        contact.ClientId = Guid.Parse("9a8b7c6d-0000-4000-8000-00000000abcd");
        OriginateCommand.For(campaign, contact, "127.0.0.1:8084").Should().Contain(",dialer_number=1001,dialer_client=9a8b7c6d-0000-4000-8000-00000000abcd,dialer_card=7000}",
            "a contact known as a client is looked up as that client");

        foreach (var hostile in new[] { "1001 &bridge(x)", "1001,foo=bar", "10}01", "" })
        {
            contact.Phone = hostile;
            FluentActions.Invoking(() => OriginateCommand.For(campaign, contact, "127.0.0.1:8084")).Should().Throw<ArgumentException>().WithMessage("*can be dialed*");
        }

        OriginateCommand.IsDialString("sofia/gateway/pstn/{number}").Should().BeTrue();
        OriginateCommand.IsDialString("user/1001").Should().BeFalse("no {number}");
        OriginateCommand.IsDialString("user/{number} &park()").Should().BeFalse();
    }
}

/// <summary>A campaign's checks before it is saved.</summary>
public sealed class CampaignRulesTests
{
    private static OutboundCampaign Good() => new()
    {
        Id = "reminders-dec",
        Name = "December payment reminders",
        CardDnis = "7000",
        CallerIdNumber = "+15550100",
        DialString = "sofia/gateway/pstn/{number}",
        Hours = new CallingHours { DefaultTimeZone = "Asia/Tbilisi" },
    };

    [Fact]
    public void A_complete_campaign_has_no_problem() => CampaignRules.Problems(Good()).Should().BeEmpty();

    [Fact]
    public void Each_wrong_field_is_named_in_plain_words()
    {
        var bad = Good();
        bad.Id = "bad id!";
        bad.Name = " ";
        bad.CardDnis = "";
        bad.CallerIdNumber = "Bank";
        bad.CallerIdName = new string('x', 101);
        bad.Flow = "survey,origination_caller_id_number=1";
        bad.DialString = "user/1001";
        bad.RingSeconds = 1;
        bad.Hours = new CallingHours { From = new TimeOnly(20, 0), To = new TimeOnly(9, 0), Days = [], DefaultTimeZone = "Mars/Base" };
        bad.Pacing = new DialPacing { CallsPerSecond = 0, MaxConcurrent = 0, AgentQueue = " " };
        bad.Busy = new RetryRule { After = TimeSpan.FromMinutes(-1), MaxAttempts = 0 };

        CampaignRules.Problems(bad).Should().BeEquivalentTo(
            "id: 1 to 64 letters, digits, '-' or '_'",
            "name: required, at most 200 characters",
            "card: the number of the campaign card agents see (a campaign of direction outgoing)",
            "caller id: a number (digits, an optional +)",
            "caller name: at most 100 characters",
            "flow: a flow's name (letters, digits, '.', '-' or '_', up to 64), or none for the card number's flow",
            "dial string: {number} once and no spaces, quotes, commas, braces or '&' (e.g. sofia/gateway/pstn/{number})",
            "ring time: 5 to 300 seconds",
            "calling hours: 'from' must be before 'to' (the same day, in the contact's time zone)",
            "calling hours: at least one day",
            "calling hours: time zone 'Mars/Base' unknown (an IANA name, e.g. Europe/London)",
            "pacing: calls per second above 0 and at most 1000",
            "pacing: calls at once 1 to 10000",
            "pacing: the agents' queue is a mod_callcenter queue name (collections@default)",
            "retry after busy: a wait of 0 to 30 days",
            "retry after busy: 1 to 20 attempts in all");
    }
}

/// <summary>Start, pause, resume, stop.</summary>
public sealed class CampaignStatesTests
{
    [Theory]
    [InlineData(OutboundCampaignState.Draft, "start", OutboundCampaignState.Running)]
    [InlineData(OutboundCampaignState.Running, "pause", OutboundCampaignState.Paused)]
    [InlineData(OutboundCampaignState.Paused, "resume", OutboundCampaignState.Running)]
    [InlineData(OutboundCampaignState.Running, "stop", OutboundCampaignState.Stopped)]
    [InlineData(OutboundCampaignState.Paused, "stop", OutboundCampaignState.Stopped)]
    [InlineData(OutboundCampaignState.Draft, "stop", OutboundCampaignState.Stopped)]
    public void An_action_moves_a_campaign_on(OutboundCampaignState from, string action, OutboundCampaignState to) =>
        CampaignStates.After(from, action).Should().Be(((OutboundCampaignState?)to, (string?)null));

    [Theory]
    [InlineData(OutboundCampaignState.Paused, "start", "only a draft can be started; this campaign is paused (resume it)")]
    [InlineData(OutboundCampaignState.Draft, "pause", "only a running campaign can be paused; this one is draft")]
    [InlineData(OutboundCampaignState.Running, "resume", "only a paused campaign can be resumed; this one is running")]
    [InlineData(OutboundCampaignState.Stopped, "stop", "the campaign is already stopped")]
    [InlineData(OutboundCampaignState.Stopped, "start", "only a draft can be started; this campaign is stopped")]
    [InlineData(OutboundCampaignState.Running, "restart", "'restart' is not an action: start, pause, resume, stop")]
    public void A_wrong_action_is_refused_in_plain_words(OutboundCampaignState from, string action, string refusal) =>
        CampaignStates.After(from, action).Should().Be(((OutboundCampaignState?)null, refusal));
}
