using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Loading;

/// <summary>The checks that need a whole flow or the whole set: exits to missing steps, unreachable steps, loops
/// that never wait for the caller, prompt files, names, numbers, default and subflows across files, and what each
/// flow attaches against the transports' budgets.</summary>
internal static class FlowValidator
{
    /// <summary>Checks <paramref name="flows"/> and adds what it finds to <paramref name="diagnostics"/>.</summary>
    /// <param name="flows">The flows read (files that could not be read are not there).</param>
    /// <param name="someFlowUnnamed">A file could not be read far enough to know its flow's name: a subflow may name
    /// it, so missing subflows are not reported (the file's own problem is).</param>
    /// <param name="onlyFile">The one file loaded when a single file was asked for, else null.</param>
    /// <param name="options">Load options.</param>
    /// <param name="diagnostics">Where problems go.</param>
    public static void Validate(IReadOnlyList<ParsedFlow> flows, bool someFlowUnnamed, string? onlyFile, FlowLoadOptions options, List<FlowDiagnostic> diagnostics)
    {
        var folders = new PromptFolders();
        foreach (var flow in flows)
        {
            CheckSteps(flow, diagnostics);
            if (options.CheckPromptFiles)
            {
                CheckPrompts(flow, folders, diagnostics);
            }
        }

        CheckSet(flows, someFlowUnnamed, onlyFile, diagnostics);
        FlowBudgetCheck.Check(flows, options, diagnostics);
    }

    private static void CheckSteps(ParsedFlow flow, List<FlowDiagnostic> diagnostics)
    {
        if (flow.Steps.Count == 0)
        {
            return;
        }

        var ids = flow.Steps.Select(s => s.Step.Id).ToList();
        foreach (var step in flow.Steps)
        {
            foreach (var exit in step.Exits.Where(e => flow.Step(e.Target) is null))
            {
                var what = exit.Label.Length == 0 ? string.Empty : " " + exit.Label;
                diagnostics.Add(new FlowDiagnostic(exit.Span,
                    $"step '{step.Step.Id}'{what} goes to '{exit.Target}', which does not exist{Hint(diagnostics, exit.Target, ids)}"));
            }
        }

        var start = flow.Start ?? flow.Steps[0].Step.Id;
        if (flow.Step(start) is null)
        {
            diagnostics.Add(new FlowDiagnostic(flow.StartSpan, $"start '{start}' does not exist{Hint(diagnostics, start, ids)}"));
        }
        else if (!flow.Steps.Any(s => s.IsPlaceholder))
        {
            // A step that could not be read has unknown exits: what follows it would all be reported unreachable.
            foreach (var unreached in Unreachable(flow, flow.Step(start)!))
            {
                diagnostics.Add(new FlowDiagnostic(unreached.Step.Span, $"step '{unreached.Step.Id}' is never reached from '{start}'"));
            }
        }

        foreach (var cycle in LoopsWithoutInput(flow))
        {
            var names = cycle.Select(s => $"'{s.Step.Id}'");
            diagnostics.Add(new FlowDiagnostic(cycle[0].Step.Span, cycle.Count == 2
                ? $"step '{cycle[0].Step.Id}' goes back to itself without waiting for input"
                : $"steps {string.Join(" -> ", names)} loop without waiting for input"));
        }
    }

    private static string Hint(List<FlowDiagnostic> diagnostics, string written, IEnumerable<string> candidates) =>
        diagnostics.Count < Suggest.MaxHintedProblems ? Suggest.Hint(written, candidates) : string.Empty;

    private static IEnumerable<ParsedStep> Successors(ParsedFlow flow, ParsedStep step) =>
        step.Exits.Select(e => flow.Step(e.Target)).OfType<ParsedStep>();

