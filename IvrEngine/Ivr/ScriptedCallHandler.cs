using System.Diagnostics;
using IvrEngine.Calls;
using IvrEngine.Profiles;
using IvrEngine.Routing;
using IvrEngine.Scripts.Expressions;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using IvrEngine.Statistics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace IvrEngine.Ivr;

/// <summary>How a call's time in the IVR ended, for the engine's log.</summary>
/// <param name="Flow">The flow that ran; null when no flow serves the dialed number.</param>
/// <param name="Generation">The version of the flows the call ran on.</param>
/// <param name="Outcome">One of <see cref="FlowOutcome"/>, or <see cref="ScriptedCallHandler.NoFlow"/>.</param>
/// <param name="Destination">The dialplan extension the call was transferred to (or the transfer tried).</param>
/// <param name="Run">What the flow did; null when no flow ran or the interpreter failed.</param>
public sealed record ScriptedCallResult(string? Flow, int Generation, string Outcome, string? Destination, FlowRunResult? Run);

/// <summary>Serves each call with the admins' scripted flows: takes the flows in use when the call starts (the call
/// finishes on that version whatever reloads meanwhile), picks the flow by the dialed number, runs it, logs what it
/// did with collected values masked, and records the interaction, hung up or not.</summary>
public sealed partial class ScriptedCallHandler(
    FlowCatalog catalog,
    ClientLookup lookup,
    IClientStore store,
    CardFingerprints cards,
    IOptions<FlowsOptions> options,
    ILogger<ScriptedCallHandler> logger,
    TimeProvider time,
    RoutingRules? routing = null,
    ICallContextSink? contexts = null,
    StatisticsCollector? statistics = null)
{
    /// <summary>Variables whose names start so are a survey's answers, stored on the dialed contact (without it).</summary>
    public const string AnswerPrefix = "answer_";

    /// <summary>A variable a flow sets to <c>yes</c> when the dialed contact asks not to be called again.</summary>
    public const string OptOutVariable = "opt_out";

    /// <summary>The outcome when no flow serves the dialed number and the set has no default flow.</summary>
    public const string NoFlow = "no-flow";

    /// <summary>The hangup cause then (Q.850 1: the number is not in service).</summary>
    public const string NoFlowCause = "UNALLOCATED_NUMBER";

    /// <summary>Runs the call's flow to its end (transfer, hangup, return to the dialplan); returns when the call has
    /// left the IVR. Throws only when <paramref name="cancellationToken"/> is cancelled.</summary>
    public async Task<ScriptedCallResult> RunAsync(ICall call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var started = time.GetTimestamp();
        var startedAt = time.GetUtcNow();
        var version = catalog.Version;

        // A call the dialer placed is served as an incoming one from the contact to the campaign card's number.
        var dialed = DialedCall.Of(call);
        if (dialed is not null) call = dialed;
        var flow = (dialed?.Flow is { } named ? version.Set.ByName(named) : null) ?? version.Set.ForDialedNumber(call.Dnis);
        var directory = new StoreFlowDirectory(lookup, store, cards) { DialedClient = dialed?.Client };
        statistics?.IvrStarted(call.Uuid);
        call = contexts?.Track(call, () => directory.LastLookup is { } l ? new(l.Client?.Id, l.Code.ToString(), l.Summary, l.MatchedBy) : null) ?? call;
        var adapter = new FlowCallAdapter(call, options.Value, catalog.Folder, directory.TransferVariables, logger, catalog.Budget);
        var result = new ScriptedCallResult(flow?.Name, version.Generation, FlowOutcome.HungUp, null, null);
        var observer = new CallObserver(logger, call.Uuid, call as ITrackedCall, Activity.Current);
        try
        {
            if (flow is null)
            {
                LogNoFlow(logger, call.Uuid, call.Dnis);
                await call.HangupAsync(NoFlowCause, cancellationToken);
                result = result with { Outcome = NoFlow };
                return result;
            }

            LogFlowStarted(logger, call.Uuid, flow.Name, version.Generation);
            var run = await new FlowRunner(directory, time, routing is { IsConfigured: true } ? routing : null).RunAsync(version.Set, flow, adapter, observer, cancellationToken);
            result = result with { Outcome = run.Outcome, Destination = adapter.TransferDestination, Run = run };
            LogFlowFinished(logger, call.Uuid, flow.Name, run.Outcome, adapter.TransferDestination ?? "-", string.Join(" > ", run.Steps),
                string.Join(", ", run.MaskedVariables.Select(kv => kv.Key + "=" + kv.Value)));
            if (run.Outcome == FlowOutcome.Failed) LogFlowFailed(logger, call.Uuid, flow.Name, run.LastStep, run.Error ?? "-");
            return result;
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // The interpreter never throws for call or flow problems; this is a defect. The call goes back to the
            // dialplan (the socket is let go), as a refused call does, and every other call goes on.
            LogInterpreterFailed(logger, call.Uuid, flow?.Name ?? "-", ex);
            result = result with { Outcome = FlowOutcome.Failed, Destination = adapter.TransferDestination };
            return result;
        }
        finally
        {
            // The context outlives the IVR (agents read it while the call waits and talks): it keeps who was found,
            // not this call's lookup with the client's whole card.
            (call as ITrackedCall)?.LeftIvr();
            observer.EndStep();
            if (dialed is not null && result.Outcome is not (FlowOutcome.Transferred or FlowOutcome.HungUp or FlowOutcome.Hangup) && call.State != CallState.Ended)
            {
                // A dialed call has no dialplan to go back to: FreeSWITCH would hold it in the socket application until
                // the contact hangs up (docs/event-socket.md, "Letting go").
                await call.HangupAsync("NORMAL_CLEARING", CancellationToken.None);
            }

            var ivrTime = time.GetElapsedTime(started);
            await RecordAsync(call, result, directory, startedAt, ivrTime, dialed);
            if (dialed is not null) await RecordDialedAsync(dialed, result);
            statistics?.IvrEnded(IvrLegOf(call, result, directory, startedAt, ivrTime, observer.InputFailures));
        }
    }

    /// <summary>What the statistics learn of the call's time in the IVR.</summary>
    private static IvrLeg IvrLegOf(ICall call, ScriptedCallResult result, StoreFlowDirectory directory, DateTimeOffset startedAt, TimeSpan ivrTime,
        IReadOnlyList<InputFailure> inputFailures)
    {
        var lookup = directory.LastLookup;
        var transfer = result.Outcome == FlowOutcome.Transferred ? result.Run?.Transfer : null;
        return new IvrLeg(call.Uuid, startedAt, ivrTime, call.Dnis, result.Flow, result.Outcome, transfer?.Kind.ToString().ToLowerInvariant(),
            lookup?.Code.ToString(), lookup?.Client?.Category, result.Run?.Steps ?? [])
        {
            TransferTarget = transfer?.Target,
            InputFailures = inputFailures,
        };
    }

    /// <summary>Every call leaves a trace; collected values are masked (the interpreter masks them). A dialed call's is
    /// outgoing and names its campaign; it is in the history of the client the flow identified, else of the client the
    /// contact is (a campaign of clients may run a flow that looks nobody up).</summary>
    private async Task RecordAsync(ICall call, ScriptedCallResult result, StoreFlowDirectory directory, DateTimeOffset startedAt, TimeSpan ivrTime, DialedCall? dialed)
    {
        var run = result.Run;
        var transfer = run?.Transfer;
        try
        {
            // The dialed call carries the contact's client (dialer_client): no store read.
            Guid? clientId = run is not null && Guid.TryParse(run.Client.Id, out var identified) ? identified : dialed?.Client;

            await store.AddInteractionAsync(new InteractionRecord
            {
                Id = (call as ITrackedCall)?.ContextId ?? Guid.NewGuid(),
                ClientId = clientId,
                CallUuid = call.Uuid,
                At = startedAt,
                Direction = dialed is null ? "inbound" : "outbound",
                Campaign = dialed?.Campaign,
                CallerNumber = directory.LastLookup?.CallerNumber ?? lookup.CallerNumber(call.Ani) ?? call.Ani,
                DialedNumber = call.Dnis,
                Flow = result.Flow,
                Steps = [.. run?.Steps ?? []],
                Collected = run?.MaskedVariables.ToDictionary(StringComparer.Ordinal) ?? [],
                Outcome = result.Outcome,
                Queue = transfer is { Kind: TransferKind.Queue or TransferKind.Extension } ? transfer.Target : null,
                Agent = transfer is { Kind: TransferKind.Agent } ? transfer.Target : null,
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

    /// <summary>What a dialed contact's answered call ended as, on the contact: completed, transferred, hung up, or
    /// opted out (the flow set <see cref="OptOutVariable"/>; the store then puts the number on the do-not-call list), with the
    /// survey's answers (<see cref="AnswerPrefix"/> variables) and the agent it was transferred to.</summary>
    private async Task RecordDialedAsync(DialedCall call, ScriptedCallResult result)
    {
        if (store is not IDialerStore dialer) return;
        var variables = result.Run?.MaskedVariables ?? new Dictionary<string, string>();
        // A collect step also sets <variable>_status (success, timeout, ...): that is how it went, not an answer.
        var answers = variables.Where(kv => kv.Key.StartsWith(AnswerPrefix, StringComparison.Ordinal) && kv.Key.Length > AnswerPrefix.Length
                && !(kv.Key.EndsWith("_status", StringComparison.Ordinal) && variables.ContainsKey(kv.Key[..^"_status".Length])))
            .ToDictionary(kv => kv.Key[AnswerPrefix.Length..], kv => kv.Value, StringComparer.Ordinal);
        var optedOut = variables.TryGetValue(OptOutVariable, out var optOut) && optOut.Trim().ToLowerInvariant() is "yes" or "true" or "1";
        var outcome = optedOut ? ContactResults.OptedOut : result.Outcome switch
        {
            FlowOutcome.Transferred => ContactResults.Transferred,
            FlowOutcome.HungUp => ContactResults.HungUp,
            _ => ContactResults.Completed,
        };
        var transfer = result.Run?.Transfer;
        try
        {
            // An opted-out result puts the contact's number on the do-not-call list, in the store's same write.
            await dialer.RecordResultAsync(call.Contact, call.Uuid, outcome, answers, transfer is { Kind: TransferKind.Agent } ? transfer.Target : null, CancellationToken.None);
        }
#pragma warning disable CA1031 // A store failure must not take the call down with it; it is logged.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogRecordFailed(logger, call.Uuid, ex);
        }
    }

    /// <summary>Logs a run as it goes; values come masked from the interpreter. While something listens to the
    /// engine's traces, each step is an activity under the call's (<paramref name="callActivity"/>), ended when the
    /// next step starts or the run ends; a lookup or transfer the step does is its child.</summary>
    private sealed class CallObserver(ILogger logger, string callUuid, ITrackedCall? tracked, Activity? callActivity) : IFlowObserver
    {
        private Activity? _step;
        private string _flow = string.Empty;
        private string _stepId = string.Empty;
        private List<InputFailure>? _failures;

        /// <summary>The failed input attempts, by step (<c>flow/step</c>, as in the run's steps), for the statistics' funnel.</summary>
        public IReadOnlyList<InputFailure> InputFailures => _failures ?? [];

        // The step's name (flow/step, as in the run's steps) is made only when an input fails there.
        public void OnInputFailed(string status) => (_failures ??= []).Add(new InputFailure(_flow + "/" + _stepId, status));

        /// <summary>Ends the activity of the step running, if any.</summary>
        public void EndStep()
        {
            _step?.Dispose();
            _step = null;
        }

        public void OnLeaving(IReadOnlyList<string> steps, IReadOnlyDictionary<string, string> maskedVariables) =>
            tracked?.ShowTrail(new CallIvrTrail(steps, maskedVariables));

        public void OnStep(string flow, FlowStep flowStep)
        {
            (_flow, _stepId) = (flow, flowStep.Id);
            if (callActivity is not null)
            {
                // Set as the current activity for the rest of the step (the runner awaits it right after this call),
                // so that the step's lookup or transfer is its child.
                EndStep();
                _step = EngineTelemetry.StartStep(callActivity.Context, flow, flowStep.Id);
            }

            LogStep(logger, callUuid, flow, flowStep.Id);
        }

        public void OnCollected(string name, string maskedValue, string status) => LogCollected(logger, callUuid, name, status, maskedValue);

        public void OnLookup(LookupBy by, FlowClientView client) =>
            LogLookup(logger, callUuid, by, client.Code, client.MatchedBy, client.Reason);

        public void OnRoute(FlowRoute route) =>
            LogRoute(logger, callUuid, route.Rule, route.Reason);

        public void OnTransfer(FlowTransfer transfer, IReadOnlyDictionary<string, string> maskedAttached)
        {
            // The list of what is attached is a few kilobytes: made only when the line is written.
            if (logger.IsEnabled(LogLevel.Information))
            {
                LogTransfer(logger, callUuid, transfer.Kind, transfer.Target, string.Join(", ", maskedAttached.Select(kv => kv.Key + "=" + kv.Value)));
            }
        }

        public void OnValueCut(string name, int bytes, int maxBytes) => LogValueCut(logger, callUuid, name, bytes, maxBytes);
    }

    [LoggerMessage(EventId = 318, Level = LogLevel.Warning, Message = "Call {CallUuid}: {Name} cut to {MaxBytes} bytes (it had {Bytes}) before it was attached")]
    private static partial void LogValueCut(ILogger logger, string callUuid, string name, int bytes, int maxBytes);

    [LoggerMessage(EventId = 336, Level = LogLevel.Debug, Message = "Call {CallUuid}: step {Flow}/{Step}")]
    private static partial void LogStep(ILogger logger, string callUuid, string flow, string step);

    [LoggerMessage(EventId = 337, Level = LogLevel.Information, Message = "Call {CallUuid}: {Name} {Status} ({Value})")]
    private static partial void LogCollected(ILogger logger, string callUuid, string name, string status, string value);

    [LoggerMessage(EventId = 338, Level = LogLevel.Information, Message = "Call {CallUuid}: lookup by {By}: {Code} by {MatchedBy} ({Reason})")]
    private static partial void LogLookup(ILogger logger, string callUuid, LookupBy by, string code, string matchedBy, string reason);

    [LoggerMessage(EventId = 339, Level = LogLevel.Information, Message = "Call {CallUuid}: transfer to {Kind} {Target}, attaching {Attached}")]
    private static partial void LogTransfer(ILogger logger, string callUuid, TransferKind kind, string target, string attached);

    [LoggerMessage(EventId = 330, Level = LogLevel.Information, Message = "Call {CallUuid}: flow {Flow} (flows version {Generation})")]
    private static partial void LogFlowStarted(ILogger logger, string callUuid, string flow, int generation);

    [LoggerMessage(EventId = 331, Level = LogLevel.Information, Message = "Call {CallUuid}: flow {Flow} {Outcome} (to {Destination}); steps {Steps}; variables {Variables}")]
    private static partial void LogFlowFinished(ILogger logger, string callUuid, string flow, string outcome, string destination, string steps, string variables);

    [LoggerMessage(EventId = 332, Level = LogLevel.Warning, Message = "Call {CallUuid}: no flow serves {Dnis} and there is no default flow; hung up (" + NoFlowCause + ")")]
    private static partial void LogNoFlow(ILogger logger, string callUuid, string dnis);

    [LoggerMessage(EventId = 333, Level = LogLevel.Error, Message = "Call {CallUuid}: flow {Flow} failed at {Step}: {Error}")]
    private static partial void LogFlowFailed(ILogger logger, string callUuid, string flow, string step, string error);

    [LoggerMessage(EventId = 334, Level = LogLevel.Error, Message = "Call {CallUuid}: the interpreter failed running flow {Flow}; the call goes back to the dialplan")]
    private static partial void LogInterpreterFailed(ILogger logger, string callUuid, string flow, Exception exception);

    [LoggerMessage(EventId = 329, Level = LogLevel.Information, Message = "Call {CallUuid}: routed by rule {Rule} ({Reason})")]
    private static partial void LogRoute(ILogger logger, string callUuid, string rule, string reason);

    [LoggerMessage(EventId = 335, Level = LogLevel.Error, Message = "Call {CallUuid}: the interaction could not be recorded")]
    private static partial void LogRecordFailed(ILogger logger, string callUuid, Exception exception);
}
