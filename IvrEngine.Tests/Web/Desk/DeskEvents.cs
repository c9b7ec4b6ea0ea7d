using System.Text;
using IvrEngine.EventSocket;
using IvrEngine.Tests.EventSocket;

namespace IvrEngine.Tests.Web.Desk;

/// <summary>Events as they come off the wire (plain frames read by the engine's own reader), built from headers.</summary>
internal static class DeskEvents
{
    public static EslEvent Event(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var body = new StringBuilder();
        foreach (var (name, value) in headers) body.Append(name).Append(": ").Append(Uri.EscapeDataString(value)).Append('\n');
        body.Append('\n');
        var bytes = Encoding.UTF8.GetBytes(body.ToString());
        var frame = Encoding.ASCII.GetBytes($"Content-Length: {bytes.Length}\nContent-Type: text/event-plain\n\n").Concat(bytes).ToArray();
        return EslEvent.FromMessage(Wire.ReadAll(frame).Single())!.Detach();
    }

    public static EslEvent Event(params (string Name, string Value)[] headers) => Event(headers.Select(h => KeyValuePair.Create(h.Name, h.Value)));

    public static CallcenterInfo Info(EslEvent e) =>
        new(e["CC-Action"] ?? string.Empty, e["CC-Queue"], e["CC-Agent"], e["CC-Member-UUID"], e["CC-Member-Session-UUID"], e["CC-Agent-UUID"], e);

    /// <summary>A callcenter::info event with mod_callcenter's headers for <paramref name="action"/>.</summary>
    public static CallcenterInfo Cc(string action, string? call = null, string? agent = null, string queue = "vip@default",
        params (string Name, string Value)[] more)
    {
        var headers = new List<(string, string)> { ("Event-Name", "CUSTOM"), ("Event-Subclass", "callcenter::info") };
        if (call is not null) headers.Add(("CC-Queue", queue));
        headers.Add(("CC-Action", action));
        if (agent is not null) headers.Add(("CC-Agent", agent));
        if (call is not null)
        {
            headers.Add(("CC-Member-UUID", "m-" + call));
            headers.Add(("CC-Member-Session-UUID", call));
        }

        headers.AddRange(more);
        return Info(Event([.. headers]));
    }
}
