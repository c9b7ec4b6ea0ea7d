using System.Globalization;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;

namespace IvrEngine.Scripts.Loading;

/// <summary>What each flow can attach to a call at worst (<see cref="FlowAttachmentPlan"/>), checked against the
/// transports' budgets (<see cref="IFlowBudget"/>). A flow is planned with every sub-flow it can run: their variables
/// ride on the call too.</summary>
internal static class FlowBudgetCheck
{
    /// <summary>How many of the largest parts a message names.</summary>
    private const int PartsShown = 3;

    /// <summary>Adds a problem for everything that cannot fit, for every flow a call can start in (a flow with
    /// numbers, the default flow, and a flow no other flow runs).</summary>
    public static void Check(IReadOnlyList<ParsedFlow> flows, FlowLoadOptions options, List<FlowDiagnostic> diagnostics)
    {
        if (options.Budget is not { } budget)
        {
            return;
        }

        var byName = new Dictionary<string, ParsedFlow>(StringComparer.Ordinal);
        foreach (var flow in flows.Where(f => f.Name is not null))
        {
            byName.TryAdd(flow.Name!, flow);
        }

        var called = flows.SelectMany(f => f.Subflows).Select(s => s.Flow).ToHashSet(StringComparer.Ordinal);
        foreach (var flow in byName.Values.Where(f => f.Numbers.Count > 0 || f.IsDefault || !called.Contains(f.Name!)))
        {
            if (Plan(flow, byName, options.UnboundedValueBytes) is not { } plan)
            {
                continue;
            }

            foreach (var problem in budget.Check(plan))
            {
                diagnostics.Add(Diagnostic(flow, plan, problem));
            }
        }
    }

    /// <summary>The worst case of what a call that starts in <paramref name="entry"/> carries when it is handed on;
    /// null when no step of it (or its sub-flows) hands a call on, so nothing is ever attached.</summary>
    internal static FlowAttachmentPlan? Plan(ParsedFlow entry, IReadOnlyDictionary<string, ParsedFlow> byName, int unboundedValueBytes)
    {
        var closure = Closure(entry, byName);
        var steps = closure.SelectMany(f => f.Steps.Where(s => !s.IsPlaceholder).Select(s => (Flow: f, s.Step))).ToList();
        var handsOn = steps.Where(s => s.Step is TransferStep or RouteStep).ToList();
        if (handsOn.Count == 0)
        {
            return null;
        }

        var values = new Dictionary<string, FlowAttachedValue>(StringComparer.Ordinal);
        void Note(string name, int bytes, bool token, string origin, SourceSpan span, bool writtenByFlow = false)
        {
            var value = new FlowAttachedValue(name, bytes, token, origin, span, writtenByFlow);
            if (values.TryGetValue(name, out var seen))
            {
                // Several writers: the largest decides; the value is a token only when every writer's is.
                var larger = seen.MaxBytes >= bytes ? seen : value;
                value = larger with { Token = seen.Token && token, WrittenByFlow = seen.WrittenByFlow || writtenByFlow };
            }

            values[name] = value;
        }

        // A value the run fills itself: its worst case is its cap in the contract.
        void NoteContract(string name, string origin, SourceSpan span)
        {
            var variable = ContextContract.Find(name)!;
            Note(name, variable.CapBytes!.Value, variable.Token, origin, span);
        }

        string In(ParsedFlow flow) => flow == entry ? string.Empty : $" of flow '{flow.Name}'";

        foreach (var (flow, step) in steps)
        {
            switch (step)
            {
                case CollectStep collect when collect.Into.Length > 0:
                    var collected = $"collect step '{step.Id}'{In(flow)}";
                    if (!collect.Secret)
                    {
                        NoteVariable(collect.Into, collect.MaxLength, token: true, collected, step.Span);
                    }

                    NoteVariable(collect.Into + FlowRun.StatusSuffix, AttachedValues.StatusBytes, token: true, collected, step.Span);
                    break;
                case SetStep set:
                    foreach (var assignment in set.Assignments)
                    {
                        var origin = $"set in step '{step.Id}'{In(flow)}";
                        if (assignment.IsExpression)
                        {
                            NoteVariable(assignment.Name, assignment.MaxBytes ?? unboundedValueBytes, token: false, origin, assignment.Span);
                        }
                        else
                        {
                            NoteVariable(assignment.Name, ChannelValue.Bytes(assignment.Value), AttachedValues.IsToken(assignment.Value), origin, assignment.Span);
                        }
                    }

                    break;
            }
        }

        void NoteVariable(string name, int bytes, bool token, string origin, SourceSpan span)
        {
            var attached = FlowRun.VariablePrefix + name;
            if (!FlowRun.ReservedVariables.Contains(attached))
            {
                Note(attached, bytes, token, origin, span, writtenByFlow: true);
            }
        }

        var flowSpan = entry.FlowKeySpan;
        Note(ContextContract.Flow, ChannelValue.Bytes(entry.Name!), token: true, "the flow's name", flowSpan);
        foreach (var (flow, step) in handsOn)
        {
            Note(ContextContract.LastStep, ChannelValue.Bytes($"{flow.Name}/{step.Id}"), token: true, $"the step that hands the call on, '{step.Id}'{In(flow)}", step.Span);
        }

        var languages = new List<string> { entry.Language };
        languages.AddRange(steps.Select(s => s.Step).OfType<LanguageStep>().SelectMany(l => l.Options).Select(o => o.Language));
        Note(ContextContract.Language, languages.Max(ChannelValue.Bytes), token: true, "the flow's languages", flowSpan);

        if (steps.FirstOrDefault(s => s.Step is LookupStep) is { Step: not null } lookup)
        {
            var origin = $"client lookup, step '{lookup.Step.Id}'{In(lookup.Flow)}";
            var span = lookup.Step.Span;
            Note(ContextContract.Language, ContextContract.Cap(ContextContract.Language), token: false, "the client's language", span);
            foreach (var name in ContextContract.ClientValues) NoteContract(name, origin, span);
        }

        foreach (var (flow, step) in handsOn)
        {
            switch (step)
            {
                case TransferStep { Priority: { } priority } when !string.IsNullOrWhiteSpace(priority):
                    var literal = !priority.StartsWith('=') && FlowValues.TryWholeNumber(priority, out var number)
                        ? number.ToString(CultureInfo.InvariantCulture).Length
                        : AttachedValues.NumberBytes;
                    Note(ContextContract.TransferPriority, literal, token: true, $"the priority of transfer step '{step.Id}'{In(flow)}", step.Span);
                    break;
                case RouteStep:
                    var origin = $"route step '{step.Id}'{In(flow)}";
                    NoteContract(ContextContract.TransferPriority, origin, step.Span);
                    foreach (var name in ContextContract.RouteValues) NoteContract(name, origin, step.Span);
                    break;
            }
        }

        return new FlowAttachmentPlan(entry.Name!, [.. values.Values.OrderBy(v => v.Name, StringComparer.Ordinal)]);
    }

