using System.Diagnostics;
using System.Globalization;
using IvrEngine.Calls;
using IvrEngine.Scripts;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IvrEngine.Ivr;

/// <summary>A flow's view of a call (<see cref="IFlowCall"/>) over the engine's <see cref="ICall"/>: it turns prompts
/// into what FreeSWITCH plays, one collection attempt into a <c>play_and_get_digits</c>, and queue, extension and
/// agent transfers into dialplan extensions. It sees <see cref="ICall"/> only, never a frame.</summary>
/// <remarks>
/// <para>Prompts: a <see cref="FlowFile"/> under the flows folder is handed to FreeSWITCH with that folder replaced
/// by <see cref="FlowsOptions.FreeSwitchPromptPath"/> when it is set (FreeSWITCH may see the folder at another path),
/// else as the engine's absolute path; a relative file (a flow without <c>prompts:</c>, e.g. FreeSWITCH's stock
/// <c>ivr/ivr-welcome.wav</c>) goes as written and FreeSWITCH finds it under its sound prefix. Streams go as they
/// are; a <see cref="FlowSay"/> is FreeSWITCH's <c>say</c>. Consecutive files and streams play as one
/// <c>file_string://a!b</c>. A path FreeSWITCH could not take in an argument (a space, <c>!</c>, <c>${</c>) is
/// skipped with a warning.</para>
/// <para>Collect: one <c>play_and_get_digits</c> try with at least 1 digit and a pattern that accepts any key, so
/// FreeSWITCH returns whatever was typed and the flow validates it (length, pattern, Luhn, ...). The prompts play as
/// one <c>file_string://</c> that a key press interrupts. FreeSWITCH cannot say inside a collection: when the prompts
/// hold a say, everything up to and including the last say is played first (to the end, keys pressed then are not
/// kept) and the prompts after it are the interruptible prompt of the collection.</para>
/// <para>Transfers: a queue goes to <see cref="FlowsOptions.QueueExtension"/>, an extension to itself, an agent to
/// <see cref="FlowsOptions.AgentExtension"/>, all in <see cref="FlowsOptions.TransferContext"/>. A queue priority is
/// set first as the exported variable <c>cc_base_score</c>: mod_callcenter orders waiting members by score, highest
/// first, and a member's score is its base score plus one per second waited, so priority N puts the caller ahead
/// of callers who have waited up to N seconds longer.</para>
/// <para>What rides on the call is held to <see cref="FlowsOptions.Budgets"/> (<see cref="CallBudget"/>): exported
/// context values are made one line and cut to their caps, and before a transfer the engine's own context, the SIP
/// headers (<c>sip_h_X-IVR-*</c>) and the UUI form (<c>ivr_uui</c>, <c>sip_h_User-to-User</c>) are set and every
/// name is listed in <c>cc_export_vars</c> and <c>ivr_export_extra</c>. What does not fit is cut or left out, and
/// logged; it never stops the transfer.</para>
/// </remarks>
public sealed partial class FlowCallAdapter : IFlowCall
{
    /// <summary>The channel variable a collection's digits land in (not a name a flow variable can attach as).</summary>
    internal const string EntryVariable = "ivrflow_entry";

    /// <summary>The channel variable FreeSWITCH puts the key that ended an entry in.</summary>
    internal const string TerminatorVariable = "read_terminator_used";

    /// <summary>What a collection plays when it has no prompt of its own (FreeSWITCH's read plays nothing for it).</summary>
    internal const string NoPrompt = "silence";

    /// <summary>Played by <c>play_and_get_digits</c> after a failed try; the flow plays its own messages.</summary>
    internal const string NoInvalidPrompt = "silence_stream://1";

    /// <summary>Any key: FreeSWITCH must hand back what was typed, the flow checks it.</summary>
    internal const string AnyKeys = ".+";

