using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using IvrEngine.Scripts;
using IvrEngine.Scripts.Runtime;

namespace IvrEngine.Ivr.Console;

/// <summary>The parts of <c>simulate</c> that are not the command line: the <c>--at</c> clock, the exit code of an
/// outcome, and the report (text or JSON).</summary>
public static class FlowSimulation
{
    private static readonly JsonWriterOptions JsonOptions = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>True for the outcomes of a flow that ended as written: transferred, hung up (either side), returned.</summary>
    public static bool EndedNormally(string outcome) => outcome is FlowOutcome.Transferred or FlowOutcome.HungUp or FlowOutcome.Hangup or FlowOutcome.Returned;

    /// <summary>Reads <c>--at</c>: an ISO date and time with an offset (<c>2026-12-25T10:00:00-05:00</c>, <c>...Z</c>)
    /// is that instant; without one (<c>2026-12-25T10:00</c>) it is the local time in <paramref name="timeZone"/>
    /// (the flow's zone; UTC when null).</summary>
    public static bool TryParseAt(string text, string? timeZone, out DateTimeOffset instant, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        instant = default;
        error = null;
        const DateTimeStyles styles = DateTimeStyles.RoundtripKind | DateTimeStyles.AllowWhiteSpaces;
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, styles, out var local))
        {
            error = $"--at '{text}' is not an ISO date and time (e.g. 2026-12-25T10:00 in the flow's time zone, or 2026-12-25T15:00:00Z)";
            return false;
        }

        if (local.Kind != DateTimeKind.Unspecified)
        {
            instant = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces);
            return true;
        }

        TimeZoneInfo zone;
        try
        {
            zone = timeZone is null ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            error = $"--at: the flow's time zone '{timeZone}' is not known here; give the time with an offset";
            return false;
        }

        instant = new DateTimeOffset(local, zone.GetUtcOffset(local));
        return true;
    }

    /// <summary><c>2026-03-10 10:00 America/New_York (14:00 UTC)</c>: the instant in the flow's zone.</summary>
    public static string DescribeAt(DateTimeOffset instant, string? timeZone)
    {
        var utc = instant.ToUniversalTime();
        if (timeZone is null) return utc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        try
        {
            var local = TimeZoneInfo.ConvertTime(utc, TimeZoneInfo.FindSystemTimeZoneById(timeZone));
            return string.Create(CultureInfo.InvariantCulture, $"{local:yyyy-MM-dd HH:mm} {timeZone} ({utc:HH:mm} UTC)");
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            return utc.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The variables the call would carry, by name: what the channel holds exported when <paramref name="channel"/>
    /// is given (exactly what FreeSWITCH would receive), else the flow's own (<see cref="FlowRunResult.Attached"/>);
    /// either way with collected values as the interaction history shows them (masked) and secrets absent (they are
    /// never attached).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> DisplayedAttached(FlowRunResult result, RecordedChannel? channel = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var attached = channel?.Exported ?? result.Attached;
        return [.. attached.Select(kv => new KeyValuePair<string, string>(kv.Key, Masked(result, kv.Key, kv.Value))).OrderBy(kv => kv.Key, StringComparer.Ordinal)];
    }

    /// <summary>The report a person reads: outcome, transfer, client, steps, the variables (as
    /// <see cref="DisplayedAttached"/>) and the applications FreeSWITCH would run.</summary>
    public static async Task WriteTextAsync(TextWriter output, string flow, FlowRunResult result, RecordedChannel? channel = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(result);
        await output.WriteLineAsync();
        await output.WriteLineAsync($"flow:     {flow}");
        await output.WriteLineAsync($"outcome:  {result.Outcome}{(result.Error is null ? string.Empty : " (" + result.Error + ")")}");
        await output.WriteLineAsync("transfer: " + (result.Transfer is { } transfer ? ConsoleFlowCall.DescribeTransfer(transfer) : "none"));
        var client = result.Client;
        await output.WriteLineAsync(client.Found
            ? $"client:   {client.Code} {client.Name} (category {client.Category}, matched by {client.MatchedBy})"
            : $"client:   {client.Code} (not identified)");
        await output.WriteLineAsync($"language: {result.Language}");
        await output.WriteLineAsync($"steps:    {string.Join(" > ", result.Steps)}");
        var attached = DisplayedAttached(result, channel);
        await output.WriteLineAsync(attached.Count == 0 ? "attached: none" : "attached:");
        foreach (var (name, value) in attached) await output.WriteLineAsync($"  {name}={value}");
        if (channel is null) return;
        await output.WriteLineAsync(channel.Applications.Count == 0 ? "freeswitch: none" : "freeswitch:");
        foreach (var app in channel.Applications) await output.WriteLineAsync($"  {app.Name} {Shown(channel, app.Argument)}".TrimEnd());
    }

    /// <summary>One JSON object: flow, outcome, error, transfer (kind, target, priority), client, language, steps,
    /// last step, attached (as <see cref="DisplayedAttached"/>), and the applications FreeSWITCH would run
    /// (<c>freeswitch</c>: name and argument each).</summary>
    public static async Task WriteJsonAsync(TextWriter output, string flow, FlowRunResult result, RecordedChannel? channel = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(result);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("flow", flow);
            json.WriteString("outcome", result.Outcome);
            if (result.Error is null) json.WriteNull("error");
            else json.WriteString("error", result.Error);
            if (result.Transfer is { } transfer)
            {
                json.WriteStartObject("transfer");
                json.WriteString("kind", ConsoleFlowCall.KindName(transfer.Kind));
                json.WriteString("target", transfer.Target);
                if (transfer.Priority is int priority) json.WriteNumber("priority", priority);
                else json.WriteNull("priority");
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("transfer");
            }

            var client = result.Client;
            json.WriteStartObject("client");
            json.WriteBoolean("found", client.Found);
            json.WriteString("code", client.Code);
            json.WriteString("reason", client.Reason);
            json.WriteString("matchedBy", client.MatchedBy);
            json.WriteString("id", client.Id);
            json.WriteString("name", client.Name);
            json.WriteString("category", client.Category);
            json.WriteEndObject();
            json.WriteString("language", result.Language);
            json.WriteStartArray("steps");
            foreach (var step in result.Steps) json.WriteStringValue(step);
            json.WriteEndArray();
            json.WriteString("lastStep", result.LastStep);
            json.WriteStartObject("attached");
            foreach (var (name, value) in DisplayedAttached(result, channel)) json.WriteString(name, value);
            json.WriteEndObject();
            json.WriteStartArray("freeswitch");
            foreach (var app in channel?.Applications ?? [])
            {
                json.WriteStartObject();
                json.WriteString("name", app.Name);
                json.WriteString("argument", Shown(channel!, app.Argument));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>An application's argument with every sensitive entry masked (a card number read back by a say).</summary>
    private static string Shown(RecordedChannel channel, string argument)
    {
        foreach (var secret in channel.Secrets)
        {
            argument = argument.Replace(secret, ConsoleFlowCall.Mask(secret), StringComparison.Ordinal);
        }

        return argument;
    }

    /// <summary>A collected variable is attached whole (the agent needs it) but shown as the history keeps it.
    /// The flow's value went onto the channel made safe and cut (<see cref="ChannelValue"/>): only a value that is not
    /// the flow's own so made was masked.</summary>
    private static string Masked(FlowRunResult result, string name, string value)
    {
        if (!name.StartsWith(ContextContract.Prefix, StringComparison.Ordinal)
            || !result.MaskedVariables.TryGetValue(name[ContextContract.Prefix.Length..], out var masked))
        {
            return value;
        }

        var safe = ChannelValue.Sanitize(masked);
        var same = string.Equals(safe, value, StringComparison.Ordinal)
            || (value.EndsWith(ChannelValue.Cut, StringComparison.Ordinal) && safe.StartsWith(value[..^ChannelValue.Cut.Length], StringComparison.Ordinal));
        return same ? value : masked;
    }
}
