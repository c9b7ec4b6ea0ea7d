using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Loading;

/// <summary>Where a step can go next, as written (or implied), for the target, reachability and loop checks.</summary>
/// <param name="Label">How messages name it: <c>next</c>, <c>option "2"</c>, <c>case 1</c>, <c>found</c>, ...; empty for a
/// goto step.</param>
/// <param name="Target">The step id it names.</param>
/// <param name="Span">Where the target is written (the step's id for an implied next).</param>
internal sealed record FlowExit(string Label, string Target, SourceSpan Span);

/// <summary>A step as read, with what the checks need beyond the model.</summary>
internal sealed class ParsedStep(FlowStep step, string kind, bool waitsForInput)
{
    /// <summary>True for a step that could not be read at all (no kind, not a mapping): where it goes is unknown.</summary>
    public bool IsPlaceholder => Kind == "invalid";

    /// <summary>The model step (placeholder values where the file had a problem).</summary>
    public FlowStep Step { get; set; } = step;

    /// <summary>The kind key: play, menu, ...</summary>
    public string Kind { get; } = kind;

    /// <summary>Menu, collect and language steps wait for the caller's keys.</summary>
    public bool WaitsForInput { get; } = waitsForInput;

    /// <summary>Where it can go next.</summary>
    public List<FlowExit> Exits { get; } = [];

    /// <summary>True for the steps that go on to <c>next</c> (or the following step when it is not written).</summary>
    public bool Continues { get; init; }

    /// <summary>True when <c>next</c> is written (else the following step is implied).</summary>
    public bool NextWritten { get; init; }
}

/// <summary>One flow file as read, before the checks that look at the whole flow and the whole set.</summary>
internal sealed class ParsedFlow(FlowSource source)
{
    public FlowSource Source { get; } = source;

    /// <summary>The name, or null when missing or unusable.</summary>
    public string? Name { get; set; }

    /// <summary>Where the name is written.</summary>
    public SourceSpan NameSpan { get; set; }

    /// <summary>Where <c>flow:</c> is written.</summary>
    public SourceSpan FlowKeySpan { get; set; }

    public string? Description { get; set; }

    /// <summary>Dialed numbers as written, with where.</summary>
    public List<(string Number, SourceSpan Span)> Numbers { get; } = [];

    public bool IsDefault { get; set; }

    public SourceSpan DefaultSpan { get; set; }

    /// <summary>The prompts folder as written (for messages), its absolute path, and where.</summary>
    public string? PromptsWritten { get; set; }

    public string? PromptsDirectory { get; set; }

    public SourceSpan PromptsSpan { get; set; }

    public string Language { get; set; } = "en";

    public string? TimeZone { get; set; }

    /// <summary>The start step as written (null: the first step).</summary>
    public string? Start { get; set; }

    public SourceSpan StartSpan { get; set; }

    /// <summary>In the order written (duplicated ids included once, the first).</summary>
    public List<ParsedStep> Steps { get; } = [];

    /// <summary>Every file prompt, for the prompt file check.</summary>
    public List<FilePrompt> FilePrompts { get; } = [];

    /// <summary>Every subflow step: its id, the flow it runs and where that name is written.</summary>
    public List<(string StepId, string Flow, SourceSpan FlowSpan)> Subflows { get; } = [];

    /// <summary>The step with this id, or null.</summary>
    public ParsedStep? Step(string id) => _byId.GetValueOrDefault(id);

    private readonly Dictionary<string, ParsedStep> _byId = new(StringComparer.Ordinal);

    /// <summary>Adds a step (ids are unique: the reader reports and skips duplicates).</summary>
    public void Add(ParsedStep step)
    {
        Steps.Add(step);
        _byId[step.Step.Id] = step;
    }

    /// <summary>The model.</summary>
    public FlowDefinition ToDefinition() => new()
    {
        Name = Name ?? string.Empty,
        File = Source.File,
        Span = FlowKeySpan,
        Description = Description,
        Numbers = [.. Numbers.Select(n => n.Number)],
        IsDefault = IsDefault,
        PromptsDirectory = PromptsDirectory,
        Language = Language,
        TimeZone = TimeZone,
        Start = Start ?? (Steps.Count > 0 ? Steps[0].Step.Id : string.Empty),
        Steps = [.. Steps.Select(s => s.Step)],
    };
}