    private readonly ICall _call;
    private readonly FlowsOptions _options;
    private readonly CallBudget _budget;
    private readonly string _flowsFolder;
    private readonly Func<IReadOnlyDictionary<string, string>>? _transferVariables;
    private readonly ILogger _logger;

    /// <summary>The names of the variables exported on this call so far, in the order first sent.</summary>
    private readonly List<string> _exported = [];

    /// <summary>The values exported on this call so far, as sent (what the budget counts); its keys are
    /// <see cref="_exported"/>'s names. Sized for a transfer's context (about 35 values).</summary>
    private readonly Dictionary<string, string> _sent = new(48, StringComparer.Ordinal);

    /// <summary>mod_callcenter copies to the agent's leg only the caller's variables named in this one
    /// (comma-separated).</summary>
    internal const string ExportVarsVariable = "cc_export_vars";

    /// <summary>mod_callcenter's base score of a caller in a queue (a queue transfer's priority).</summary>
    internal const string BaseScoreVariable = "cc_base_score";

    /// <summary>An adapter for one call.</summary>
    /// <param name="call">The call.</param>
    /// <param name="options">Prompt path mapping, transfer targets and what may ride on the call.</param>
    /// <param name="flowsFolder">The flows folder as the engine sees it (absolute).</param>
    /// <param name="transferVariables">More variables to attach, exported, just before a transfer (the engine's
    /// context beyond what the flow attaches); null for none.</param>
    /// <param name="logger">Where skipped prompts, refused transfers and cut values are reported.</param>
    /// <param name="budget">The budget of what rides on the call; null: the one of <see cref="FlowsOptions.Budgets"/>.</param>
    public FlowCallAdapter(ICall call, FlowsOptions options, string flowsFolder,
        Func<IReadOnlyDictionary<string, string>>? transferVariables = null, ILogger? logger = null, CallBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(flowsFolder);
        _call = call;
        _options = options;
        _budget = budget ?? new CallBudget(options.Budgets ?? new CallBudgetsOptions());
        _flowsFolder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(flowsFolder));
        _transferVariables = transferVariables;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public string Id => _call.Uuid;

    /// <inheritdoc />
    public string Caller => _call.Ani;

    /// <inheritdoc />
    public string Dialed => _call.Dnis;

    /// <summary>The dialplan extension of the last transfer tried (<c>queue_general</c>), for logs.</summary>
    public string? TransferDestination { get; private set; }

    /// <inheritdoc />
    public async Task<FlowCallStatus> AnswerAsync(CancellationToken cancellationToken)
    {
        switch (_call.State)
        {
            case CallState.Ended:
                return FlowCallStatus.HungUp;
            case CallState.Answered or CallState.Transferred:
                return FlowCallStatus.Ok;
            default:
                return Status(await _call.AnswerAsync(cancellationToken));
        }
    }

    /// <inheritdoc />
    public async Task<FlowCallStatus> PlayAsync(IReadOnlyList<FlowPlayable> prompts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var outcome = FlowCallStatus.Ok;
        var files = new List<string>();
        foreach (var prompt in prompts)
        {
            if (prompt is FlowSay say)
            {
                var flushed = await PlayFilesAsync(files, cancellationToken);
                if (flushed == FlowCallStatus.HungUp) return flushed;
                var said = await SayAsync(say, cancellationToken);
                if (said == FlowCallStatus.HungUp) return said;
                if (flushed == FlowCallStatus.Failed || said == FlowCallStatus.Failed) outcome = FlowCallStatus.Failed;
            }
            else if (Playable(prompt) is { } file)
            {
                files.Add(file);
            }
            else
            {
                outcome = FlowCallStatus.Failed;
            }
        }

        var last = await PlayFilesAsync(files, cancellationToken);
        return last == FlowCallStatus.Ok ? outcome : last;
    }

