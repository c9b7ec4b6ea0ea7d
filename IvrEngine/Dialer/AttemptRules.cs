using IvrEngine.Profiles;

namespace IvrEngine.Dialer;

/// <summary>What an attempt's result means, from FreeSWITCH's own words, and what follows it by the campaign's rules.</summary>
public static class AttemptRules
{
    /// <summary>The outcome of an originate whose reply was <c>-ERR &lt;cause&gt;</c> (or a call that ended with the
    /// cause before it was answered). USER_BUSY is busy; NO_ANSWER, NO_USER_RESPONSE and ALLOTTED_TIMEOUT (the ring
    /// time ran out: originate_timeout) are no answer; every other cause is a failure.</summary>
    public static string OutcomeOfCause(string? cause) => cause?.Trim().ToUpperInvariant() switch
    {
        "USER_BUSY" => AttemptOutcomes.Busy,
        "NO_ANSWER" or "NO_USER_RESPONSE" or "ALLOTTED_TIMEOUT" or "PROGRESS_TIMEOUT" => AttemptOutcomes.NoAnswer,
        _ => AttemptOutcomes.Failed,
    };

    /// <summary>The cause in an originate's reply body (<c>-ERR USER_BUSY</c>), null for <c>+OK</c>.</summary>
    public static string? CauseOfReply(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var text = body.Trim();
        if (text.StartsWith("+OK", StringComparison.Ordinal)) return null;
        return text.StartsWith("-ERR", StringComparison.Ordinal) && text.Length > 4 ? text[4..].Trim() : text.Length == 0 ? "UNKNOWN" : text;
    }

    /// <summary>Where a contact stands after an attempt with <paramref name="outcome"/>, its
    /// <paramref name="attempts"/>-th: answered is done; busy, no answer and failed are tried again after their rule's
    /// wait while the contact has had fewer attempts than the rule allows, else the contact is exhausted; an unknown
    /// outcome is never tried again (the call may have been answered).</summary>
    public static (ContactStatus Status, DateTimeOffset? NextAttemptAt) After(OutboundCampaign campaign, string outcome, int attempts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        var rule = outcome switch
        {
            AttemptOutcomes.Answered => null,
            AttemptOutcomes.Busy => campaign.Busy,
            AttemptOutcomes.NoAnswer => campaign.NoAnswer,
            AttemptOutcomes.Failed => campaign.Failed,
            AttemptOutcomes.Unknown => null,
            _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, "Not an attempt outcome."),
        };
        if (outcome == AttemptOutcomes.Answered) return (ContactStatus.Done, null);
        if (rule is null) return (ContactStatus.Unknown, null);
        return attempts < rule.MaxAttempts ? (ContactStatus.Pending, now + rule.After) : (ContactStatus.Exhausted, null);
    }
}
