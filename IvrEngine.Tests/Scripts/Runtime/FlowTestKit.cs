using IvrEngine.Scripts;
using IvrEngine.Scripts.Expressions;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Scripts.Runtime;

/// <summary>A call driven by a script: each <see cref="CollectAsync"/> takes the next response (digits, silence or
/// a hang-up); every operation is recorded, in order, in <see cref="Log"/> and <see cref="Operations"/>.</summary>
internal sealed class ScriptedCall : IFlowCall
{
    private readonly Queue<FlowDigits> _responses;
    private int _plays;

    public ScriptedCall(params FlowDigits[] responses) => _responses = new Queue<FlowDigits>(responses);

    public static FlowDigits Silence { get; } = new(FlowInput.NoInput, string.Empty);

    public static FlowDigits HangUp { get; } = new(FlowInput.HungUp, string.Empty);

    public static FlowDigits Keys(string digits, char? terminator = null) => new(FlowInput.Digits, digits, terminator);

    public string Id { get; init; } = "call-1";

    public string Caller { get; init; } = "+15551230001";

    public string Dialed { get; init; } = "5000";

    /// <summary>Given to every collect once the script is used up; null: a collect past the script fails the test.</summary>
    public FlowDigits? Forever { get; init; }

    public FlowCallStatus AnswerStatus { get; init; } = FlowCallStatus.Ok;

    /// <summary>The play (1-based) at which the caller hangs up.</summary>
    public int? HangUpOnPlay { get; init; }

    public FlowCallStatus SetVariablesStatus { get; init; } = FlowCallStatus.Ok;

    public FlowCallStatus TransferStatus { get; init; } = FlowCallStatus.Ok;

    public FlowCallStatus HangupStatus { get; init; } = FlowCallStatus.Ok;

    /// <summary>Runs on every collect before it answers (e.g. to cancel the run's token).</summary>
    public Action? OnCollect { get; init; }

    public List<object> Operations { get; } = [];

    /// <summary>One line per operation: <c>answer</c>, <c>play a.wav</c>, <c>collect a.wav</c>, <c>set</c>,
    /// <c>transfer Queue vip 10</c>, <c>hangup CAUSE</c>.</summary>
    public List<string> Log { get; } = [];

    public IReadOnlyList<FlowDigitsRequest> Collects => Operations.OfType<FlowDigitsRequest>().ToList();

    public IReadOnlyList<IReadOnlyList<FlowPlayable>> Plays => Operations.OfType<Played>().Select(p => p.Prompts).ToList();

    public IReadOnlyList<VariablesSet> VariableSets => Operations.OfType<VariablesSet>().ToList();

    public int Remaining => _responses.Count;

    public Task<FlowCallStatus> AnswerAsync(CancellationToken cancellationToken)
    {
        Log.Add("answer");
        Operations.Add("answer");
        return Task.FromResult(AnswerStatus);
    }

    public Task<FlowCallStatus> PlayAsync(IReadOnlyList<FlowPlayable> prompts, CancellationToken cancellationToken)
    {
        Log.Add($"play {Names(prompts)}");
        Operations.Add(new Played(prompts));
        _plays++;
        return Task.FromResult(_plays == HangUpOnPlay ? FlowCallStatus.HungUp : FlowCallStatus.Ok);
    }

    public Task<FlowDigits> CollectAsync(FlowDigitsRequest request, CancellationToken cancellationToken)
    {
        Log.Add($"collect {Names(request.Prompts)}");
        Operations.Add(request);
        OnCollect?.Invoke();
        if (_responses.TryDequeue(out var response))
        {
            return Task.FromResult(response);
        }

        return Forever is { } forever
            ? Task.FromResult(forever)
            : throw new InvalidOperationException("The script has no response left for this collect.");
    }

    public Task<FlowCallStatus> SetVariablesAsync(IReadOnlyDictionary<string, string> variables, bool exported, CancellationToken cancellationToken)
    {
        Log.Add("set");
        Operations.Add(new VariablesSet(new Dictionary<string, string>(variables), exported));
        return Task.FromResult(SetVariablesStatus);
    }

    public Task<FlowCallStatus> TransferAsync(FlowTransfer transfer, CancellationToken cancellationToken)
    {
        Log.Add($"transfer {transfer.Kind} {transfer.Target} {transfer.Priority}".TrimEnd());
        Operations.Add(transfer);
        return Task.FromResult(TransferStatus);
    }

    public Task<FlowCallStatus> HangupAsync(string cause, CancellationToken cancellationToken)
    {
        Log.Add($"hangup {cause}");
        Operations.Add($"hangup {cause}");
        return Task.FromResult(HangupStatus);
    }

    /// <summary>Prompts as short text: a file's path, a stream's URI, <c>say:TYPE:method:text</c>.</summary>
    public static string Names(IEnumerable<FlowPlayable> prompts) => string.Join(" ", prompts.Select(Name));

