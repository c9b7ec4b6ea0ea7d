using System.Globalization;
using System.Text;
using IvrEngine.Calls;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;

namespace IvrEngine.Ivr.Console;

/// <summary>A call in the terminal (<c>simulate</c>): prints what the caller would hear and what the switch would be
/// told (<c>[play] welcome.wav</c>, <c>[say] currency 1234.50</c>, <c>[transfer] queue vip, priority 10</c>) and
/// takes the caller's keys from <see cref="ISimulatedCaller"/>, once per wait for keys (an interruptible play is not a
/// wait: it plays to the end). Every operation then goes through the engine's own <see cref="FlowCallAdapter"/> onto a
/// <see cref="RecordedChannel"/>, so what <see cref="Channel"/> holds is what FreeSWITCH would receive: the same
/// applications and arguments, the same variables made safe and cut to their caps, the same lists, headers and UUI
/// form. Until the caller hangs up; then each operation returns <see cref="FlowCallStatus.HungUp"/>.</summary>
public sealed class ConsoleFlowCall : IFlowCall
{
    private readonly ISimulatedCaller _caller;
    private readonly TextWriter _trace;
    private readonly IReadOnlyList<string> _promptFolders;
    private readonly RecordedChannel _channel;
    private readonly FlowCallAdapter _adapter;
    private bool _answered;
    private bool _hungUp;

    /// <summary>A call from <paramref name="caller"/> to <paramref name="dialed"/>. <paramref name="trace"/> receives
    /// one line per operation (<see cref="TextWriter.Null"/> for none); sound files under one of
    /// <paramref name="promptFolders"/> are printed relative to it. <paramref name="transferVariables"/> gives what the
    /// engine attaches on its own just before a transfer (the campaign, a caller number new to the client), as the
    /// engine's call does. <paramref name="options"/> and <paramref name="flowsFolder"/> are the engine's flows settings
    /// and folder (the defaults and the first prompt folder when null), <paramref name="budget"/> its budget.</summary>
    public ConsoleFlowCall(string caller, string dialed, ISimulatedCaller callerInput, TextWriter trace, IEnumerable<string> promptFolders,
        Func<IReadOnlyDictionary<string, string>>? transferVariables = null, FlowsOptions? options = null, string? flowsFolder = null,
        CallBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(dialed);
        ArgumentNullException.ThrowIfNull(callerInput);
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(promptFolders);
        Caller = caller;
        Dialed = dialed;
        _caller = callerInput;
        _trace = trace;

        // Longest first, so a language subfolder's file prints as es/welcome.wav under its flow's folder.
        _promptFolders = [.. promptFolders.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).OrderByDescending(p => p.Length)];
        _channel = new RecordedChannel(Id, caller, dialed, Guid.NewGuid());
        IReadOnlyDictionary<string, string> EngineOwn()
        {
            var own = transferVariables?.Invoke() ?? new Dictionary<string, string>();
            EngineVariables = own;
            return own;
        }

