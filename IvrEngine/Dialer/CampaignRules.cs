using System.Globalization;
using System.Text.RegularExpressions;
using IvrEngine.Profiles;

namespace IvrEngine.Dialer;

/// <summary>What makes a campaign one the dialer can run: each problem in plain words, for the admin page and the
/// command line (nothing is saved while there is one).</summary>
public static partial class CampaignRules
{
    /// <summary>The longest ring time (originate_timeout), in seconds.</summary>
    public const int MaxRingSeconds = 300;

    /// <summary>The most attempts a rule may allow.</summary>
    public const int MaxAttempts = 20;

    /// <summary>The problems of <paramref name="campaign"/>; empty when it can be saved.</summary>
    public static IReadOnlyList<string> Problems(OutboundCampaign campaign)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        var problems = new List<string>();
        if (campaign.Id is null || !Id().IsMatch(campaign.Id)) problems.Add("id: 1 to 64 letters, digits, '-' or '_'");
        if (string.IsNullOrWhiteSpace(campaign.Name) || campaign.Name.Length > 200) problems.Add("name: required, at most 200 characters");
        if (string.IsNullOrWhiteSpace(campaign.CardDnis)) problems.Add("card: the number of the campaign card agents see (a campaign of direction outgoing)");
        if (campaign.Flow is { Length: > 0 } flow && !FlowName().IsMatch(flow)) problems.Add("flow: a flow's name (letters, digits, '.', '-' or '_', up to 64), or none for the card number's flow");
        if (campaign.CallerIdName is { Length: > 100 }) problems.Add("caller name: at most 100 characters");
        if (campaign.CallerIdNumber is null || !CallerId().IsMatch(campaign.CallerIdNumber)) problems.Add("caller id: a number (digits, an optional +)");
        if (!OriginateCommand.IsDialString(campaign.DialString)) problems.Add("dial string: {number} once and no spaces, quotes, commas, braces or '&' (e.g. sofia/gateway/pstn/{number})");
        if (campaign.RingSeconds is < 5 or > MaxRingSeconds) problems.Add(string.Create(CultureInfo.InvariantCulture, $"ring time: 5 to {MaxRingSeconds} seconds"));
        if (campaign.Hours is not { } hours)
        {
            problems.Add("calling hours: required");
        }
        else
        {
            if (hours.From >= hours.To) problems.Add("calling hours: 'from' must be before 'to' (the same day, in the contact's time zone)");
            if (hours.Days is not { Count: > 0 }) problems.Add("calling hours: at least one day");
            if (string.IsNullOrWhiteSpace(hours.DefaultTimeZone) || !TimeZoneInfo.TryFindSystemTimeZoneById(hours.DefaultTimeZone, out _))
            {
                problems.Add($"calling hours: time zone '{hours.DefaultTimeZone}' unknown (an IANA name, e.g. Europe/London)");
            }
        }

        if (campaign.Pacing is not { } pacing)
        {
            problems.Add("pacing: required");
        }
        else
        {
            if (!(pacing.CallsPerSecond is > 0 and <= 1000)) problems.Add("pacing: calls per second above 0 and at most 1000");
            if (pacing.MaxConcurrent is < 1 or > 10_000) problems.Add("pacing: calls at once 1 to 10000");
            if (pacing.AgentQueue is { } queue && !Queue().IsMatch(queue)) problems.Add("pacing: the agents' queue is a mod_callcenter queue name (collections@default)");
        }

        foreach (var (what, rule) in new[] { ("busy", campaign.Busy), ("no answer", campaign.NoAnswer), ("failed", campaign.Failed) })
        {
            if (rule is null)
            {
                problems.Add($"retry after {what}: required");
                continue;
            }

            if (rule.After < TimeSpan.Zero || rule.After > TimeSpan.FromDays(30)) problems.Add($"retry after {what}: a wait of 0 to 30 days");
            if (rule.MaxAttempts is < 1 or > MaxAttempts) problems.Add(string.Create(CultureInfo.InvariantCulture, $"retry after {what}: 1 to {MaxAttempts} attempts in all"));
        }

        return problems;
    }

    [GeneratedRegex(@"^[A-Za-z0-9_\-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Id();

    [GeneratedRegex(@"^\+?[0-9]{1,20}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CallerId();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex FlowName();

    [GeneratedRegex(@"^[A-Za-z0-9._\-]{1,64}(@[A-Za-z0-9._\-]{1,64})?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Queue();
}
