using IvrEngine.EventSocket;

namespace IvrEngine.Hosting;

/// <summary>How a feed of the inbound connection (the desk, the statistics, the telemetry) subscribes its events: not
/// awaited at start (FreeSWITCH may be down); the client adds them to the connection's subscription and sends it again
/// after every reconnect, so a failure now is only reported (the feed logs it) and the next connect tries again.</summary>
internal static class InboundSubscription
{
    public static async Task SubscribeAsync(EslInboundClient client, IReadOnlyList<string> events, Action<string> failed, CancellationToken cancellationToken)
    {
        try
        {
            await client.SubscribeAsync(events, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is EslCommandException or EslConnectionClosedException or OperationCanceledException or IOException)
        {
            failed(ex.Message);
        }
    }
}
