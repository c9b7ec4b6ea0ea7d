using IvrEngine.Profiles;

namespace IvrEngine.Dialer;

/// <summary>What admins do to a campaign: start (a draft), pause and resume (a running one), stop (for good).</summary>
public static class CampaignStates
{
    /// <summary>The actions, as the command line and the admin page name them.</summary>
    public static readonly IReadOnlyList<string> Actions = ["start", "pause", "resume", "stop"];

    /// <summary>The state <paramref name="action"/> takes a campaign in <paramref name="from"/> to, or the reason it
    /// cannot.</summary>
    public static (OutboundCampaignState? To, string? Refusal) After(OutboundCampaignState from, string action) => (action, from) switch
    {
        ("start", OutboundCampaignState.Draft) => (OutboundCampaignState.Running, null),
        ("start", _) => (null, $"only a draft can be started; this campaign is {Word(from)}" + (from == OutboundCampaignState.Paused ? " (resume it)" : string.Empty)),
        ("pause", OutboundCampaignState.Running) => (OutboundCampaignState.Paused, null),
        ("pause", _) => (null, $"only a running campaign can be paused; this one is {Word(from)}"),
        ("resume", OutboundCampaignState.Paused) => (OutboundCampaignState.Running, null),
        ("resume", _) => (null, $"only a paused campaign can be resumed; this one is {Word(from)}"),
        ("stop", OutboundCampaignState.Stopped or OutboundCampaignState.Completed) => (null, $"the campaign is already {Word(from)}"),
        ("stop", _) => (OutboundCampaignState.Stopped, null),
        _ => (null, $"'{action}' is not an action: {string.Join(", ", Actions)}"),
    };

    /// <summary>A state as a word (draft, running, ...).</summary>
    public static string Word(OutboundCampaignState state) => state.ToString().ToLowerInvariant();
}
