using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using IvrEngine.EventSocket;
using IvrEngine.Scripts;

namespace IvrEngine.Calls;

/// <summary>A FreeSWITCH channel driven over its outbound socket: call operations made of sendmsg executes and API
/// commands. Knows commands, not bytes.</summary>
public sealed class FreeSwitchCall : ICall, IDisposable
{
    private readonly EslOutboundSession _session;
    // Only what changed since connect; everything else is read from the channel data when asked for.
    // A null value marks a variable unset by this call.
    private ConcurrentDictionary<string, string?>? _changed;
    private readonly HashSet<string> _exported = new(StringComparer.Ordinal);
    private readonly List<string> _exportOrder = [];
    private readonly CancellationTokenSource _hungUp = new();
    private int _state = (int)CallState.Ringing;

    /// <summary>Wraps a connected session (after <see cref="EslOutboundSession.ConnectAsync"/>).</summary>
    public FreeSwitchCall(EslOutboundSession session)
    {
        _session = session ?? throw new ArgumentNullException(nameof(session));
        var channel = session.Channel;
        Uuid = channel.UniqueId;
        Ani = channel.Ani;
        Dnis = channel.Dnis;
        CallerName = channel.CallerName;
        CoreUuid = channel.CoreUuid;
        if (string.Equals(channel.GetHeader("Answer-State"), "answered", StringComparison.OrdinalIgnoreCase)) _state = (int)CallState.Answered;
        session.HangupTask.ContinueWith(static (_, s) => ((FreeSwitchCall)s!).OnHangup(), this,
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <inheritdoc />
    public string Uuid { get; }

    /// <inheritdoc />
    public string Ani { get; }

    /// <inheritdoc />
    public string Dnis { get; }

    /// <inheritdoc />
    public string? CallerName { get; }

    /// <inheritdoc />
    public string? CoreUuid { get; }

    /// <inheritdoc />
    public CallState State => _session.IsHungUp ? CallState.Ended : (CallState)Volatile.Read(ref _state);

    /// <inheritdoc />
    public CancellationToken HungUp
    {
        get
        {
            ObserveHangup();
            return _hungUp.Token;
        }
    }

    /// <summary>The session underneath (events, raw commands).</summary>
    public EslOutboundSession Session => _session;

    /// <summary>The hangup cause once the call ended.</summary>
    public string? HangupCause => _session.HangupTask.IsCompleted ? _session.HangupTask.Result.Cause : null;

    /// <inheritdoc />
    public string? GetVariable(string name) =>
        _changed is { } changed && changed.TryGetValue(name, out var value) ? value : _session.Channel.GetVariable(name);

    /// <inheritdoc />
    public async Task<CallResult> AnswerAsync(CancellationToken cancellationToken = default)
    {
        var result = await ExecuteAsync("answer", null, cancellationToken);
        if (result.IsSuccess) Interlocked.CompareExchange(ref _state, (int)CallState.Answered, (int)CallState.Ringing);
        return result;
    }

    /// <inheritdoc />
    public Task<CallResult> PlayAsync(string prompt, CancellationToken cancellationToken = default) =>
        ExecuteAsync("playback", CheckPrompt(prompt, nameof(prompt)), cancellationToken, failWhen: static r => r is "PLAYBACK ERROR" or "FILE NOT FOUND");

    /// <inheritdoc />
    public async Task<CollectResult> PlayAndCollectAsync(CollectRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var argument = BuildPlayAndGetDigits(request);
        var result = await _session.ExecuteAsync("play_and_get_digits", argument, eventLock: true,
            [request.VariableName, "read_terminator_used", "read_result"], cancellationToken);
        if (!result.IsCompleted) return HungUpResult(new CollectResult(CollectOutcome.HungUp, string.Empty, null));

        var digits = result.GetVariable(request.VariableName) ?? string.Empty;
        var terminatorText = result.GetVariable("read_terminator_used");
        char? terminator = string.IsNullOrEmpty(terminatorText) ? null : terminatorText[0];
        var readResult = result.GetVariable("read_result");
        if (digits.Length > 0) Changed[request.VariableName] = digits;

        // A hangup while collecting still produces an EXECUTE_COMPLETE; the hangup wins.
        if (_session.IsHungUp) return HungUpResult(new CollectResult(CollectOutcome.HungUp, digits, terminator));
        // read_result is the last try's: success (the regex check comes after, and clears the variable on a
        // mismatch), timeout (nothing pressed) or failure (too few digits).
        var outcome = readResult switch
        {
            "success" => digits.Length > 0 ? CollectOutcome.Success : CollectOutcome.Invalid,
            "timeout" => CollectOutcome.Timeout,
            "failure" => CollectOutcome.Invalid,
            _ => digits.Length > 0 ? CollectOutcome.Invalid : CollectOutcome.Timeout,
        };
        return new CollectResult(outcome, digits, terminator);
    }

    /// <inheritdoc />
    public Task<CallResult> SayAsync(SayRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var argument = string.Join(' ',
            EslCommandWriter.EnsureToken(request.Module, nameof(request.Module)),
            EslCommandWriter.EnsureToken(request.Type, nameof(request.Type)),
            EslCommandWriter.EnsureToken(request.Method, nameof(request.Method)),
            EslCommandWriter.EnsureSingleLine(request.Text, nameof(request.Text)));
        return ExecuteAsync("say", ChannelValue.CheckArgument(argument, nameof(request)), cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Several variables go in one <c>multiset</c> (one command, one pair of execute events, where each
    /// <c>set</c> or <c>export</c> of its own costs FreeSWITCH and the engine a command, a reply and two events carrying
    /// every channel variable). An exported batch also sets <c>export_vars</c> in that command, which is what the
    /// <c>export</c> application does for each variable. A value FreeSWITCH would read differently inside a
    /// <c>multiset</c> (quotes, backslashes, spaces at its end) goes by a <c>set</c> of its own; a value holding '$' by
    /// <c>uuid_setvar</c>, which does not expand it.</remarks>
    public async Task<CallResult> SetVariablesAsync(IEnumerable<KeyValuePair<string, string>> variables, bool exported = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(variables);
        // Validate everything before sending anything: a bad name must not leave half the context on the call.
        var batch = new Dictionary<string, string>(variables.TryGetNonEnumeratedCount(out var count) ? count : 0, StringComparer.Ordinal);
        foreach (var (name, value) in variables)
        {
            batch[CheckVariableName(name)] = value ?? throw new ArgumentException($"Variable {name} has no value.", nameof(variables));
            if (value.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException($"Variable {name} holds NUL.", nameof(variables));
            if (MultiSetPlan.NeedsRawSet(value) && value.AsSpan().IndexOfAny('\r', '\n') >= 0)
            {
                throw new ArgumentException($"Variable {name}: a value holding both '$' and a line break cannot be set safely.", nameof(variables));
            }
        }

        var exportList = exported ? ExportList(batch.Keys) : null;
        var plan = MultiSetPlan.Make(batch, exportList);
        var pending = new List<Task<CallResult>>(plan.Singles.Count + plan.Raw.Count + plan.MultiSets.Count);
        foreach (var argument in plan.MultiSets) pending.Add(ExecuteAsync("multiset", argument, cancellationToken));
        // An exported batch always has a multiset: it carries export_vars for every variable of the batch.
        foreach (var (name, value) in plan.Singles) pending.Add(ExecuteAsync("set", name + "=" + value, cancellationToken));

        // Application arguments are expanded by FreeSWITCH (${...} runs APIs): a value holding '$' is set through
        // uuid_setvar, which does not expand it (escaped for its argument parsing).
        foreach (var (name, value) in plan.Raw) pending.Add(ApiSetVarAsync(name, value, cancellationToken));
        foreach (var (name, value) in batch) Changed[name] = value;
        if (exportList is not null) Changed["export_vars"] = exportList;

        // Usually one command (the multiset): awaited alone, without a promise over it.
        if (pending.Count == 1) return await pending[0];
        var results = await Task.WhenAll(pending);
        return results.FirstOrDefault(r => !r.IsSuccess) ?? CallResult.Ok;
    }

    /// <summary>The channel's <c>export_vars</c> once <paramref name="names"/> are exported: what the dialplan exported
    /// before the call reached the engine, then what the engine exported, in order, each once.</summary>
    private string ExportList(IEnumerable<string> names)
    {
        lock (_exported)
        {
            if (_exportOrder.Count == 0 && GetVariable("export_vars") is { Length: > 0 } before)
            {
                foreach (var name in before.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (_exported.Add(name)) _exportOrder.Add(name);
                }
            }

            foreach (var name in names)
            {
                if (_exported.Add(name)) _exportOrder.Add(name);
            }

            return string.Join(',', _exportOrder);
        }
    }

    /// <inheritdoc />
    public async Task<CallResult> UnsetVariablesAsync(IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        var checkedNames = names.Select(CheckVariableName).Distinct(StringComparer.Ordinal).ToList();
        var results = await Task.WhenAll(checkedNames.Select(n =>
        {
            Changed[n] = null;
            return ExecuteAsync("unset", n, cancellationToken);
        }));
        return results.FirstOrDefault(r => !r.IsSuccess) ?? CallResult.Ok;
    }

    /// <inheritdoc />
    public async Task<CallResult> TransferAsync(string destination, string dialplan = "XML", string context = "default",
        CancellationToken cancellationToken = default)
    {
        var argument = string.Join(' ', EslCommandWriter.EnsureToken(destination, nameof(destination)),
            EslCommandWriter.EnsureToken(dialplan, nameof(dialplan)), EslCommandWriter.EnsureToken(context, nameof(context)));
        ChannelValue.CheckArgument(argument, nameof(destination));
        // transfer completes as soon as the channel leaves for the new extension; the socket stays attached.
        var result = await ExecuteAsync("transfer", argument, cancellationToken);
        if (result.IsSuccess) Volatile.Write(ref _state, (int)CallState.Transferred);
        return result;
    }

    /// <inheritdoc />
    public async Task<CallResult> BridgeAsync(string dialString, CancellationToken cancellationToken = default)
    {
        var result = await ExecuteAsync("bridge", ChannelValue.CheckArgument(EslCommandWriter.EnsureSingleLine(dialString, nameof(dialString)), nameof(dialString)),
            cancellationToken);
        if (result.IsSuccess) Volatile.Write(ref _state, (int)CallState.Transferred);
        return result;
    }

    /// <inheritdoc />
    public async Task<CallResult> HangupAsync(string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default)
    {
        if (_session.IsHungUp) return HungUpResult(new CallResult(CallOutcome.HungUp, HangupCause));
        try
        {
            var reply = await _session.HangupAsync(cause, cancellationToken);
            return reply.IsOk ? CallResult.Ok : new CallResult(CallOutcome.Failed, reply.ReplyText);
        }
        catch (EslConnectionClosedException)
        {
            return HungUpResult(new CallResult(CallOutcome.HungUp, HangupCause));
        }
    }

    /// <inheritdoc />
    public Task<CallResult> SleepAsync(TimeSpan duration, CancellationToken cancellationToken = default) =>
        ExecuteAsync("sleep", ((long)duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), cancellationToken);

    /// <inheritdoc />
    public async Task<CallResult> BreakAsync(CancellationToken cancellationToken = default)
    {
        if (_session.IsHungUp) return HungUpResult(new CallResult(CallOutcome.HungUp, HangupCause));
        try
        {
            var response = await _session.ApiAsync("uuid_break " + Uuid + " all", cancellationToken);
            return response.IsError ? new CallResult(CallOutcome.Failed, response.Text) : CallResult.Ok;
        }
        catch (EslConnectionClosedException)
        {
            return HungUpResult(new CallResult(CallOutcome.HungUp, HangupCause));
        }
    }

    private async Task<CallResult> ApiSetVarAsync(string name, string value, CancellationToken cancellationToken)
    {
        if (_session.IsHungUp) return HungUpResult(new CallResult(CallOutcome.HungUp, HangupCause));
        try
        {
            var response = await _session.ApiAsync(EslCommandWriter.UuidSetVar(Uuid, name, value), cancellationToken);
            return response.IsError ? new CallResult(CallOutcome.Failed, response.Text) : CallResult.Ok;
        }
        catch (EslConnectionClosedException)
        {
            return HungUpResult(new CallResult(CallOutcome.HungUp, HangupCause));
        }
    }

    private async Task<CallResult> ExecuteAsync(string application, string? argument, CancellationToken cancellationToken,
        Func<string?, bool>? failWhen = null)
    {
        var result = await _session.ExecuteAsync(application, argument, eventLock: true, keepCompleteEvent: false, cancellationToken);
        if (!result.IsCompleted) return HungUpResult(new CallResult(CallOutcome.HungUp, result.HangupCause));
        var response = result.Response;
        if (failWhen is not null && failWhen(response)) return new CallResult(CallOutcome.Failed, response);
        return _session.IsHungUp && application is "playback" or "say" or "sleep"
            ? HungUpResult(new CallResult(CallOutcome.HungUp, HangupCause))
            : new CallResult(CallOutcome.Success, response);
    }

    /// <inheritdoc />
    public void Dispose() => _hungUp.Dispose();

    private ConcurrentDictionary<string, string?> Changed =>
        _changed ?? Interlocked.CompareExchange(ref _changed, new(StringComparer.Ordinal), null) ?? _changed;

    /// <summary>The session learns of a hangup on its read loop; the continuation that cancels <see cref="HungUp"/> runs
    /// later on the thread pool. Whatever reports a hangup to the flow makes sure the token has fired first.</summary>
    private T HungUpResult<T>(T result)
    {
        ObserveHangup();
        return result;
    }

    private void ObserveHangup()
    {
        if (_session.IsHungUp) OnHangup();
    }

    private void OnHangup()
    {
        Volatile.Write(ref _state, (int)CallState.Ended);
        try
        {
            _hungUp.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call was already disposed.
        }
    }

    internal static string BuildPlayAndGetDigits(CollectRequest r)
    {
        if (r.MinDigits < 0 || r.MaxDigits < Math.Max(1, r.MinDigits)) throw new ArgumentException($"Digits: min {r.MinDigits}, max {r.MaxDigits} is not a range.", nameof(r));
        if (r.Tries < 1) throw new ArgumentException("Tries must be at least 1.", nameof(r));
        var sb = new StringBuilder(128);
        sb.Append(r.MinDigits).Append(' ').Append(r.MaxDigits).Append(' ').Append(r.Tries).Append(' ')
          .Append((long)r.Timeout.TotalMilliseconds).Append(' ')
          .Append(r.Terminators.Length == 0 ? "none" : EslCommandWriter.EnsureToken(r.Terminators, nameof(r.Terminators))).Append(' ')
          .Append(CheckPrompt(r.Prompt, nameof(r.Prompt))).Append(' ')
          .Append(r.InvalidPrompt is null ? "silence_stream://250" : CheckPrompt(r.InvalidPrompt, nameof(r.InvalidPrompt))).Append(' ')
          .Append(CheckVariableName(r.VariableName)).Append(' ')
          .Append(r.ValidDigitsRegex is null ? "\\d+" : ChannelValue.CheckArgument(EslCommandWriter.EnsureToken(r.ValidDigitsRegex, nameof(r.ValidDigitsRegex)), nameof(r.ValidDigitsRegex)));
        if (r.InterDigitTimeout is { } digitTimeout) sb.Append(' ').Append((long)digitTimeout.TotalMilliseconds);
        return sb.ToString();
    }

    private static string CheckPrompt(string prompt, string what) =>
        ChannelValue.CheckArgument(EslCommandWriter.EnsureToken(prompt, what), what);

    private static string CheckVariableName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                throw new ArgumentException($"Variable name \"{EslCommandWriter.Escape(name)}\" may hold only ASCII letters, digits, '_', '-' and '.'.", nameof(name));
            }
        }

        return name;
    }
}
