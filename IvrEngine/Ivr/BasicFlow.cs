using System.Globalization;
using IvrEngine.Calls;
using IvrEngine.Profiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Ivr;

/// <summary>The outcome of a flow run, for logs and the interaction history.</summary>
public sealed record FlowResult(string Outcome, string? TransferredTo, IReadOnlyDictionary<string, string> Collected, LookupResult? Client = null);

/// <summary>Runs the built-in flow on a call: identify the caller by number before a word is said, else by an
/// account number keyed in, attach what was learned to the call, hand it on, and record the interaction. It talks to
/// <see cref="ICall"/> only: it never sees a frame.</summary>
public sealed partial class BasicFlow(
    IOptionsMonitor<BasicFlowOptions> options,
    ClientLookup lookup,
    IClientStore store,
    ILogger<BasicFlow> logger,
    TimeProvider time)
{
    /// <summary>Runs the flow to its end (transfer or hangup); returns when the call has left the IVR.</summary>
    public async Task<FlowResult> RunAsync(ICall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var started = time.GetTimestamp();
        var startedAt = time.GetUtcNow();
        var steps = new List<string>();
        var result = new FlowResult("hung-up", null, new Dictionary<string, string>());
        try
        {
            result = await RunStepsAsync(call, steps, startedAt, cancellationToken);
            return result;
        }
        finally
        {
            await RecordAsync(call, result, steps, startedAt, time.GetElapsedTime(started));
        }
    }

    private async Task<FlowResult> RunStepsAsync(ICall call, List<string> steps, DateTimeOffset startedAt, CancellationToken ct)
    {
        var o = options.CurrentValue;
        var collected = new Dictionary<string, string>(StringComparer.Ordinal);

        // Operations return HungUp by themselves once the caller is gone; the token is only for stopping the engine.
        steps.Add("lookup-caller");
        var who = await lookup.ByCallerAsync(call.Ani, call.Dnis, ct);
        LogIdentified(logger, call.Uuid, who.Code, who.MatchedBy, who.Reason);

        steps.Add("answer");
        if (!(await call.AnswerAsync(ct)).IsSuccess) return HungUp(collected, who);
        steps.Add("greeting");
        if ((await call.PlayAsync(o.Greeting, ct)).Outcome == CallOutcome.HungUp) return HungUp(collected, who);

        if (!who.Found)
        {
            steps.Add("collect-account");
            var entry = await call.PlayAndCollectAsync(new CollectRequest
            {
                Prompt = o.AccountPrompt,
                InvalidPrompt = o.InvalidPrompt,
                MinDigits = o.AccountMinDigits,
                MaxDigits = o.AccountMaxDigits,
                Tries = o.Tries,
                Timeout = TimeSpan.FromSeconds(o.TimeoutSeconds),
                Terminators = "#",
                VariableName = "ivr_account_entry",
                ValidDigitsRegex = "\\d+",
            }, ct);
            if (entry.Outcome == CollectOutcome.HungUp) return HungUp(collected, who);

            collected["ivr_account"] = entry.Outcome == CollectOutcome.Success ? entry.Digits : string.Empty;
            collected["ivr_account_status"] = entry.Outcome.ToString().ToLowerInvariant();
            LogCollected(logger, call.Uuid, entry.Outcome, Mask(entry.Digits));
            if (entry.Outcome == CollectOutcome.Success)
            {
                steps.Add("lookup-account");
                who = await lookup.ByAccountAsync(entry.Digits, call.Ani, call.Dnis, ct);
                LogIdentified(logger, call.Uuid, who.Code, who.MatchedBy, who.Reason);
            }
        }

        collected["ivr_ani"] = call.Ani;
        collected["ivr_dnis"] = call.Dnis;
        collected["ivr_flow"] = "basic";
        collected["ivr_started_at"] = startedAt.ToString("O", CultureInfo.InvariantCulture);
        collected["ivr_cti_code"] = who.Code.ToString();
        collected["ivr_cti_reason"] = who.Summary;
        collected["ivr_matched_by"] = who.MatchedBy;
        if (who.Client is { } client)
        {
            collected["ivr_client_id"] = client.Id.ToString();
            collected["ivr_client_name"] = client.Name;
            collected["ivr_category"] = client.Category;
            collected["ivr_overdue"] = client.OverdueAmount > 0 ? "true" : "false";
            if (client.Language is { Length: > 0 } language) collected["ivr_language"] = language;
            if (client.ManagerId is { Length: > 0 } manager) collected["ivr_manager"] = manager;
            if (who.CallerNumberIsNew && who.CallerNumber is { } newNumber) collected["ivr_new_caller_number"] = newNumber;
        }

        if (who.Campaign is { } campaign) collected["ivr_campaign"] = campaign.Name;

        steps.Add("attach");
        if (!(await call.SetVariablesAsync(collected, exported: true, ct)).IsSuccess) return HungUp(collected, who);
        steps.Add("transfer");
        var transfer = await call.TransferAsync(o.TransferDestination, "XML", o.TransferContext, ct);
        return transfer.IsSuccess
            ? new FlowResult("transferred", o.TransferDestination, collected, who)
            : transfer.Outcome == CallOutcome.HungUp ? HungUp(collected, who) : new FlowResult("transfer-failed", null, collected, who);
    }

    /// <summary>Every call leaves a trace, hung up or not; collected numbers are masked.</summary>
    private async Task RecordAsync(ICall call, FlowResult result, List<string> steps, DateTimeOffset startedAt, TimeSpan ivrTime)
    {
        var masked = result.Collected.ToDictionary(
            kv => kv.Key, kv => kv.Key == "ivr_account" ? Mask(kv.Value) : kv.Value, StringComparer.Ordinal);
        try
        {
            await store.AddInteractionAsync(new InteractionRecord
            {
                Id = Guid.NewGuid(),
                ClientId = result.Client?.Client?.Id,
                CallUuid = call.Uuid,
                At = startedAt,
                Direction = "inbound",
                CallerNumber = result.Client?.CallerNumber ?? call.Ani,
                DialedNumber = call.Dnis,
                Flow = "basic",
                Steps = steps,
                Collected = masked,
                Outcome = result.Outcome,
                Queue = result.TransferredTo,
                IvrDuration = ivrTime,
            }, CancellationToken.None);
        }
#pragma warning disable CA1031 // A store failure must not take the call down with it; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogRecordFailed(logger, call.Uuid, ex);
        }
    }

    /// <summary>Account numbers never reach the logs or the history whole.</summary>
    internal static string Mask(string digits) =>
        digits.Length <= 4 ? new string('*', digits.Length) : new string('*', digits.Length - 4) + digits[^4..];

    private static FlowResult HungUp(Dictionary<string, string> collected, LookupResult who) => new("hung-up", null, collected, who);

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Call {CallUuid}: account entry {Outcome} ({Digits})")]
    private static partial void LogCollected(ILogger logger, string callUuid, CollectOutcome outcome, string digits);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Call {CallUuid}: {Code} by {MatchedBy} ({Reason})")]
    private static partial void LogIdentified(ILogger logger, string callUuid, char code, string matchedBy, string reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "Call {CallUuid}: the interaction could not be recorded")]
    private static partial void LogRecordFailed(ILogger logger, string callUuid, Exception exception);
}
