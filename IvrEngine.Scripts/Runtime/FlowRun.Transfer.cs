using System.Globalization;
using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Runtime;

/// <summary>The transfer step and what the call carries to the agent.</summary>
internal sealed partial class FlowRun
{
    /// <summary>The prefix of every attached variable.</summary>
    internal const string VariablePrefix = ContextContract.Prefix;

    /// <summary>Attaches the call's data (exported), then hands the call on: transferred, hung-up, or transfer-failed
    /// when the switch refuses. A switch that fails to set the variables does not stop the transfer: the caller
    /// still reaches the queue, without the data.</summary>
    private async Task<Transition> TransferAsync(TransferStep step)
    {
        var target = LiteralOrExpression(step.Target, "the transfer target").Trim();
        if (target.Length == 0)
        {
            throw new FlowRunException($"the transfer target '{step.Target}' is empty");
        }

        int? priority = string.IsNullOrWhiteSpace(step.Priority) ? null : Priority(step.Priority);
        return await HandOnAsync(new FlowTransfer(step.Kind, target, priority));
    }

    /// <summary>The route step: the engine's rules choose a transfer (the flow ends) or self-service (the flow goes
    /// on). Either way the rule and the reason ride on the call from then on.</summary>
    private async Task<Transition> RouteAsync(RouteStep step)
    {
        _ = step;
        if (Router is null)
        {
            throw new FlowRunException("a route step needs the engine's routing rules, and this run has none");
        }

        var request = new FlowRouteRequest(_call.Caller, _call.Dialed, _vars.All.Where(v => !(_collected.TryGetValue(v.Key, out var secret) && secret)).ToDictionary(StringComparer.Ordinal),
            _client, _language, _top.Name, _time.GetUtcNow());
        var route = await Router.RouteAsync(request, _cancellationToken)
            ?? throw new FlowRunException("the routing rules gave no decision");
        _route = route;
        _observer?.OnRoute(route);
        if (route.Transfer is not { } transfer)
        {
            return Transition.Continue;
        }

        if (transfer.Target.Trim().Length == 0)
        {
            throw new FlowRunException($"the routing rule '{route.Rule}' gave an empty target");
        }

        return await HandOnAsync(transfer);
    }

    /// <summary>Attaches the call's data, then transfers.</summary>
    private async Task<Transition> HandOnAsync(FlowTransfer transfer)
    {
        var priority = transfer.Priority;
        var (attached, masked) = Attachments(priority);
        _transfer = transfer;
        _attached = attached;
        _observer?.OnLeaving(_steps.ToArray(), MaskedVariablesNow());
        _observer?.OnTransfer(transfer, masked);

        return await _call.TransferAsync(transfer, attached, _cancellationToken) switch
        {
            FlowCallStatus.Ok => Transition.End(FlowOutcome.Transferred),
            FlowCallStatus.HungUp => Transition.HungUp,
            _ => Transition.End(FlowOutcome.TransferFailed),
        };
    }

    /// <summary>A literal whole number, or an expression giving one.</summary>
    private int Priority(string written)
    {
        if (written.StartsWith('='))
        {
            var value = Evaluate(written[1..], "the priority");
            return FlowValues.TryWholeNumber(value, out var number)
                ? number
                : throw new FlowRunException($"the priority '{written[1..]}' gave '{Convert.ToString(value, CultureInfo.InvariantCulture)}', which is not a whole number");
        }

        return FlowValues.TryWholeNumber(written, out var literal)
            ? literal
            : throw new FlowRunException($"the priority '{written}' is not a whole number");
    }

    /// <summary>What the call carries (README, "What a call carries"): every flow variable as <c>ivr_&lt;name&gt;</c>
    /// except secret collects, then the run's own values. The run's names are reserved: a flow variable that would
    /// be sent under one of them (a variable called <c>flow</c>, say) is not sent. Empty values are not sent
    /// (setting an empty channel variable unsets it). Every value is cut to its cap (<see cref="AttachedValues"/>; a
    /// flow variable's is the one its last writer gave) and made one line; a cut is reported to the observer. Also
    /// the same with collected values masked, for logs.</summary>
    private (Dictionary<string, string> Attached, Dictionary<string, string> Masked) Attachments(int? priority)
    {
        var attached = new Dictionary<string, string>(StringComparer.Ordinal);
        var masked = new Dictionary<string, string>(StringComparer.Ordinal);

        void Add(string name, string value, int maxBytes, string? flowVariable = null)
        {
            var fitted = ChannelValue.Sanitize(value, maxBytes, out var cut);
            if (cut)
            {
                _observer?.OnValueCut(name, ChannelValue.Bytes(value), maxBytes);
            }

            if (fitted.Length > 0)
            {
                attached[name] = fitted;
                masked[name] = flowVariable is null ? fitted : MaskedValue(flowVariable, fitted);
            }
        }

        void AddContract(string name, string value) => Add(name, value, ContextContract.Cap(name));

        foreach (var (name, value) in _vars.All)
        {
            var attachedName = VariablePrefix + name;
            if ((_collected.TryGetValue(name, out var secret) && secret) || ReservedVariables.Contains(attachedName))
            {
                continue;
            }

            Add(attachedName, value, _caps.GetValueOrDefault(name, int.MaxValue), name);
        }

        AddContract(ContextContract.Flow, _top.Name);
        AddContract(ContextContract.LastStep, _steps[^1]);
        AddContract(ContextContract.Language, _language);
        if (_lookedUp && !_client.Found)
        {
            // An unknown caller still tells the agent so, and why.
            AddContract(ContextContract.CtiCode, _client.Code);
            AddContract(ContextContract.CtiReason, _client.Reason);
            AddContract(ContextContract.MatchedBy, _client.MatchedBy);
        }

        if (_client.Found)
        {
            AddContract(ContextContract.CtiCode, _client.Code);
            AddContract(ContextContract.CtiReason, _client.Reason);
            AddContract(ContextContract.MatchedBy, _client.MatchedBy);
            AddContract(ContextContract.ClientId, _client.Id);
            AddContract(ContextContract.ClientName, _client.Name);
            AddContract(ContextContract.Category, _client.Category);
            AddContract(ContextContract.Overdue, _client.Overdue > 0 ? "true" : "false");
            AddContract(ContextContract.Manager, _client.Manager);
        }

        if (priority is { } p)
        {
            AddContract(ContextContract.TransferPriority, p.ToString(CultureInfo.InvariantCulture));
        }

        if (_route is { } route)
        {
            AddContract(ContextContract.RouteRule, route.Rule);
            AddContract(ContextContract.RouteReason, route.Reason);
            if (route.Transfer is { Kind: TransferKind.Agent } && route.FallbackQueue is { } fallback)
            {
                AddContract(ContextContract.FallbackQueue, fallback);
            }
        }
        else if (_gaveUp is { } why)
        {
            AddContract(ContextContract.RouteReason, why);
        }

        return (attached, masked);
    }

    /// <summary>The names the run attaches itself (<see cref="ContextContract.SetByRun"/>).</summary>
    internal static IReadOnlySet<string> ReservedVariables => ContextContract.SetByRun;
}
