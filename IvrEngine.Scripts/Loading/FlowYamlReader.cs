using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Loading;

/// <summary>Reads one flow file into a <see cref="ParsedFlow"/>, reporting every problem it can see in the file
/// alone: YAML syntax, unknown or missing fields, bad values, expressions and regexes that do not compile, unknown
/// time zones. What needs the whole flow or the whole set (targets, reachability, loops, prompt files, names and
/// numbers across files) is <see cref="FlowValidator"/>'s.</summary>
internal sealed partial class FlowYamlReader
{
    private static readonly string[] FlowFields = ["flow", "description", "numbers", "default", "prompts", "language", "timezone", "start", "steps"];

    private readonly FlowSource _source;
    private readonly ExpressionChecker _expressions;
    private readonly List<FlowDiagnostic> _diagnostics;
    private readonly ParsedFlow _flow;

    private FlowYamlReader(FlowSource source, ExpressionChecker expressions, List<FlowDiagnostic> diagnostics)
    {
        _source = source;
        _expressions = expressions;
        _diagnostics = diagnostics;
        _flow = new ParsedFlow(source);
    }

    /// <summary>The flow in the file, or null when it could not be read far enough to have steps (reported).</summary>
    public static ParsedFlow? Read(FlowSource source, ExpressionChecker expressions, List<FlowDiagnostic> diagnostics)
    {
        expressions.StartFile();
        var (root, problem) = YamlTreeReader.Read(source.Text);
        if (problem is not null)
        {
            diagnostics.Add(new FlowDiagnostic(source.At(problem.At), problem.Message));
            return null;
        }

        if (root is null || root is YScalar { IsNull: true })
        {
            diagnostics.Add(new FlowDiagnostic(new SourceSpan(source.File, 1, 1), "the file is empty: a flow file starts with 'flow: <name>' and has 'steps:'"));
            return null;
        }

        if (root is not YMapping map)
        {
            diagnostics.Add(new FlowDiagnostic(source.At(root), $"a flow file is a mapping of fields (flow:, numbers:, steps:, ...), not {root.Describe}"));
            return null;
        }

        return new FlowYamlReader(source, expressions, diagnostics).ReadFlow(map);
    }

    private ParsedFlow ReadFlow(YMapping root)
    {
        var flow = _flow;
        var namePair = root.Pairs.FirstOrDefault(p => p.Key.Value == "flow");
        var name = namePair?.Value is YScalar { IsNull: false } written ? written.Value.Trim() : null;
        var owner = name is not null && IsId(name) ? $"flow '{name}'" : "the flow";
        var fields = Fields(root, owner, FlowFields, At(root));
        if (namePair is null)
        {
            if (!fields.Misspelt.Contains("flow"))
            {
                Error(new SourceSpan(_source.File, 1, 1), "the flow has no name: write 'flow: <name>' (the name subflow steps call it by)");
            }
        }
        else if (Text(namePair, "the flow") is { } text)
        {
            flow.FlowKeySpan = At(namePair.Key);
            flow.NameSpan = At(namePair.Value);
            if (IsId(text))
            {
                flow.Name = text;
            }
            else
            {
                Error(namePair.Value, $"flow name '{text}' may use only letters, digits, '_' and '-'");
            }
        }

        if (fields.Get("description") is { } description && Scalar(description, owner) is { IsNull: false } descriptionText)
        {
            flow.Description = descriptionText.Value;
        }

        if (fields.Get("numbers") is { } numbers)
        {
            ReadNumbers(numbers, owner);
        }

        if (fields.Get("default") is { } isDefault)
        {
            flow.IsDefault = Bool(isDefault, owner) ?? false;
            flow.DefaultSpan = At(isDefault.Key);
        }

        if (fields.Get("prompts") is { } prompts && Text(prompts, owner) is { } folder)
        {
            flow.PromptsWritten = folder.TrimEnd('/', '\\');
            flow.PromptsSpan = At(prompts.Value);
            try
            {
                flow.PromptsDirectory = Path.GetFullPath(Path.Combine(_source.Directory, folder));
            }
            catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
            {
                Error(prompts.Value, $"prompts folder '{folder}' is not a usable path: {ex.Message}");
            }
        }

        if (fields.Get("language") is { } language && Text(language, owner) is { } code)
        {
            if (IsLanguage(code))
            {
                flow.Language = code;
            }
            else
            {
                Error(language.Value, $"{owner}: language '{code}' is not a language code (en, es, pt-BR, ...)");
            }
        }

        if (fields.Get("timezone") is { } zone)
        {
            flow.TimeZone = TimeZone(zone, owner);
        }

        if (fields.Get("start") is { } start && Text(start, owner) is { } startId)
        {
            flow.Start = startId;
            flow.StartSpan = At(start.Value);
        }

        var steps = fields.Get("steps");
        if (steps is null)
        {
            if (!fields.Misspelt.Contains("steps"))
            {
                Error(At(root), $"{owner} has no steps: write 'steps:' with at least one step");
            }
        }
        else if (steps.Value is YScalar { IsNull: true } or YMapping { Pairs.Count: 0 })
        {
            Error(steps.Key, $"{owner} has no steps: write at least one under 'steps:'");
        }
        else if (steps.Value is not YMapping stepMap)
        {
            Error(steps.Value, $"{owner}: 'steps' must be a mapping of step ids to steps, not {steps.Value.Describe}");
        }
        else
        {
            ReadSteps(stepMap);
        }

        if (_expressions.OverBudget)
        {
            Error(new SourceSpan(_source.File, 1, 1), $"the file has more than {ExpressionChecker.MaxPerFile} different expressions; the rest were not checked (split the flow)");
        }

        return flow;
    }

