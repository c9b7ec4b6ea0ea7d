using IvrEngine.EventSocket;

namespace IvrEngine.Tests.EventSocket;

/// <summary>mod_event_socket reads every word after CUSTOM in "event plain ..." as a subclass, so a name added after a
/// subclass (another subscriber, or the set sent again after a reconnect) would be lost.</summary>
public sealed class SubscriptionOrderTests
{
    [Theory]
    [InlineData("CHANNEL_HANGUP_COMPLETE CUSTOM callcenter::info CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE CHANNEL_BRIDGE CUSTOM callcenter::info")]
    [InlineData("callcenter::info BACKGROUND_JOB", "BACKGROUND_JOB CUSTOM callcenter::info")]
    [InlineData("CUSTOM sofia::register CHANNEL_ANSWER CUSTOM callcenter::info", "CHANNEL_ANSWER CUSTOM sofia::register callcenter::info")]
    [InlineData("CUSTOM DTMF", "DTMF CUSTOM")]
    [InlineData("DTMF CHANNEL_ANSWER", "DTMF CHANNEL_ANSWER")]
    public void Event_names_come_first_then_CUSTOM_and_its_subclasses(string added, string sent) =>
        string.Join(' ', EslConnection.SubscriptionOrder(added.Split(' '))).Should().Be(sent);
}