    /// <inheritdoc />
    public async Task<FlowDigits> CollectAsync(FlowDigitsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var prompts = request.Prompts;
        var lastSay = -1;
        for (var i = 0; i < prompts.Count; i++)
        {
            if (prompts[i] is FlowSay) lastSay = i;
        }

        if (lastSay >= 0 && await PlayAsync([.. prompts.Take(lastSay + 1)], cancellationToken) == FlowCallStatus.HungUp)
        {
            return new FlowDigits(FlowInput.HungUp, string.Empty);
        }

        var files = prompts.Skip(lastSay + 1).Select(Playable).OfType<string>().ToList();
        var result = await _call.PlayAndCollectAsync(new CollectRequest
        {
            Prompt = files.Count == 0 ? NoPrompt : Joined(files),
            InvalidPrompt = NoInvalidPrompt,
            // At least one key: with 0, FreeSWITCH reports silence as a success with nothing typed.
            MinDigits = 1,
            MaxDigits = Math.Max(1, request.MaxDigits),
            Tries = 1,
            Timeout = request.FirstDigitTimeout,
            InterDigitTimeout = request.InterDigitTimeout,
            Terminators = request.Terminators,
            ValidDigitsRegex = AnyKeys,
            VariableName = EntryVariable,
        }, cancellationToken);

        if (result.Outcome != CollectOutcome.HungUp)
        {
            // A sensitive entry (a PIN) must not stay on the channel, where channel dumps and CDRs would show it; and
            // FreeSWITCH never clears read_terminator_used, so the next entry would report this one's terminator.
            // Both go in one pipelined round trip.
            var stale = new List<string>(2);
            if (request.Sensitive && result.Digits.Length > 0) stale.Add(EntryVariable);
            if (result.Terminator is not null) stale.Add(TerminatorVariable);
            if (stale.Count > 0) await _call.UnsetVariablesAsync(stale, cancellationToken);
        }

        var digits = new FlowDigits(FlowInput.Digits, result.Digits, result.Terminator);
        return result.Outcome switch
        {
            CollectOutcome.HungUp => new FlowDigits(FlowInput.HungUp, string.Empty),
            CollectOutcome.Success => digits,
            // FreeSWITCH ends an entry by the inter-digit timeout with read_result=timeout and the digits kept.
            CollectOutcome.Timeout => result.Digits.Length > 0 ? digits : new FlowDigits(FlowInput.NoInput, string.Empty),
            // With at least 1 digit asked for, FreeSWITCH reports silence as a failure with nothing typed; a lone
            // terminator is an (empty) entry the flow will find invalid.
            _ => result.Digits.Length > 0 || result.Terminator is not null ? digits : new FlowDigits(FlowInput.NoInput, string.Empty),
        };
    }

