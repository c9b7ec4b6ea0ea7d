using IvrEngine.EventSocket;
using IvrEngine.Scripts;

namespace IvrEngine.Web;

/// <summary>Sets variables on a live channel over the inbound connection (<c>api uuid_setvar</c>).</summary>
public static class LiveChannel
{
    /// <summary>A value as it goes onto the channel: made safe and cut to the variable's cap in the context contract
    /// (<see cref="ChannelValue"/>, <see cref="ContextContract"/>); the store keeps the whole text.</summary>
    public static string SafeValue(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        return ChannelValue.Sanitize(value, ContextContract.CapOf(name) ?? ContextContract.AgentTextBytes);
    }

    /// <summary>How long FreeSWITCH gets to answer each <c>uuid_setvar</c>.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>Puts an agent's edit on the call's channel, on the box that holds the call
    /// (<see cref="FreeSwitchBoxes.FindCallAsync"/>): each value made safe (<see cref="SafeValue"/>, empty ones
    /// dropped), set, and recorded in the call's context when FreeSWITCH took them all. Returns why not (null when set)
    /// and the variables as they went onto the channel.</summary>
    public static async Task<(string? Why, IReadOnlyList<KeyValuePair<string, string>> Safe)> PutOnCallAsync(FreeSwitchBoxes boxes,
        CallContextRegistry contexts, CallContextEntry entry, IEnumerable<KeyValuePair<string, string>> variables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(boxes);
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(variables);
        List<KeyValuePair<string, string>> safe = [.. variables.Select(v => new KeyValuePair<string, string>(v.Key, SafeValue(v.Key, v.Value))).Where(v => v.Value.Length > 0)];
        var (box, why) = await boxes.FindCallAsync(entry.Uuid, entry.CoreUuid, cancellationToken);
        if (box is not null) why = await SetAsync(box, entry.Uuid, safe, Timeout, cancellationToken);
        if (why is null) contexts.Attach(entry, safe);
        return (why, safe);
    }

    /// <summary>Sets every variable on <paramref name="box"/>; returns null when all were set, else why not.</summary>
    public static async Task<string?> SetAsync(FreeSwitchBox box, string uuid, IReadOnlyList<KeyValuePair<string, string>> variables,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(box);
        ArgumentNullException.ThrowIfNull(variables);
        var client = box.Client;
        if (!client.IsConnected) return $"the inbound connection to FreeSWITCH box {box.Name} is down";
        foreach (var (name, value) in variables)
        {
            try
            {
                var response = await client.ApiAsync(EslCommandWriter.UuidSetVar(uuid, name, value), cancellationToken)
                    .WaitAsync(timeout, cancellationToken);
                if (!response.IsOk) return $"FreeSWITCH refused {name}: {response.Text}";
            }
            catch (TimeoutException)
            {
                return $"FreeSWITCH did not answer within {timeout.TotalSeconds:0} s";
            }
            catch (Exception ex) when (ex is EslCommandException or EslProtocolException or EslConnectionClosedException or ArgumentException or InvalidOperationException or IOException or ObjectDisposedException)
            {
                return $"the live channel could not be updated: {ex.Message}";
            }
        }

        return null;
    }
}