        _adapter = new FlowCallAdapter(_channel, options ?? new FlowsOptions(), flowsFolder ?? (_promptFolders.Count > 0 ? _promptFolders[^1] : Environment.CurrentDirectory),
            EngineOwn, logger: null, budget);
    }

    /// <inheritdoc/>
    public string Id { get; } = "simulated-" + Guid.NewGuid().ToString("N")[..8];

    /// <inheritdoc/>
    public string Caller { get; }

    /// <inheritdoc/>
    public string Dialed { get; }

    /// <summary>True once the caller has hung up (or the flow hung up).</summary>
    public bool HungUp => _hungUp;

    /// <summary>Every variable set on the call, the last value of each, as FreeSWITCH would hold it.</summary>
    public IReadOnlyDictionary<string, string> Variables => _channel.Variables;

    /// <summary>What FreeSWITCH would have received.</summary>
    public RecordedChannel Channel => _channel;

    /// <summary>What the engine attached on its own before the transfer (empty when there was none).</summary>
    public IReadOnlyDictionary<string, string> EngineVariables { get; private set; } = new Dictionary<string, string>();

    /// <inheritdoc/>
    public async Task<FlowCallStatus> AnswerAsync(CancellationToken cancellationToken)
    {
        if (_hungUp) return FlowCallStatus.HungUp;
        if (_answered) return FlowCallStatus.Ok;
        _answered = true;
        await _trace.WriteLineAsync("[answer]");
        return await _adapter.AnswerAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<FlowCallStatus> PlayAsync(IReadOnlyList<FlowPlayable> prompts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (_hungUp) return FlowCallStatus.HungUp;
        await WritePromptsAsync(prompts);
        return await _adapter.PlayAsync(prompts, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<FlowDigits> CollectAsync(FlowDigitsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_hungUp) return new FlowDigits(FlowInput.HungUp, string.Empty);

        // A read-back of sensitive digits ("you entered 4 1 1 1 ...") is heard, but not printed whole.
        await WritePromptsAsync(request.Prompts, maskSays: request.Sensitive);

        // An interruptible play (no wait after its prompts) is not a wait: the caller is not asked, the play ends.
        if (request.FirstDigitTimeout <= TimeSpan.Zero) return await CollectThroughAsync(request, new(CollectOutcome.Timeout, string.Empty, null), cancellationToken);
        var action = await _caller.NextAsync(Describe(request), cancellationToken);
        switch (action.Kind)
        {
            case CallerActionKind.HangUp:
                _hungUp = true;
                await _trace.WriteLineAsync("[caller hangs up]");
                return await CollectThroughAsync(request, new(CollectOutcome.HungUp, string.Empty, null), cancellationToken);
            case CallerActionKind.Silence:
                await _trace.WriteLineAsync("[silence]");
                return await CollectThroughAsync(request, new(CollectOutcome.Timeout, string.Empty, null), cancellationToken);
        }

        // As the switch would: digits up to the most asked for or a terminator; keys after that are not heard.
        var digits = new StringBuilder();
        char? terminator = null;
        var used = 0;
        foreach (var key in action.Keys)
        {
            used++;
            if (request.Terminators.Contains(key, StringComparison.Ordinal))
            {
                terminator = key;
                break;
            }

            digits.Append(key);
            if (digits.Length >= request.MaxDigits) break;
        }

        // Sensitive entries show their last four digits only; a one-key answer (a confirmation) shows as it is.
        var mask = request.Sensitive && request.MaxDigits > 1;
        if (mask && digits.Length > 0) _channel.Secrets.Add(digits.ToString());
        var shown = mask ? Mask(digits.ToString()) : digits.ToString();
        var line = $"[keys] {shown}{terminator}";
        if (used < action.Keys.Length) line += $" (not heard: {(mask ? Mask(action.Keys[used..]) : action.Keys[used..])})";
        await _trace.WriteLineAsync(line);
        // Only a terminator is an empty entry (the flow decides whether that is silence); no key heard at all is silence.
        var keyed = digits.Length == 0 && terminator is null
            ? new CollectResult(CollectOutcome.Timeout, string.Empty, null)
            : new CollectResult(CollectOutcome.Success, digits.ToString(), terminator);
        return await CollectThroughAsync(request, keyed, cancellationToken);
    }

    /// <summary>The collection as the engine runs it (<c>play_and_get_digits</c>, then the sensitive entry and the
    /// terminator unset), answered with what the caller did.</summary>
    private Task<FlowDigits> CollectThroughAsync(FlowDigitsRequest request, CollectResult answer, CancellationToken cancellationToken)
    {
        _channel.NextCollect = answer;
        return _adapter.CollectAsync(request, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<FlowCallStatus> SetVariablesAsync(IReadOnlyDictionary<string, string> variables, bool exported, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(variables);
        if (_hungUp) return FlowCallStatus.HungUp;
        await _trace.WriteLineAsync(AttachLine(variables.Count, exported));
        return await _adapter.SetVariablesAsync(variables, exported, cancellationToken);
    }

    private static string AttachLine(int count, bool exported) => string.Create(CultureInfo.InvariantCulture,
        $"[attach] {count} variable{(count == 1 ? string.Empty : "s")}{(exported ? " (exported)" : string.Empty)}");

    /// <inheritdoc/>
    public Task<FlowCallStatus> TransferAsync(FlowTransfer transfer, CancellationToken cancellationToken) =>
        TransferAsync(transfer, System.Collections.ObjectModel.ReadOnlyDictionary<string, string>.Empty, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Through the engine's adapter, as a live call: what the flow attaches goes with the transfer in one
    /// step.</remarks>
    public async Task<FlowCallStatus> TransferAsync(FlowTransfer transfer, IReadOnlyDictionary<string, string> attached, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        ArgumentNullException.ThrowIfNull(attached);
        if (_hungUp) return FlowCallStatus.HungUp;
        await _trace.WriteLineAsync(AttachLine(attached.Count, exported: true));
        await _trace.WriteLineAsync("[transfer] " + DescribeTransfer(transfer));
        var status = await _adapter.TransferAsync(transfer, attached, cancellationToken);
        if (EngineVariables.Count > 0) await _trace.WriteLineAsync($"[attach] {string.Join(", ", EngineVariables.Keys)} (the engine's own)");
        await _trace.WriteLineAsync(status == FlowCallStatus.Ok
            ? $"[switch] transfer {_channel.Applications[^1].Argument}"
            : $"[switch] transfer to {_adapter.TransferDestination} refused");
        return status;
    }

    /// <inheritdoc/>
    public async Task<FlowCallStatus> HangupAsync(string cause, CancellationToken cancellationToken)
    {
        if (_hungUp) return FlowCallStatus.HungUp;
        _hungUp = true;
        await _trace.WriteLineAsync("[hangup] " + cause);
        return await _adapter.HangupAsync(cause, cancellationToken);
    }

    /// <summary><c>queue vip, priority 10</c>.</summary>
    public static string DescribeTransfer(FlowTransfer transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        var text = $"{KindName(transfer.Kind)} {transfer.Target}";
        return transfer.Priority is int priority ? text + string.Create(CultureInfo.InvariantCulture, $", priority {priority}") : text;
    }

    /// <summary>queue, extension or agent.</summary>
    public static string KindName(TransferKind kind) => kind switch
    {
        TransferKind.Queue => "queue",
        TransferKind.Extension => "extension",
        TransferKind.Agent => "agent",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>All but the last four characters as <c>*</c>.</summary>
    public static string Mask(string digits)
    {
        ArgumentNullException.ThrowIfNull(digits);
        return digits.Length <= 4 ? new string('*', digits.Length) : new string('*', digits.Length - 4) + digits[^4..];
    }

    private async Task WritePromptsAsync(IReadOnlyList<FlowPlayable> prompts, bool maskSays = false)
    {
        foreach (var prompt in prompts) await _trace.WriteLineAsync(Describe(prompt, maskSays));
    }

    private string Describe(FlowPlayable prompt, bool maskSays) => prompt switch
    {
        FlowFile file => "[play] " + ShortPath(file.Path),
        FlowStreamUri stream => "[play] " + stream.Uri,
        FlowSay say => $"[say] {say.Type.ToLowerInvariant()} {(maskSays ? Mask(say.Text) : say.Text)}"
            + (string.Equals(say.Method, "pronounced", StringComparison.OrdinalIgnoreCase) ? string.Empty : $" ({say.Method.ToLowerInvariant()})"),
        _ => "[play] " + prompt,
    };

    private string ShortPath(string path)
    {
        if (!Path.IsPathRooted(path)) return path;
        var full = Path.GetFullPath(path);
        foreach (var folder in _promptFolders)
        {
            var relative = Path.GetRelativePath(folder, full);
            if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative)) return relative.Replace('\\', '/');
        }

        return path;
    }

    private static string Describe(FlowDigitsRequest request)
    {
        var length = request.MinDigits == request.MaxDigits
            ? string.Create(CultureInfo.InvariantCulture, $"{request.MaxDigits} key{(request.MaxDigits == 1 ? string.Empty : "s")}")
            : string.Create(CultureInfo.InvariantCulture, $"{request.MinDigits}-{request.MaxDigits} keys");
        return request.Terminators.Length == 0 ? length : $"{length}, end with {request.Terminators}";
    }
}
