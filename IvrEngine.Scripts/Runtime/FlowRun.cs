using IvrEngine.Scripts.Expressions;
using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Runtime;

/// <summary>One run of a flow on one call: the interpreter's state (variables, client, language, the sub-flow
/// stack) and its main loop. The step kinds are in the other parts of this class.</summary>
internal sealed partial class FlowRun
{
    private readonly FlowSet _set;
    private readonly FlowDefinition _top;
    private readonly IFlowCall _call;
    private readonly IFlowDirectory _directory;
    private readonly TimeProvider _time;
    private readonly IFlowObserver? _observer;
    private readonly CancellationToken _cancellationToken;

    private readonly FlowVariables _vars = new();

    /// <summary>Variables that received a collected entry, and whether it was a secret: they are masked in logs,
    /// and secret ones are never attached. A later <c>set</c> of the same name does not lift this.</summary>
    private readonly Dictionary<string, bool> _collected = new(StringComparer.Ordinal);

    /// <summary>The most UTF-8 bytes each flow variable may have on the call, as its last writer said: a collect
    /// step's max length, a set value's max (or <see cref="FlowSet.UnboundedValueBytes"/> for an expression).</summary>
    private readonly Dictionary<string, int> _caps = new(StringComparer.Ordinal);

    private readonly List<string> _steps = [];
    private readonly Stack<Frame> _frames = new();

    private FlowClientView _client = FlowClientView.None;
    private string _language;
    private bool _languageChosen;
    private bool _answered;

    /// <summary>A key that stopped an interruptible play: the first key of the next menu, collect or language step.</summary>
    private char? _pendingKey;

    private int _stepsWithoutInput;
    private FlowTransfer? _transfer;
    private FlowRoute? _route;

    /// <summary>Why the last menu or collect step gave up on the caller (null once a later entry succeeded).</summary>
    private string? _gaveUp;
    private bool _lookedUp;
    private IReadOnlyDictionary<string, string> _attached = new Dictionary<string, string>();

    public FlowRun(FlowSet set, FlowDefinition flow, IFlowCall call, IFlowDirectory directory, TimeProvider time,
        IFlowObserver? observer, CancellationToken cancellationToken)
    {
        _set = set;
        _top = flow;
        _call = call;
        _directory = directory;
        _time = time;
        _observer = observer;
        _cancellationToken = cancellationToken;
        _language = flow.Language;
    }

    /// <summary>The routing rules for route steps; null: a route step fails the run.</summary>
    public IFlowRouter? Router { get; init; }

    /// <summary>The flow being run now (the innermost sub-flow).</summary>
    private FlowPlan Plan => _frames.Peek().Plan;