    public static string Name(FlowPlayable prompt) => prompt switch
    {
        FlowFile file => file.Path,
        FlowStreamUri stream => stream.Uri,
        FlowSay say => $"say:{say.Language}:{say.Type}:{say.Method}:{say.Text}",
        _ => prompt.ToString(),
    };

    public sealed record Played(IReadOnlyList<FlowPlayable> Prompts);

    public sealed record VariablesSet(IReadOnlyDictionary<string, string> Variables, bool Exported);
}

/// <summary>A client directory from dictionaries; records every lookup.</summary>
internal sealed class FakeDirectory : IFlowDirectory
{
    public Dictionary<string, FlowClientView> ByCaller { get; } = [];

    public Dictionary<string, FlowClientView> ByAccount { get; } = [];

    public HashSet<string> Accounts { get; } = [];

    public List<string> Calls { get; } = [];

    /// <summary>Thrown by every lookup when set (a store that broke).</summary>
    public Exception? Failure { get; set; }

    public Task<FlowClientView> ByCallerAsync(string caller, string dialed, CancellationToken cancellationToken)
    {
        Calls.Add($"caller {caller} {dialed}");
        if (Failure is not null)
        {
            throw Failure;
        }

        return Task.FromResult(ByCaller.TryGetValue(caller, out var client) ? client : FlowClientView.None);
    }

    public Task<FlowClientView> ByAccountAsync(string account, string caller, string dialed, CancellationToken cancellationToken)
    {
        Calls.Add($"account {account} {caller} {dialed}");
        return Task.FromResult(ByAccount.TryGetValue(account, out var client) ? client : FlowClientView.None);
    }

    public Task<bool> AccountExistsAsync(string account, CancellationToken cancellationToken)
    {
        Calls.Add($"exists {account}");
        return Task.FromResult(Accounts.Contains(account));
    }
}

/// <summary>Records what an observer is told, one line each.</summary>
internal sealed class RecordingObserver : IFlowObserver
{
    public List<string> Events { get; } = [];

    public List<IReadOnlyDictionary<string, string>> Transfers { get; } = [];

    public void OnStep(string flow, FlowStep flowStep) => Events.Add($"step {flow}/{flowStep.Id}");

    public void OnCollected(string name, string maskedValue, string status) => Events.Add($"collected {name}={maskedValue} {status}");

    public void OnLookup(LookupBy by, FlowClientView client) => Events.Add($"lookup {by} {(client.Found ? client.Id : "none")}");

    public void OnTransfer(FlowTransfer transfer, IReadOnlyDictionary<string, string> maskedAttached)
    {
        Events.Add($"transfer {transfer.Kind} {transfer.Target}");
        Transfers.Add(maskedAttached);
    }

    public void OnValueCut(string name, int bytes, int maxBytes) => Events.Add($"cut {name} {bytes}>{maxBytes}");
}

/// <summary>A runner over a fake directory and a fake clock, and shorthand for building flows in code.</summary>
internal sealed class FlowHarness
{
    /// <summary>Wednesday 2026-07-15 12:00 UTC.</summary>
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 7, 15, 12, 0, 0, TimeSpan.Zero));

    public FakeDirectory Directory { get; } = new();

    public RecordingObserver Observer { get; } = new();

    public Task<FlowRunResult> RunAsync(FlowDefinition flow, ScriptedCall call, params FlowDefinition[] others) =>
        RunAsync(flow, call, CancellationToken.None, others);

    public Task<FlowRunResult> RunAsync(FlowDefinition flow, ScriptedCall call, CancellationToken cancellationToken, params FlowDefinition[] others) =>
        new FlowRunner(Directory, Time).RunAsync(new FlowSet([flow, .. others]), flow, call, Observer, cancellationToken);

    public static FlowDefinition Flow(params FlowStep[] steps) => Flow("main", steps);

    public static FlowDefinition Flow(string name, params FlowStep[] steps) => new() { Name = name, Start = steps[0].Id, Steps = steps };

    public static IReadOnlyList<Prompt> Files(params string[] files) => files.Select(f => (Prompt)new FilePrompt(f)).ToArray();

    public static HangupStep Hangup(string id, string cause = "NORMAL_CLEARING") => new() { Id = id, Cause = cause };

    public static PlayStep Play(string id, string file, string? next = null) => new() { Id = id, Prompts = Files(file), Next = next };

    public static FlowClientView Client(string id, string language = "", decimal overdue = 0) => new()
    {
        Found = true,
        Code = "E",
        Reason = "existing client",
        Id = id,
        Name = "Giorgi Kapanadze",
        Category = "regular",
        Overdue = overdue,
        Language = language,
        MatchedBy = "phone",
    };
}
