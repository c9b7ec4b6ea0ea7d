using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
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

    /// <summary>The variables the call would carry, by name: the flow's (<see cref="FlowRunResult.Attached"/>), with
    /// collected values as the interaction history shows them (masked) and secrets absent (they are never attached),
    /// and what the engine adds on its own (<paramref name="engine"/>).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> DisplayedAttached(FlowRunResult result, IReadOnlyDictionary<string, string>? engine = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        var shown = result.Attached.ToDictionary(kv => kv.Key, kv => Masked(result, kv.Key, kv.Value), StringComparer.Ordinal);
        foreach (var (name, value) in engine ?? new Dictionary<string, string>()) shown.TryAdd(name, value);
        return [.. shown.OrderBy(kv => kv.Key, StringComparer.Ordinal)];
    }

    /// <summary>The report a person reads: outcome, transfer, client, steps, the variables (as
    /// <see cref="DisplayedAttached"/>).</summary>
    public static async Task WriteTextAsync(TextWriter output, string flow, FlowRunResult result, IReadOnlyDictionary<string, string>? engine = null)
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
        var attached = DisplayedAttached(result, engine);
        await output.WriteLineAsync(attached.Count == 0 ? "attached: none" : "attached:");
        foreach (var (name, value) in attached) await output.WriteLineAsync($"  {name}={value}");
    }

    /// <summary>One JSON object: flow, outcome, error, transfer (kind, target, priority), client, language, steps,
    /// last step, attached (as <see cref="DisplayedAttached"/>).</summary>
    public static async Task WriteJsonAsync(TextWriter output, string flow, FlowRunResult result, IReadOnlyDictionary<string, string>? engine = null)
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
            foreach (var (name, value) in DisplayedAttached(result, engine)) json.WriteString(name, value);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        await output.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>A collected variable is attached whole (the agent needs it) but shown as the history keeps it.</summary>
    private static string Masked(FlowRunResult result, string name, string value) =>
        name.StartsWith("ivr_", StringComparison.Ordinal)
        && result.MaskedVariables.TryGetValue(name["ivr_".Length..], out var masked)
        && !string.Equals(masked, value, StringComparison.Ordinal)
            ? masked
            : value;
}
