namespace IvrEngine.EventSocket;

/// <summary>Event names the engine sees all the time, returned as shared strings instead of a new one per event.</summary>
internal static class KnownEventNames
{
    public const string ChannelData = "CHANNEL_DATA";
    public const string ChannelExecute = "CHANNEL_EXECUTE";
    public const string ChannelExecuteComplete = "CHANNEL_EXECUTE_COMPLETE";
    public const string Dtmf = "DTMF";
    public const string ChannelHangup = "CHANNEL_HANGUP";
    public const string ChannelHangupComplete = "CHANNEL_HANGUP_COMPLETE";
    public const string ChannelBridge = "CHANNEL_BRIDGE";
    public const string ChannelUnbridge = "CHANNEL_UNBRIDGE";
    public const string BackgroundJob = "BACKGROUND_JOB";
    public const string Custom = "CUSTOM";

    private static readonly string[] Names =
    [
        ChannelData, ChannelExecute, ChannelExecuteComplete, Dtmf, ChannelHangup, ChannelHangupComplete,
        ChannelBridge, ChannelUnbridge, BackgroundJob, Custom,
        "CHANNEL_CREATE", "CHANNEL_DESTROY", "CHANNEL_STATE", "CHANNEL_CALLSTATE", "CHANNEL_ANSWER",
        "CHANNEL_PARK", "CHANNEL_UNPARK", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_ORIGINATE",
        "CHANNEL_OUTGOING", "CHANNEL_HOLD", "CHANNEL_UNHOLD", "PLAYBACK_START", "PLAYBACK_STOP", "HEARTBEAT",
        "RE_SCHEDULE", "API", "PRESENCE_IN", "CALL_UPDATE", "CODEC", "RECV_RTCP_MESSAGE",
    ];

    private static readonly byte[][] Utf8 = Array.ConvertAll(Names, System.Text.Encoding.ASCII.GetBytes);

    public static string? Get(ReadOnlySpan<byte> raw)
    {
        for (var i = 0; i < Utf8.Length; i++)
        {
            if (raw.SequenceEqual(Utf8[i])) return Names[i];
        }

        return null;
    }
}