    private void ReadNumbers(YPair pair, string owner)
    {
        IEnumerable<YNode> items = pair.Value switch
        {
            YSequence sequence => sequence.Items,
            YScalar { IsNull: true } => [],
            _ => [pair.Value],
        };
        foreach (var item in items)
        {
            if (item is not YScalar scalar || scalar.IsNull)
            {
                Error(item, $"{owner}: each dialed number is a single value, like \"5000\" or \"+18005550100\"");
                continue;
            }

            var number = scalar.Value.Trim();
            if (!IsPhoneNumber(number))
            {
                Error(item, $"{owner}: number '{number}' is not a phone number (digits, optionally a leading +)");
                continue;
            }

            _flow.Numbers.Add((number, At(item)));
        }
    }

    private void ReadSteps(YMapping steps)
    {
        var firstAt = new Dictionary<string, YScalar>(StringComparer.Ordinal);
        foreach (var (key, value) in steps.Pairs)
        {
            var id = key.Value;
            if (firstAt.TryGetValue(id, out var first))
            {
                Error(key, $"duplicate step id '{id}' (first written at line {first.Start.Line})");
                continue;
            }

            firstAt[id] = key;
            if (!IsId(id))
            {
                Error(key, $"step id '{id}' may use only letters, digits, '_' and '-'");
            }

            _flow.Add(ReadStep(key, value));
        }

        for (var i = 0; i < _flow.Steps.Count; i++)
        {
            var step = _flow.Steps[i];
            if (!step.Continues || step.NextWritten)
            {
                continue;
            }

            if (i + 1 < _flow.Steps.Count)
            {
                var following = _flow.Steps[i + 1].Step.Id;
                step.Step = step.Step with { Next = following };
                step.Exits.Add(new FlowExit("next", following, step.Step.Span));
            }
            else
            {
                Error(step.Step.Span, $"step '{step.Step.Id}' has no 'next' and no step follows it");
            }
        }
    }

    private void Error(SourceSpan at, string message) => _diagnostics.Add(new FlowDiagnostic(at, message));

    private void Error(YNode at, string message) => Error(At(at), message);

    private SourceSpan At(YNode node) => _source.At(node);

    /// <summary>A mapping's fields by name (the first of duplicates), with duplicates and unknown names reported.</summary>
    private FieldSet Fields(YMapping map, string owner, IReadOnlyCollection<string> known, SourceSpan ownerAt)
    {
        var fields = new FieldSet(ownerAt);
        foreach (var pair in map.Pairs)
        {
            var key = pair.Key.Value;
            if (fields.Get(key) is not null)
            {
                Error(pair.Key, $"{owner}: field '{key}' is written twice");
                continue;
            }

            if (!known.Contains(key))
            {
                var best = Suggest.Closest(key, known);
                if (best is not null)
                {
                    fields.Misspelt.Add(best);
                }

                Error(pair.Key, $"{owner}: unknown field '{key}'{(best is null ? string.Empty : $" (did you mean '{best}'?)")}");
                continue;
            }

            fields.Add(pair);
        }

        return fields;
    }

    /// <summary>A kind's settings: its value must be a mapping.</summary>
    private FieldSet Settings(StepContext step, IReadOnlyCollection<string> known, string example)
    {
        var value = step.KindPair.Value;
        if (value is YMapping map)
        {
            return Fields(map, step.Owner, known, At(step.KindPair.Key));
        }

        Error(value is YScalar { IsNull: true } ? step.KindPair.Key : value, $"{step.Owner}: '{step.Kind}' needs its settings as a mapping, e.g. {example}");
        return new FieldSet(At(step.KindPair.Key)) { Broken = true };
    }

    /// <summary>A required field, or null with "needs" reported (unless the mapping itself was broken or the field
    /// was misspelt, which is reported already).</summary>
    private YPair? Required(FieldSet fields, string key, string message)
    {
        var pair = fields.Get(key);
        if (pair is null && !fields.Broken && !fields.Misspelt.Contains(key))
        {
            Error(fields.OwnerAt, message);
        }

        return pair;
    }

    /// <summary>The fields of one mapping.</summary>
    private sealed class FieldSet(SourceSpan ownerAt)
    {
        private readonly Dictionary<string, YPair> _pairs = new(StringComparer.Ordinal);

        /// <summary>Where "missing field" is reported.</summary>
        public SourceSpan OwnerAt { get; } = ownerAt;

        /// <summary>The mapping was not a mapping (reported): missing fields are not reported again.</summary>
        public bool Broken { get; init; }

        /// <summary>Known names that an unknown field looked like (reported): not reported missing as well.</summary>
        public HashSet<string> Misspelt { get; } = new(StringComparer.Ordinal);

        public YPair? Get(string key) => _pairs.GetValueOrDefault(key);

        public void Add(YPair pair) => _pairs[pair.Key.Value] = pair;
    }
}
