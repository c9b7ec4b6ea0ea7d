using System.Globalization;
using System.Reactive.Linq;

namespace IvrEngine.EventSocket;

/// <summary>CHANNEL_EXECUTE_COMPLETE: an application finished on a channel.</summary>
public sealed record ChannelExecuteComplete(string UniqueId, string Application, string? ApplicationData, string? ApplicationResponse,
    string? ApplicationUuid, EslEvent Event);

/// <summary>CHANNEL_HANGUP or CHANNEL_HANGUP_COMPLETE.</summary>
/// <param name="Complete">True for CHANNEL_HANGUP_COMPLETE (all variables final, billing included).</param>
public sealed record ChannelHangup(string UniqueId, string Cause, bool Complete, EslEvent Event);

/// <summary>CHANNEL_BRIDGE: two legs joined.</summary>
public sealed record ChannelBridge(string UniqueId, string? OtherLegUniqueId, string? OtherLegCallerNumber, EslEvent Event);

/// <summary>CUSTOM callcenter::info from mod_callcenter.</summary>
/// <param name="Action">CC-Action: member-queue-start, bridge-agent-start, agent-state-change, members-count, ...</param>
public sealed record CallcenterInfo(string Action, string? Queue, string? Agent, string? MemberUuid, string? MemberSessionUuid,
    string? AgentUuid, EslEvent Event);

/// <summary>Typed views over an event stream. Each keeps its event (owned) for any other header.</summary>
public static class EslEventStreams
{
    /// <summary>CHANNEL_EXECUTE_COMPLETE events.</summary>
    public static IObservable<ChannelExecuteComplete> ExecuteCompletes(this IObservable<EslEvent> events) =>
        events.Where(e => e.EventName == "CHANNEL_EXECUTE_COMPLETE")
            .Select(e => new ChannelExecuteComplete(e.UniqueId ?? string.Empty, e.GetHeader("Application") ?? string.Empty,
                e.GetHeader("Application-Data"), e.GetHeader("Application-Response"), e.GetHeader("Application-UUID"), e));

    /// <summary>DTMF digits.</summary>
    public static IObservable<DtmfDigit> Dtmf(this IObservable<EslEvent> events) =>
        events.Where(e => e.EventName == "DTMF" && !string.IsNullOrEmpty(e.GetHeader("DTMF-Digit")))
            .Select(e =>
            {
                _ = int.TryParse(e.GetHeader("DTMF-Duration"), CultureInfo.InvariantCulture, out var samples);
                return new DtmfDigit(e.UniqueId ?? string.Empty, e.GetHeader("DTMF-Digit")![0], samples > 0 ? samples / 8 : null, e.GetHeader("DTMF-Source"));
            });

    /// <summary>CHANNEL_HANGUP and CHANNEL_HANGUP_COMPLETE.</summary>
    public static IObservable<ChannelHangup> Hangups(this IObservable<EslEvent> events) =>
        events.Where(e => e.EventName is "CHANNEL_HANGUP" or "CHANNEL_HANGUP_COMPLETE")
            .Select(e => new ChannelHangup(e.UniqueId ?? string.Empty, e.GetHeader("Hangup-Cause") ?? "UNKNOWN",
                e.EventName == "CHANNEL_HANGUP_COMPLETE", e));

    /// <summary>CHANNEL_BRIDGE.</summary>
    public static IObservable<ChannelBridge> Bridges(this IObservable<EslEvent> events) =>
        events.Where(e => e.EventName == "CHANNEL_BRIDGE")
            .Select(e => new ChannelBridge(e.UniqueId ?? string.Empty, e.GetHeader("Other-Leg-Unique-ID") ?? e.GetHeader("Bridge-B-Unique-ID"),
                e.GetHeader("Other-Leg-Caller-ID-Number"), e));

    /// <summary>BACKGROUND_JOB.</summary>
    public static IObservable<BackgroundJobResult> BackgroundJobs(this IObservable<EslEvent> events) =>
        events.Where(e => e.EventName == "BACKGROUND_JOB")
            .Select(e => new BackgroundJobResult(e.GetHeader("Job-UUID") ?? string.Empty, e.Body ?? string.Empty, e));

    /// <summary>CUSTOM callcenter::info.</summary>
    public static IObservable<CallcenterInfo> CallcenterInfo(this IObservable<EslEvent> events) =>
        events.Where(e => e.EventName == "CUSTOM" && e.EventSubclass == "callcenter::info")
            .Select(e => new CallcenterInfo(e.GetHeader("CC-Action") ?? string.Empty, e.GetHeader("CC-Queue"), e.GetHeader("CC-Agent"),
                e.GetHeader("CC-Member-UUID"), e.GetHeader("CC-Member-Session-UUID"), e.GetHeader("CC-Agent-UUID"), e));

    /// <summary>Events about one channel.</summary>
    public static IObservable<EslEvent> ForChannel(this IObservable<EslEvent> events, string uniqueId) =>
        events.Where(e => string.Equals(e.UniqueId, uniqueId, StringComparison.OrdinalIgnoreCase));
}