    /// <inheritdoc />
    /// <remarks>Exported variables ride on the call, so they are held to the budget (<see cref="CallBudget"/>): a
    /// context value is made one line and cut to its cap, and a variable that would take the call past
    /// <see cref="ChannelVariablesBudget.TotalBytes"/> is not sent; both are logged. The first exported set also
    /// carries the call's context id when the call is tracked.</remarks>
    public async Task<FlowCallStatus> SetVariablesAsync(IReadOnlyDictionary<string, string> variables, bool exported, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(variables);
        if (!exported) return await SendAsync(Sanitized(variables), exported: false, cancellationToken);
        var batch = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!variables.ContainsKey(ContextVariables.ContextId)) OfferContextId(batch);
        foreach (var (name, value) in variables) Offer(batch, name, value);
        return await SendAsync(batch, exported: true, cancellationToken);
    }

    /// <summary>The call's context id, on a tracked call that has not carried it yet: the headers and the UUI form
    /// need it, and the lists for mod_callcenter name it.</summary>
    private void OfferContextId(Dictionary<string, string> batch)
    {
        if (_call is ITrackedCall tracked && !_sent.ContainsKey(ContextVariables.ContextId))
        {
            Offer(batch, ContextVariables.ContextId, tracked.ContextId.ToString("D"));
        }
    }

    private async Task<FlowCallStatus> SendAsync(Dictionary<string, string> variables, bool exported, CancellationToken cancellationToken)
    {
        if (variables.Count == 0) return _call.State == CallState.Ended ? FlowCallStatus.HungUp : FlowCallStatus.Ok;
        try
        {
            var status = Status(await _call.SetVariablesAsync(variables, exported, cancellationToken));
            if (exported && status == FlowCallStatus.Ok)
            {
                foreach (var (name, value) in variables)
                {
                    if (!_sent.ContainsKey(name)) _exported.Add(name);
                    _sent[name] = value;
                }
            }

            return status;
        }
        catch (ArgumentException ex)
        {
            // A name the switch cannot take, or a value with '$' and a line break: nothing was sent.
            LogRefused(_logger, _call.Uuid, "variables", ex.Message);
            return FlowCallStatus.Failed;
        }
    }

    /// <summary>Adds an exported variable to <paramref name="batch"/> within the budget: a context value made one line
    /// and cut to its cap; left out when the call's variables would pass the total, unless <paramref name="required"/>
    /// (the lists mod_callcenter needs, the priority). Returns false when left out.</summary>
    private bool Offer(Dictionary<string, string> batch, string name, string value, bool required = false)
    {
        // Every value goes onto the channel made safe (ChannelValue); a context value is also cut to its cap.
        var cap = CallBudget.IsContextValue(name) ? _budget.CapOf(name) : int.MaxValue;
        var fitted = ChannelValue.Sanitize(value, cap, out var cut);
        if (cut) LogValueCut(_logger, _call.Uuid, name, ChannelValue.Bytes(value), cap);
        value = fitted;

        var size = name.Length + ChannelValue.Bytes(value);
        var total = ChannelBytes(batch, name) + size;
        if (total > _budget.TotalBytes)
        {
            if (!required)
            {
                LogLeftOut(_logger, _call.Uuid, name, size, "channel variables", _budget.TotalBytes, CallBudget.ChannelTotalSetting);
                return false;
            }

            LogOverBudget(_logger, _call.Uuid, name, total, _budget.TotalBytes);
        }

        batch[name] = value;
        return true;
    }

    /// <summary>The bytes of the exported variables on the call with <paramref name="batch"/> sent, but for
    /// <paramref name="except"/>.</summary>
    private int ChannelBytes(Dictionary<string, string> batch, string except)
    {
        var bytes = 0;
        foreach (var (name, value) in _sent)
        {
            if (name != except && !batch.ContainsKey(name)) bytes += name.Length + ChannelValue.Bytes(value);
        }

        foreach (var (name, value) in batch)
        {
            if (name != except) bytes += name.Length + ChannelValue.Bytes(value);
        }

        return bytes;
    }

    /// <inheritdoc />
    /// <remarks>Before the transfer the engine's own context, the SIP headers and the UUI form are set, within the
    /// budget (<see cref="CallBudget"/>), and every name on the call is listed for mod_callcenter.</remarks>
    public Task<FlowCallStatus> TransferAsync(FlowTransfer transfer, CancellationToken cancellationToken) =>
        TransferAsync(transfer, System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty, cancellationToken);

    /// <inheritdoc />
    /// <remarks>What the flow attaches and what the engine adds for the transfer (the context id, the queue priority,
    /// the headers, the UUI form, the lists for mod_callcenter) go onto the channel in one batch, one
    /// <c>multiset</c> where they fit, then the transfer: one round trip fewer than setting the flow's values first,
    /// and one event fewer carrying every variable of the call.</remarks>
    public async Task<FlowCallStatus> TransferAsync(FlowTransfer transfer, IReadOnlyDictionary<string, string> attached, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        ArgumentNullException.ThrowIfNull(attached);
        var destination = Destination(transfer);
        TransferDestination = destination;
        using var activity = EngineTelemetry.Source.StartActivity("ivr.transfer");
        if (activity is null) return await TransferCoreAsync(transfer, attached, destination, cancellationToken);
        activity.SetTag("ivr.transfer.kind", transfer.Kind.ToString());
        activity.SetTag("ivr.transfer.destination", destination);
        var status = await TransferCoreAsync(transfer, attached, destination, cancellationToken);
        activity.SetTag("ivr.transfer.status", status.ToString());
        if (status == FlowCallStatus.Failed) activity.SetStatus(ActivityStatusCode.Error);
        return status;
    }

    private async Task<FlowCallStatus> TransferCoreAsync(FlowTransfer transfer, IReadOnlyDictionary<string, string> attached, string destination,
        CancellationToken cancellationToken)
    {
        if (!ChannelValue.IsArgumentWord(destination))
        {
            // As before the two went together: what the flow attached is still set, for whatever takes the call next.
            if (attached.Count > 0 && await SetVariablesAsync(attached, exported: true, cancellationToken) == FlowCallStatus.HungUp) return FlowCallStatus.HungUp;
            LogRefused(_logger, _call.Uuid, "transfer", $"\"{destination}\" is not a dialplan extension (spaces or $ in it)");
            return FlowCallStatus.Failed;
        }

        // The flow's values and about a dozen of the engine's (context id, priority, headers, UUI, lists).
        var variables = new Dictionary<string, string>(attached.Count + 16, StringComparer.Ordinal);
        if (!attached.ContainsKey(ContextVariables.ContextId)) OfferContextId(variables);
        foreach (var (name, value) in attached) Offer(variables, name, value);
        if (_transferVariables?.Invoke() is { } extra)
        {
            foreach (var (name, value) in extra) Offer(variables, name, value);
        }

        if (transfer.Kind == TransferKind.Queue && transfer.Priority is { } priority)
        {
            Offer(variables, BaseScoreVariable, priority.ToString(CultureInfo.InvariantCulture), required: true);
        }

        AddHeadersAndUui(variables);

        // Whatever rides on this call must reach the agent's leg too: mod_callcenter passes on only what
        // cc_export_vars names, so it names every variable attached here (the flow's and the engine's, the headers
        // and the UUI form): a dialplan that sets nothing still gets them. The shipped dialplan sets cc_export_vars
        // again in its queue extension (the contract's names) and appends ivr_export_extra, which therefore names
        // only what the contract's list does not, so that each name is listed once.
        var names = new List<string>(_exported.Count + variables.Count);
        foreach (var name in _exported)
        {
            if (!name.StartsWith("cc_", StringComparison.Ordinal)) names.Add(name);
        }

        foreach (var name in variables.Keys)
        {
            // Each name once: one sent before is in the list already.
            if (!name.StartsWith("cc_", StringComparison.Ordinal) && !_sent.ContainsKey(name)) names.Add(name);
        }

        if (names.Count > 0) Offer(variables, ExportVarsVariable, string.Join(',', names), required: true);
        var beyond = ContextVariables.BeyondDialplanList(names).ToList();
        if (beyond.Count > 0) Offer(variables, ContextVariables.ExportExtra, string.Join(',', beyond), required: true);

        if (variables.Count > 0)
        {
            var set = await SendAsync(variables, exported: true, cancellationToken);
            if (set == FlowCallStatus.HungUp) return set;
        }

        return Status(await _call.TransferAsync(destination, "XML", _options.TransferContext, cancellationToken));
    }

    /// <summary>The SIP headers and the UUI form of the context on the call (sent, and about to be), each left out
    /// when it would pass its budget.</summary>
    private void AddHeadersAndUui(Dictionary<string, string> variables)
    {
        var values = new Dictionary<string, string>(_sent, StringComparer.Ordinal);
        foreach (var (name, value) in variables) values[name] = value;

        var sipBytes = 0;
        bool AddHeader(string variable, string value)
        {
            var line = CallBudget.LineBytes(variable, value);
            if (sipBytes + line > _budget.SipTotalBytes)
            {
                LogLeftOut(_logger, _call.Uuid, variable, line, "SIP headers", _budget.SipTotalBytes, CallBudget.SipTotalSetting);
                return false;
            }

            if (!Offer(variables, variable, value)) return false;
            sipBytes += line;
            return true;
        }

        var cut = new List<string>();
        foreach (var (variable, value) in _budget.SipHeaders(values, cut)) AddHeader(variable, value);
        foreach (var header in cut) LogHeaderCut(_logger, _call.Uuid, header);

        var leftOut = new List<string>();
        var form = _budget.Uui(values, leftOut);
        foreach (var key in leftOut) LogUuiFieldLeftOut(_logger, _call.Uuid, key);
        if (form.Length > 0 && Offer(variables, ContextVariables.Uui, form) && _budget.UuiHeader)
        {
            AddHeader(CallBudget.UuiHeaderVariable, UuiForm.ToHeader(form));
        }
    }

    /// <inheritdoc />
    public async Task<FlowCallStatus> HangupAsync(string cause, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(cause) || !ChannelValue.IsArgumentWord(cause)) cause = "NORMAL_CLEARING";
        return Status(await _call.HangupAsync(cause, cancellationToken));
    }

    /// <summary>The dialplan extension a transfer goes to.</summary>
    internal string Destination(FlowTransfer transfer) => transfer.Kind switch
    {
        TransferKind.Queue => string.Format(CultureInfo.InvariantCulture, _options.QueueExtension, transfer.Target),
        TransferKind.Agent => string.Format(CultureInfo.InvariantCulture, _options.AgentExtension, transfer.Target),
        _ => transfer.Target,
    };

    /// <summary>What FreeSWITCH plays for a file or a stream; null (with a warning) when it cannot be handed on.</summary>
    internal string? Playable(FlowPlayable prompt)
    {
        var text = prompt switch
        {
            FlowFile file => SwitchPath(file.Path),
            FlowStreamUri stream => stream.Uri,
            _ => null,
        };
        if (text is null) return null;
        if (ChannelValue.IsArgumentWord(text) && !text.Contains('!', StringComparison.Ordinal)) return text;
        LogPromptSkipped(_logger, _call.Uuid, text);
        return null;
    }

    /// <summary>A file as FreeSWITCH sees it.</summary>
    internal string SwitchPath(string path)
    {
        if (!Path.IsPathRooted(path)) return path;
        var full = Path.GetFullPath(path);
        if (string.IsNullOrEmpty(_options.FreeSwitchPromptPath)) return full;
        var relative = Path.GetRelativePath(_flowsFolder, full);
        if (relative == "." || relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative)) return full;
        return _options.FreeSwitchPromptPath.TrimEnd('/', '\\') + "/" + relative.Replace('\\', '/');
    }

    private async Task<FlowCallStatus> PlayFilesAsync(List<string> files, CancellationToken cancellationToken)
    {
        if (files.Count == 0) return FlowCallStatus.Ok;
        var prompt = Joined(files);
        files.Clear();
        var result = await _call.PlayAsync(prompt, cancellationToken);
        if (result.Outcome == CallOutcome.Failed) LogPlayFailed(_logger, _call.Uuid, prompt, result.Detail ?? "-");
        return Status(result);
    }

    private async Task<FlowCallStatus> SayAsync(FlowSay say, CancellationToken cancellationToken)
    {
        // FreeSWITCH expands ${...} in an application's argument: a said value (a client's data) must not hold one.
        if (!ChannelValue.IsArgumentWord(say.Language) || !ChannelValue.IsArgumentWord(say.Type) || !ChannelValue.IsArgumentWord(say.Method)
            || say.Text.Length == 0 || !ChannelValue.IsArgument(say.Text))
        {
            LogPromptSkipped(_logger, _call.Uuid, $"say {say.Language} {say.Type} {say.Method}");
            return FlowCallStatus.Failed;
        }

        // mod_say has no "digits" type: the language's shorthand for a number read digit by digit.
        var (type, method) = string.Equals(say.Type, "digits", StringComparison.OrdinalIgnoreCase)
            ? ("NUMBER", "iterated")
            : (say.Type.ToUpperInvariant(), say.Method.ToLowerInvariant());
        var result = await _call.SayAsync(new SayRequest(say.Language, type, method, say.Text), cancellationToken);
        if (result.Outcome == CallOutcome.Failed) LogPlayFailed(_logger, _call.Uuid, $"say {say.Type}", result.Detail ?? "-");
        return Status(result);
    }

    private static string Joined(List<string> files) => files.Count == 1 ? files[0] : "file_string://" + string.Join('!', files);

    private static Dictionary<string, string> Sanitized(IReadOnlyDictionary<string, string> variables)
    {
        var safe = new Dictionary<string, string>(variables.Count, StringComparer.Ordinal);
        foreach (var (name, value) in variables) safe[name] = ChannelValue.Sanitize(value);
        return safe;
    }

    private FlowCallStatus Status(CallResult result) => result.Outcome switch
    {
        CallOutcome.Success => FlowCallStatus.Ok,
        CallOutcome.HungUp => FlowCallStatus.HungUp,
        _ => _call.State == CallState.Ended ? FlowCallStatus.HungUp : FlowCallStatus.Failed,
    };

    [LoggerMessage(EventId = 310, Level = LogLevel.Warning, Message = "Call {CallUuid}: prompt {Prompt} skipped: FreeSWITCH cannot take it in an argument (a space, '!' or '$' in it)")]
    private static partial void LogPromptSkipped(ILogger logger, string callUuid, string prompt);

    [LoggerMessage(EventId = 311, Level = LogLevel.Warning, Message = "Call {CallUuid}: {Prompt} did not play: {Detail}")]
    private static partial void LogPlayFailed(ILogger logger, string callUuid, string prompt, string detail);

    [LoggerMessage(EventId = 312, Level = LogLevel.Warning, Message = "Call {CallUuid}: {What} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string callUuid, string what, string reason);

    [LoggerMessage(EventId = 313, Level = LogLevel.Warning, Message = "Call {CallUuid}: {Name} cut to {MaxBytes} bytes (it had {Bytes}) before it was attached")]
    private static partial void LogValueCut(ILogger logger, string callUuid, string name, int bytes, int maxBytes);

    [LoggerMessage(EventId = 314, Level = LogLevel.Warning, Message = "Call {CallUuid}: {Name} ({Bytes} bytes) not attached: the {Budget} would pass {Limit} bytes ({Setting})")]
    private static partial void LogLeftOut(ILogger logger, string callUuid, string name, int bytes, string budget, int limit, string setting);

    [LoggerMessage(EventId = 315, Level = LogLevel.Warning, Message = "Call {CallUuid}: SIP header {Header} cut to fit its line (" + CallBudget.LineBytesSetting + ")")]
    private static partial void LogHeaderCut(ILogger logger, string callUuid, string header);

    [LoggerMessage(EventId = 316, Level = LogLevel.Warning, Message = "Call {CallUuid}: UUI field {Key} left out: the form would pass " + CallBudget.UuiBytesSetting)]
    private static partial void LogUuiFieldLeftOut(ILogger logger, string callUuid, string key);

    [LoggerMessage(EventId = 317, Level = LogLevel.Warning, Message = "Call {CallUuid}: {Name} attached although the channel variables reach {Bytes} bytes, over {Limit} (" + CallBudget.ChannelTotalSetting + "): mod_callcenter needs it")]
    private static partial void LogOverBudget(ILogger logger, string callUuid, string name, int bytes, int limit);
}
