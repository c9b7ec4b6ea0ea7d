using System.Globalization;
using IvrEngine.Calls;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Ivr;

/// <summary>The outcome of a flow run, for logs and the interaction history.</summary>
public sealed record FlowResult(string Outcome, string? TransferredTo, IReadOnlyDictionary<string, string> Collected);

/// <summary>Runs the built-in flow on a call. It talks to <see cref="ICall"/> only: it never sees a frame.</summary>
public sealed partial class BasicFlow(IOptionsMonitor<BasicFlowOptions> options, ILogger<BasicFlow> logger, TimeProvider time)
{
    /// <summary>Runs the flow to its end (transfer or hangup); returns when the call has left the IVR.</summary>
    public async Task<FlowResult> RunAsync(ICall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var o = options.CurrentValue;
        var collected = new Dictionary<string, string>(StringComparer.Ordinal);
        // Operations return HungUp by themselves once the caller is gone; the token is only for stopping the engine.
        var ct = cancellationToken;
        var started = time.GetUtcNow();

        if (!(await call.AnswerAsync(ct)).IsSuccess) return HungUp(collected);
        if ((await call.PlayAsync(o.Greeting, ct)).Outcome == CallOutcome.HungUp) return HungUp(collected);

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
        if (entry.Outcome == CollectOutcome.HungUp) return HungUp(collected);

        collected["ivr_account"] = entry.Outcome == CollectOutcome.Success ? entry.Digits : string.Empty;
        collected["ivr_account_status"] = entry.Outcome.ToString().ToLowerInvariant();
        collected["ivr_ani"] = call.Ani;
        collected["ivr_dnis"] = call.Dnis;
        collected["ivr_flow"] = "basic";
        collected["ivr_started_at"] = started.ToString("O", CultureInfo.InvariantCulture);
        LogCollected(logger, call.Uuid, entry.Outcome, Mask(entry.Digits));

        if (!(await call.SetVariablesAsync(collected, exported: true, ct)).IsSuccess) return HungUp(collected);
        var transfer = await call.TransferAsync(o.TransferDestination, "XML", o.TransferContext, ct);
        return transfer.IsSuccess
            ? new FlowResult("transferred", o.TransferDestination, collected)
            : transfer.Outcome == CallOutcome.HungUp ? HungUp(collected) : new FlowResult("transfer-failed", null, collected);
    }

    /// <summary>Account numbers never reach the logs whole.</summary>
    internal static string Mask(string digits) =>
        digits.Length <= 4 ? new string('*', digits.Length) : new string('*', digits.Length - 4) + digits[^4..];

    private static FlowResult HungUp(Dictionary<string, string> collected) => new("hung-up", null, collected);

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Call {CallUuid}: account entry {Outcome} ({Digits})")]
    private static partial void LogCollected(ILogger logger, string callUuid, CollectOutcome outcome, string digits);
}