    private static List<ParsedStep> Unreachable(ParsedFlow flow, ParsedStep start)
    {
        var reached = new HashSet<ParsedStep> { start };
        var queue = new Queue<ParsedStep>([start]);
        while (queue.TryDequeue(out var step))
        {
            foreach (var next in Successors(flow, step))
            {
                if (reached.Add(next))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return [.. flow.Steps.Where(s => !reached.Contains(s))];
    }

    /// <summary>Cycles among steps that do not wait for the caller: each one from the step written first in it back
    /// to that step (first and last item are the same step). Tarjan's strongly connected components, without
    /// recursion (a flow may have thousands of steps).</summary>
    internal static List<List<ParsedStep>> LoopsWithoutInput(ParsedFlow flow)
    {
        var steps = flow.Steps;
        var position = new Dictionary<ParsedStep, int>();
        for (var i = 0; i < steps.Count; i++)
        {
            position[steps[i]] = i;
        }

        var edges = steps.Select(s => s.WaitsForInput
            ? new List<int>()
            : Successors(flow, s).Where(t => !t.WaitsForInput).Select(t => position[t]).Distinct().ToList()).ToList();

        var index = Enumerable.Repeat(-1, steps.Count).ToArray();
        var low = new int[steps.Count];
        var onStack = new bool[steps.Count];
        var stack = new Stack<int>();
        var counter = 0;
        var loops = new List<List<ParsedStep>>();
        for (var root = 0; root < steps.Count; root++)
        {
            if (index[root] != -1 || steps[root].WaitsForInput)
            {
                continue;
            }

            var work = new Stack<(int Node, int Edge)>();
            Visit(root);
            work.Push((root, 0));
            while (work.TryPop(out var frame))
            {
                var (node, edge) = frame;
                if (edge < edges[node].Count)
                {
                    work.Push((node, edge + 1));
                    var next = edges[node][edge];
                    if (index[next] == -1)
                    {
                        Visit(next);
                        work.Push((next, 0));
                    }
                    else if (onStack[next])
                    {
                        low[node] = Math.Min(low[node], index[next]);
                    }

                    continue;
                }

                if (low[node] == index[node])
                {
                    var component = new List<int>();
                    int member;
                    do
                    {
                        member = stack.Pop();
                        onStack[member] = false;
                        component.Add(member);
                    }
                    while (member != node);

                    if (component.Count > 1 || edges[node].Contains(node))
                    {
                        loops.Add(Cycle(steps, edges, [.. component]));
                    }
                }

                if (work.TryPeek(out var parent))
                {
                    low[parent.Node] = Math.Min(low[parent.Node], low[node]);
                }
            }
        }

        return [.. loops.OrderBy(l => position[l[0]])];

        void Visit(int node)
        {
            index[node] = low[node] = counter++;
            stack.Push(node);
            onStack[node] = true;
        }
    }

    /// <summary>The shortest cycle through the first-written step of a component.</summary>
    private static List<ParsedStep> Cycle(List<ParsedStep> steps, List<List<int>> edges, HashSet<int> component)
    {
        var first = component.Min();
        var cameFrom = new Dictionary<int, int>();
        var queue = new Queue<int>([first]);
        while (queue.TryDequeue(out var node))
        {
            foreach (var next in edges[node].Where(component.Contains))
            {
                if (next == first)
                {
                    var back = new List<int>();
                    for (var at = node; at != first; at = cameFrom[at])
                    {
                        back.Add(at);
                    }

                    back.Reverse();
                    return [steps[first], .. back.Select(i => steps[i]), steps[first]];
                }

                if (cameFrom.TryAdd(next, node))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return [steps[first], steps[first]];
    }

    private static void CheckPrompts(ParsedFlow flow, PromptFolders folders, List<FlowDiagnostic> diagnostics)
    {
        if (flow.PromptsDirectory is not { } directory || flow.PromptsWritten is not { } written)
        {
            return;
        }

        var folder = folders.Get(directory);
        if (!folder.Exists)
        {
            diagnostics.Add(new FlowDiagnostic(flow.PromptsSpan, $"prompts folder '{written}' does not exist"));
            return;
        }

        foreach (var prompt in flow.FilePrompts)
        {
            var path = prompt.Path;
            if (Path.IsPathRooted(path) || path.Split('/', '\\').Contains(".."))
            {
                diagnostics.Add(new FlowDiagnostic(prompt.Span, $"prompt '{path}' is outside the prompts folder: write it relative to {written}"));
                continue;
            }

            if (folder.Has(path))
            {
                continue;
            }

            var nor = folder.Languages.Count == 0 ? string.Empty : $" (nor {string.Join(", ", folder.Languages.Select(l => $"{written}/{l}"))})";
            var hint = diagnostics.Count < Suggest.MaxHintedProblems && Suggest.Closest(path, folder.FileNames) is { } best ? $"; did you mean '{best}'?" : string.Empty;
            diagnostics.Add(new FlowDiagnostic(prompt.Span, $"prompt '{path}' not found in {written}{nor}{hint}"));
        }
    }

    private static void CheckSet(IReadOnlyList<ParsedFlow> flows, bool someFlowUnnamed, string? onlyFile, List<FlowDiagnostic> diagnostics)
    {
        var byName = new Dictionary<string, ParsedFlow>(StringComparer.Ordinal);
        foreach (var flow in flows.Where(f => f.Name is not null))
        {
            if (byName.TryGetValue(flow.Name!, out var first))
            {
                diagnostics.Add(new FlowDiagnostic(flow.NameSpan, $"flow '{flow.Name}' is already defined at {first.NameSpan}: flow names are unique"));
            }
            else
            {
                byName[flow.Name!] = flow;
            }
        }

        var byNumber = new Dictionary<string, (ParsedFlow Flow, SourceSpan Span)>(StringComparer.Ordinal);
        foreach (var flow in flows)
        {
            foreach (var (number, span) in flow.Numbers)
            {
                // A number that is no phone number is reported where the flow's numbers are read.
                if (FlowSet.NumberKey(number) is not { } key) continue;

                if (!byNumber.TryGetValue(key, out var first))
                {
                    byNumber[key] = (flow, span);
                }
                else if (first.Flow == flow)
                {
                    diagnostics.Add(new FlowDiagnostic(span, $"number '{number}' is listed twice (also at {first.Span})"));
                }
                else
                {
                    diagnostics.Add(new FlowDiagnostic(span, $"number '{number}' is already served by flow '{first.Flow.Name}' ({first.Span}): one number, one flow"));
                }
            }
        }

        ParsedFlow? firstDefault = null;
        foreach (var flow in flows.Where(f => f.IsDefault))
        {
            if (firstDefault is null)
            {
                firstDefault = flow;
            }
            else
            {
                diagnostics.Add(new FlowDiagnostic(flow.DefaultSpan,
                    $"flow '{flow.Name}' is a default flow, and so is '{firstDefault.Name}' ({firstDefault.DefaultSpan}): only one default flow per folder"));
            }
        }

        if (someFlowUnnamed)
        {
            return;
        }

        foreach (var flow in flows)
        {
            foreach (var (stepId, name, span) in flow.Subflows.Where(s => !byName.ContainsKey(s.Flow)))
            {
                var where = onlyFile is null ? Hint(diagnostics, name, byName.Keys) : $" among the flows loaded (only {onlyFile}: load the folder to use other files' flows)";
                diagnostics.Add(new FlowDiagnostic(span, $"step '{stepId}' runs flow '{name}', which does not exist{where}"));
            }
        }
    }

    /// <summary>Prompt folders looked at once per load.</summary>
    private sealed class PromptFolders
    {
        private readonly Dictionary<string, PromptFolder> _folders = new(StringComparer.Ordinal);

        public PromptFolder Get(string directory)
        {
            if (!_folders.TryGetValue(directory, out var folder))
            {
                folder = new PromptFolder(directory);
                _folders[directory] = folder;
            }

            return folder;
        }
    }

    /// <summary>A prompts folder: does it exist, its language subfolders, which files it has.</summary>
    private sealed class PromptFolder
    {
        private readonly string _directory;
        private readonly Dictionary<string, bool> _has = new(StringComparer.Ordinal);
        private List<string>? _fileNames;

        public PromptFolder(string directory)
        {
            _directory = directory;
            try
            {
                Exists = Directory.Exists(directory);
                Languages = Exists
                    ? [.. Directory.EnumerateDirectories(directory).Select(Path.GetFileName).OfType<string>()
                        .Where(FlowYamlReader.IsLanguage).Order(StringComparer.Ordinal)]
                    : [];
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Languages = [];
            }
        }

        public bool Exists { get; }

        /// <summary>Its immediate subfolders named like a language code (es, pt-BR): one per language.</summary>
        public IReadOnlyList<string> Languages { get; }

        /// <summary>True when the file is in the folder or in one of its language subfolders.</summary>
        public bool Has(string path)
        {
            if (!_has.TryGetValue(path, out var has))
            {
                has = File.Exists(Path.Combine(_directory, path)) || Languages.Any(l => File.Exists(Path.Combine(_directory, l, path)));
                _has[path] = has;
            }

            return has;
        }

        /// <summary>File names in the folder and its language subfolders, for "did you mean" (at most a few thousand).</summary>
        public IReadOnlyList<string> FileNames => _fileNames ??= ListFileNames();

        private List<string> ListFileNames()
        {
            try
            {
                return [.. new[] { _directory }.Concat(Languages.Select(l => Path.Combine(_directory, l)))
                    .SelectMany(Directory.EnumerateFiles).Select(Path.GetFileName).OfType<string>().Distinct(StringComparer.Ordinal).Take(5000)];
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return [];
            }
        }
    }
}