    public async Task<FlowRunResult> RunAsync()
    {
        _frames.Push(new Frame(FlowPlan.For(_top), CalledFrom: null));
        var step = Plan.Step(_top.Start);
        if (step is null)
        {
            return Finish(FlowOutcome.Failed, $"{_top.Name}: the start step '{_top.Start}' does not exist");
        }

        while (true)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            var here = $"{Plan.Flow.Name}/{step.Id}";
            _steps.Add(here);
            _stepsWithoutInput++;
            if (_stepsWithoutInput > FlowRunner.MaxStepsWithoutInput)
            {
                return Finish(FlowOutcome.Failed,
                    $"runaway loop: more than {FlowRunner.MaxStepsWithoutInput} steps in a row without waiting for the caller, going round {RecentSteps(FlowRunner.MaxStepsWithoutInput)}");
            }

            if (_steps.Count > FlowRunner.MaxStepsPerRun)
            {
                return Finish(FlowOutcome.Failed,
                    $"runaway: more than {FlowRunner.MaxStepsPerRun} steps in one call, the last ones going round {RecentSteps(FlowRunner.MaxStepsWithoutInput)}");
            }

            try
            {
                _observer?.OnStep(Plan.Flow.Name, step);
                var transition = await ExecuteAsync(step);
                switch (transition.Kind)
                {
                    case TransitionKind.End:
                        return Finish(transition.Outcome!, error: null);
                    case TransitionKind.Continue:
                        step = Following(step);
                        break;
                    case TransitionKind.GoTo:
                        step = Target(step, transition.Target!);
                        break;
                    case TransitionKind.Call:
                        var called = transition.Flow!;
                        _frames.Push(new Frame(FlowPlan.For(called), (SubflowStep)step));
                        step = Plan.Step(called.Start)
                            ?? throw new FlowRunException($"the start step '{called.Start}' of flow '{called.Name}' does not exist");
                        break;
                    case TransitionKind.Return:
                        if (_frames.Count == 1)
                        {
                            return Finish(FlowOutcome.Returned, error: null);
                        }

                        var done = _frames.Pop();
                        step = Following(done.CalledFrom!);
                        break;
                    default:
                        throw new InvalidOperationException($"Unknown transition {transition.Kind}.");
                }
            }
            catch (OperationCanceledException) when (_cancellationToken.IsCancellationRequested)
            {
                throw;
            }
#pragma warning disable CA1031 // A run never throws for a flow or call problem: anything else ends it as failed, with the reason.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                var reason = ex is FlowRunException ? ex.Message : $"{ex.Message} ({ex.GetType().Name})";
                return Finish(FlowOutcome.Failed, $"step '{here}': {reason}");
            }
        }
    }

    /// <summary>Where a step that goes on goes: its <see cref="FlowStep.Next"/>, else the step written after it.</summary>
    private FlowStep Following(FlowStep step) => step.Next is { } next
        ? Target(step, next)
        : Plan.After(step) ?? throw new FlowRunException($"step '{step.Id}' is the last one of flow '{Plan.Flow.Name}' and names no next step");

    private FlowStep Target(FlowStep from, string id) => Plan.Step(id)
        ?? throw new FlowRunException($"step '{from.Id}' goes to '{id}', which does not exist in flow '{Plan.Flow.Name}'");

    /// <summary>The distinct steps among the last <paramref name="window"/> visited, in the order the run first
    /// reached them, for a runaway message.</summary>
    private string RecentSteps(int window)
    {
        const int shown = 10;
        var recent = _steps.Skip(Math.Max(0, _steps.Count - window)).ToHashSet(StringComparer.Ordinal);
        var distinct = _steps.Where(recent.Contains).Distinct(StringComparer.Ordinal).ToList();
        var names = string.Join(", ", distinct.Take(shown));
        return distinct.Count > shown ? $"{names}, ... ({distinct.Count} steps)" : names;
    }

    private FlowRunResult Finish(string outcome, string? error) =>
        new()
        {
            Outcome = outcome,
            Transfer = _transfer,
            Attached = _attached,
            MaskedVariables = MaskedVariablesNow(),
            Steps = _steps.ToArray(),
            LastStep = _steps.Count > 0 ? _steps[^1] : string.Empty,
            Client = _client,
            Route = _route,
            Language = _language,
            Error = error,
        };

    /// <summary>The run's variables as they stand, each masked (<see cref="MaskedValue"/>).</summary>
    private Dictionary<string, string> MaskedVariablesNow()
    {
        var masked = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in _vars.All)
        {
            masked[name] = MaskedValue(name, value);
        }

        return masked;
    }

    /// <summary>A variable's value as logs may show it.</summary>
    private string MaskedValue(string name, string value) =>
        _collected.TryGetValue(name, out var secret) ? FlowValues.Mask(value, secret) : value;

    // ---- expressions -------------------------------------------------------------------------------------------

    /// <summary>What expressions see now: <c>Now</c> in the zone of the flow being run.</summary>
    private FlowScope Scope()
    {
        var now = TimeZoneInfo.ConvertTime(_time.GetUtcNow(), Plan.Zone(Plan.Flow.TimeZone)).DateTime;
        return new FlowScope(_call.Caller, _call.Dialed, _vars, _client, now, _language);
    }

    private object? Evaluate(string text, string what) =>
        Guard(text, what, () => Plan.Expression(text, condition: false).Evaluate(Scope()));

    private string EvaluateText(string text, string what) =>
        Guard(text, what, () => Plan.Expression(text, condition: false).EvaluateText(Scope()));

    private bool IsTrue(string text) =>
        Guard(text, "the condition", () => Plan.Expression(text, condition: true).IsTrue(Scope()));

    /// <summary>An expression that throws while running (a conversion, an index out of range, ...) is a flow error
    /// naming the expression.</summary>
    private static T Guard<T>(string text, string what, Func<T> evaluate)
    {
        try
        {
            return evaluate();
        }
        catch (FlowRunException)
        {
            throw;
        }
#pragma warning disable CA1031 // Whatever the expression throws becomes the flow's error.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            throw new FlowRunException($"{what} '{text}' failed: {ex.Message}", ex);
        }
    }

    /// <summary>A literal, or an expression's text when written with a leading <c>=</c>.</summary>
    private string LiteralOrExpression(string value, string what) =>
        value.StartsWith('=') ? EvaluateText(value[1..], what) : value;

    // ---- the call ----------------------------------------------------------------------------------------------

    /// <summary>Answers the first time something is played or collected; a lookup before that costs nothing.</summary>
    private async Task<FlowCallStatus> AnswerAsync()
    {
        if (_answered)
        {
            return FlowCallStatus.Ok;
        }

        var status = await _call.AnswerAsync(_cancellationToken);
        if (status == FlowCallStatus.Failed)
        {
            throw new FlowRunException("the switch failed to answer the call");
        }

        _answered = status == FlowCallStatus.Ok;
        return status;
    }

    /// <summary>Plays to the end. A prompt the switch fails to play is skipped (the caller still gets the rest of
    /// the flow); only a hang-up matters.</summary>
    private async Task<FlowCallStatus> PlayAsync(List<FlowPlayable> prompts)
    {
        if (prompts.Count == 0)
        {
            return FlowCallStatus.Ok;
        }

        if (await AnswerAsync() == FlowCallStatus.HungUp)
        {
            return FlowCallStatus.HungUp;
        }

        return await _call.PlayAsync(prompts, _cancellationToken) == FlowCallStatus.HungUp ? FlowCallStatus.HungUp : FlowCallStatus.Ok;
    }

    /// <summary>One collection attempt: waiting for the caller, so the runaway counter starts again.</summary>
    private async Task<FlowDigits> CollectAsync(FlowDigitsRequest request)
    {
        if (await AnswerAsync() == FlowCallStatus.HungUp)
        {
            return new FlowDigits(FlowInput.HungUp, string.Empty);
        }

        _stepsWithoutInput = 0;
        return await _call.CollectAsync(request, _cancellationToken);
    }

    /// <summary>The key left by an interruptible play, taken once.</summary>
    private char? TakePendingKey()
    {
        var key = _pendingKey;
        _pendingKey = null;
        if (key is not null)
        {
            _stepsWithoutInput = 0;
        }

        return key;
    }

    // ---- prompts -----------------------------------------------------------------------------------------------

    private List<FlowPlayable> Resolve(IReadOnlyList<Prompt> prompts, List<FlowPlayable>? into = null)
    {
        into ??= new List<FlowPlayable>(prompts.Count);
        foreach (var prompt in prompts)
        {
            into.Add(Resolve(prompt));
        }

        return into;
    }

    private FlowPlayable Resolve(Prompt prompt) => prompt switch
    {
        FilePrompt file => new FlowFile(ResolveFile(file.Path)),
        StreamPrompt stream => new FlowStreamUri(stream.Uri),
        SayPrompt say => Say(say),
        _ => throw new FlowRunException($"unknown prompt kind {prompt.GetType().Name}"),
    };

    /// <summary><c>prompts/&lt;language&gt;/file</c> when it exists, else <c>prompts/file</c>; as written when the flow
    /// names no prompts folder.</summary>
    private string ResolveFile(string path)
    {
        var directory = Plan.Flow.PromptsDirectory;
        if (directory is null)
        {
            return path;
        }

        if (FlowValues.IsSafeFolderName(_language))
        {
            var localized = Path.Combine(directory, _language, path);
            if (File.Exists(localized))
            {
                return localized;
            }
        }

        return Path.Combine(directory, path);
    }

    /// <summary>mod_say: <c>digits</c> is NUMBER read digit by digit; other types are mod_say's, upper case.</summary>
    private FlowSay Say(SayPrompt say)
    {
        var text = EvaluateText(say.Value, "the say value");
        return string.Equals(say.Type, "digits", StringComparison.OrdinalIgnoreCase)
            ? new FlowSay(_language, "NUMBER", "iterated", text)
            : new FlowSay(_language, say.Type.ToUpperInvariant(), string.IsNullOrEmpty(say.Method) ? "pronounced" : say.Method, text);
    }

    // ---- transitions -------------------------------------------------------------------------------------------

    private enum TransitionKind
    {
        Continue,
        GoTo,
        Call,
        Return,
        End,
    }

    /// <summary>What a step asks the loop to do next.</summary>
    private readonly record struct Transition(TransitionKind Kind, string? Target = null, FlowDefinition? Flow = null, string? Outcome = null)
    {
        public static Transition Continue => new(TransitionKind.Continue);

        public static Transition Return => new(TransitionKind.Return);

        public static Transition HungUp => End(FlowOutcome.HungUp);

        public static Transition To(string step) => new(TransitionKind.GoTo, Target: step);

        public static Transition Call(FlowDefinition flow) => new(TransitionKind.Call, Flow: flow);

        public static Transition End(string outcome) => new(TransitionKind.End, Outcome: outcome);
    }

    /// <summary>A flow on the sub-flow stack, and the subflow step that called it (null for the top flow).</summary>
    private sealed record Frame(FlowPlan Plan, SubflowStep? CalledFrom);
}