    /// <summary>The flow and every flow it can run as a sub-flow, directly or not (each once).</summary>
    private static List<ParsedFlow> Closure(ParsedFlow entry, IReadOnlyDictionary<string, ParsedFlow> byName)
    {
        var seen = new HashSet<ParsedFlow> { entry };
        var order = new List<ParsedFlow> { entry };
        for (var i = 0; i < order.Count; i++)
        {
            foreach (var (_, name, _) in order[i].Subflows)
            {
                if (byName.TryGetValue(name, out var called) && seen.Add(called))
                {
                    order.Add(called);
                }
            }
        }

        return order;
    }

    /// <summary>The problem where the admin can act: the variable at fault, else the largest part the flow writes
    /// (a set value, a collect step), else the flow itself.</summary>
    private static FlowDiagnostic Diagnostic(ParsedFlow flow, FlowAttachmentPlan plan, FlowBudgetProblem problem)
    {
        var culprit = problem.Variable is { } name ? plan.Value(name) : null;
        var at = culprit ?? problem.Largest.Where(p => p.Variable is not null).Select(p => plan.Value(p.Variable!))
            .FirstOrDefault(v => v is { WrittenByFlow: true });
        var span = at is { Span.Line: > 0 } ? at.Span : flow.FlowKeySpan;

        var what = culprit is null ? problem.What
            : problem.What == culprit.Name ? $"{problem.What} ({culprit.Origin})"
            : $"{problem.What} ({culprit.Name}, {culprit.Origin})";
        var message = $"flow '{plan.Flow}': {what} can reach {problem.Bytes} bytes, over the {problem.Limit} allowed ({problem.Setting})";
        if (problem.Largest.Count > 0)
        {
            message += "; largest: " + string.Join(", ", problem.Largest.Take(PartsShown).Select(p => Part(plan, p)));
        }

        if (culprit is { WrittenByFlow: true })
        {
            message += culprit.Origin.StartsWith("collect", StringComparison.Ordinal)
                ? "; lower the collect step's max"
                : "; write a shorter value, or give the expression a smaller max ({ value: ..., max: N })";
        }

        return new FlowDiagnostic(span, message);
    }

    /// <summary><c>X-IVR-Note 120 (ivr_note, set in step 'notes')</c>: the label, its bytes, and where the value
    /// comes from (the variable too when the label does not say it).</summary>
    private static string Part(FlowAttachmentPlan plan, FlowBudgetPart part)
    {
        if (part.Variable is not { } variable || (plan.Value(variable)?.Origin ?? part.Origin) is not { } origin)
        {
            return $"{part.Label} {part.Bytes}";
        }

        return part.Label.Contains(variable, StringComparison.Ordinal)
            ? $"{part.Label} {part.Bytes} ({origin})"
            : $"{part.Label} {part.Bytes} ({variable}, {origin})";
    }
}
