using System.Globalization;
using IvrEngine.Calls;
using IvrEngine.Scripts;

namespace IvrEngine.Ivr.Console;

/// <summary>An application FreeSWITCH would run, as the engine would send it (<c>transfer</c>,
/// <c>queue_vip XML default</c>).</summary>
/// <param name="Name">The application.</param>
/// <param name="Argument">Its argument; empty when it has none.</param>
public sealed record SwitchApplication(string Name, string Argument);

/// <summary>The call <c>simulate</c> hands to the engine's own <see cref="FlowCallAdapter"/>: it records what FreeSWITCH
/// would receive (the applications with their arguments, the variables as set and exported), checks arguments as the
/// engine's FreeSWITCH call does, and answers each collection with what the simulated caller keyed
/// (<see cref="NextCollect"/>). A tracked call, as the engine's are, so the context id and what depends on it (the
/// UUI form, a header) are there too.</summary>
public sealed class RecordedChannel : ITrackedCall
{
    private readonly Dictionary<string, string> _variables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _exported = new(StringComparer.Ordinal);
    private readonly List<SwitchApplication> _applications = [];
    private CallState _state = CallState.Ringing;

    /// <summary>A call from <paramref name="ani"/> to <paramref name="dnis"/>.</summary>
    public RecordedChannel(string uuid, string ani, string dnis, Guid contextId)
    {
        Uuid = uuid;
        Ani = ani;
        Dnis = dnis;
        ContextId = contextId;
    }

    /// <inheritdoc />
    public string Uuid { get; }

    /// <inheritdoc />
    public string Ani { get; }

    /// <inheritdoc />
    public string Dnis { get; }

    /// <inheritdoc />
    public Guid ContextId { get; }

    /// <inheritdoc />
    /// <remarks>No context is kept for a simulated call: nothing to settle.</remarks>
    public void LeftIvr()
    {
    }

    /// <inheritdoc />
    public string? CallerName => null;

    /// <inheritdoc />
    public string? CoreUuid => null;

    /// <inheritdoc />
    public CallState State => _state;

    /// <summary>Cancelled once the call has ended (nothing waits here: every operation of a simulated call returns at
    /// once).</summary>
    public CancellationToken HungUp => new(_state == CallState.Ended);

    /// <summary>What the next <see cref="PlayAndCollectAsync"/> returns: the simulated caller's answer.</summary>
    public CollectResult NextCollect { get; set; } = new(CollectOutcome.Timeout, string.Empty, null);

    /// <summary>The applications, in order, as they would be sent (variables set one by one are not among them:
    /// <see cref="Exported"/>).</summary>
    public IReadOnlyList<SwitchApplication> Applications => _applications;

    /// <summary>The exported variables on the channel, the last value of each: what the agent's leg gets.</summary>
    public IReadOnlyDictionary<string, string> Exported => _exported;

    /// <summary>Every variable set on the channel, the last value of each.</summary>
    public IReadOnlyDictionary<string, string> Variables => _variables;

    /// <summary>Sensitive entries the caller keyed: a report shows them masked wherever they appear.</summary>
    public ISet<string> Secrets { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>The caller hangs up: every later operation reports it.</summary>
    public void CallerHangsUp()
    {
        _state = CallState.Ended;
    }

    /// <inheritdoc />
    public string? GetVariable(string name) => _variables.GetValueOrDefault(name);

    /// <inheritdoc />
    public Task<CallResult> AnswerAsync(CancellationToken cancellationToken = default)
    {
        if (_state == CallState.Ended) return Task.FromResult(HungUpResult);
        _state = CallState.Answered;
        return Run("answer", string.Empty);
    }

    /// <inheritdoc />
    public Task<CallResult> PlayAsync(string prompt, CancellationToken cancellationToken = default) =>
        Run("playback", ChannelValue.CheckArgument(prompt, nameof(prompt)));

    /// <inheritdoc />
    public Task<CollectResult> PlayAndCollectAsync(CollectRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_state == CallState.Ended) return Task.FromResult(new CollectResult(CollectOutcome.HungUp, string.Empty, null));
        _applications.Add(new("play_and_get_digits", FreeSwitchCall.BuildPlayAndGetDigits(request)));
        var result = NextCollect;
        if (result.Outcome == CollectOutcome.HungUp) CallerHangsUp();
        else if (result.Digits.Length > 0) _variables[request.VariableName] = result.Digits;
        if (result.Terminator is { } terminator) _variables[FlowCallAdapter.TerminatorVariable] = terminator.ToString();
        return Task.FromResult(result);
    }

    /// <inheritdoc />
    public Task<CallResult> SayAsync(SayRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var argument = string.Join(' ', request.Module, request.Type, request.Method, request.Text);
        return Run("say", ChannelValue.CheckArgument(argument, nameof(request)));
    }

    /// <inheritdoc />
    public Task<CallResult> SetVariablesAsync(IEnumerable<KeyValuePair<string, string>> variables, bool exported = false,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(variables);
        if (_state == CallState.Ended) return Task.FromResult(HungUpResult);
        foreach (var (name, value) in variables)
        {
            _variables[name] = value;
            if (exported) _exported[name] = value;
        }

        return Task.FromResult(CallResult.Ok);
    }

    /// <inheritdoc />
    public Task<CallResult> UnsetVariablesAsync(IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
        {
            _variables.Remove(name);
            _exported.Remove(name);
        }

        return Task.FromResult(_state == CallState.Ended ? HungUpResult : CallResult.Ok);
    }

    /// <inheritdoc />
    public async Task<CallResult> TransferAsync(string destination, string dialplan = "XML", string context = "default",
        CancellationToken cancellationToken = default)
    {
        var result = await Run("transfer", ChannelValue.CheckArgument(string.Join(' ', destination, dialplan, context), nameof(destination)));
        if (result.IsSuccess) _state = CallState.Transferred;
        return result;
    }

    /// <inheritdoc />
    public async Task<CallResult> BridgeAsync(string dialString, CancellationToken cancellationToken = default)
    {
        var result = await Run("bridge", ChannelValue.CheckArgument(dialString, nameof(dialString)));
        if (result.IsSuccess) _state = CallState.Transferred;
        return result;
    }

    /// <inheritdoc />
    public async Task<CallResult> HangupAsync(string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default)
    {
        var result = await Run("hangup", cause);
        CallerHangsUp();
        return result;
    }

    /// <inheritdoc />
    public Task<CallResult> SleepAsync(TimeSpan duration, CancellationToken cancellationToken = default) =>
        Run("sleep", ((long)duration.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));

    /// <inheritdoc />
    public Task<CallResult> BreakAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(_state == CallState.Ended ? HungUpResult : CallResult.Ok);

    private static CallResult HungUpResult { get; } = new(CallOutcome.HungUp);

    private Task<CallResult> Run(string application, string argument)
    {
        if (_state == CallState.Ended) return Task.FromResult(HungUpResult);
        _applications.Add(new(application, argument));
        return Task.FromResult(CallResult.Ok);
    }
}
