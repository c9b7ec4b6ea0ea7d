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

    /// <summary>Puts an agent's edit on the call's channel: each value made safe (<see cref="SafeValue"/>, empty ones
    /// dropped), set, and recorded in the call's context when FreeSWITCH took them all. Returns why not (null when set)
    /// and the variables as they went onto the channel.</summary>
    public static async Task<(string? Why, IReadOnlyList<KeyValuePair<string, string>> Safe)> PutOnCallAsync(EslInboundClient? client,
        CallContextRegistry contexts, CallContextEntry entry, IEnumerable<KeyValuePair<string, string>> variables, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(variables);
        List<KeyValuePair<string, string>> safe = [.. variables.Select(v => new KeyValuePair<string, string>(v.Key, SafeValue(v.Key, v.Value))).Where(v => v.Value.Length > 0)];
        var why = await SetAsync(client, entry.Uuid, safe, Timeout, cancellationToken);
        if (why is null) contexts.Attach(entry, safe);
        return (why, safe);
    }

    /// <summary>Sets every variable; returns null when all were set, else why not.</summary>
    public static async Task<string?> SetAsync(EslInboundClient? client, string uuid, IReadOnlyList<KeyValuePair<string, string>> variables,
        TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(variables);
        if (client is null) return "the inbound connection to FreeSWITCH is off (Engine:Inbound:Enabled)";
        if (!client.IsConnected) return "the inbound connection to FreeSWITCH is down";
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
