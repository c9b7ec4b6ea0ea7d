using IvrEngine.Scripts.Expressions;
using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Runtime;

/// <summary>The step kinds that do not wait for keys: play, lookup, set, branch, hours, hangup, goto, subflow, return.</summary>
internal sealed partial class FlowRun
{
    private async ValueTask<Transition> ExecuteAsync(FlowStep step) => step switch
    {
        PlayStep play => await PlayStepAsync(play),
        MenuStep menu => await MenuAsync(menu),
        CollectStep collect => await CollectStepAsync(collect),
        LookupStep lookup => await LookupAsync(lookup),
        SetStep set => Set(set),
        BranchStep branch => Branch(branch),
        HoursStep hours => Hours(hours),
        LanguageStep language => await LanguageAsync(language),
        TransferStep transfer => await TransferAsync(transfer),
        RouteStep route => await RouteAsync(route),
        HangupStep hangup => await HangupAsync(hangup),
        GotoStep => Transition.Continue,
        SubflowStep subflow => Transition.Call(_set.ByName(subflow.Flow)
            ?? throw new FlowRunException($"the subflow '{subflow.Flow}' does not exist")),
        ReturnStep => Transition.Return,
        _ => throw new FlowRunException($"unknown step kind {step.GetType().Name}"),
    };

    /// <summary>Plays to the end; an interruptible play is one collect of at most one key that does not wait after
    /// the prompts, and the key (if any) becomes the first key of the next menu, collect or language step. With a
    /// key already waiting (the caller is typing ahead) an interruptible play is skipped.</summary>
    private async Task<Transition> PlayStepAsync(PlayStep step)
    {
        if (!step.Interruptible)
        {
            return await PlayAsync(Resolve(step.Prompts)) == FlowCallStatus.HungUp ? Transition.HungUp : Transition.Continue;
        }

        if (_pendingKey is not null || step.Prompts.Count == 0)
        {
            return Transition.Continue;
        }

        var result = await CollectAsync(new FlowDigitsRequest
        {
            Prompts = Resolve(step.Prompts),
            MinDigits = 1,
            MaxDigits = 1,
            Terminators = string.Empty,
            FirstDigitTimeout = TimeSpan.Zero,
            InterDigitTimeout = TimeSpan.Zero,
        });
        if (result.Input == FlowInput.HungUp)
        {
            return Transition.HungUp;
        }

        if (result.Input == FlowInput.Digits && result.Digits.Length > 0)
        {
            _pendingKey = result.Digits[0];
        }

        return Transition.Continue;
    }

    /// <summary>The client of the lookup becomes <c>Client</c>; its language becomes the caller's unless a language
    /// step already chose one.</summary>
    private async Task<Transition> LookupAsync(LookupStep step)
    {
        FlowClientView? client;
        if (step.By == LookupBy.Caller)
        {
            client = await _directory.ByCallerAsync(_call.Caller, _call.Dialed, _cancellationToken);
        }
        else
        {
            var account = EvaluateText(step.Value ?? throw new FlowRunException("a lookup by account needs a value"), "the lookup value");
            client = await _directory.ByAccountAsync(account, _call.Caller, _call.Dialed, _cancellationToken);
        }

        _client = client ?? FlowClientView.None;
        _lookedUp = true;
        if (!_languageChosen && !string.IsNullOrEmpty(_client.Language))
        {
            _language = _client.Language;
        }

        _observer?.OnLookup(step.By, _client);
        return Transition.To(_client.Found ? step.Found : step.NotFound);
    }

    private Transition Set(SetStep step)
    {
        foreach (var assignment in step.Assignments)
        {
            var value = assignment.IsExpression
                ? EvaluateText(assignment.Value, $"setting '{assignment.Name}' to")
                : assignment.Value;
            _vars.Set(assignment.Name, value);
            _caps[assignment.Name] = assignment.MaxBytes ?? (assignment.IsExpression ? _set.UnboundedValueBytes : int.MaxValue);
        }

        return Transition.Continue;
    }

    private Transition Branch(BranchStep step)
    {
        foreach (var @case in step.Cases)
        {
            if (IsTrue(@case.When))
            {
                return Transition.To(@case.Goto);
            }
        }

        return Transition.To(step.Else);
    }

    /// <summary>Open, closed or holiday at the clock's now in the step's zone (else the flow's, else UTC).</summary>
    private Transition Hours(HoursStep step)
    {
        var zone = Plan.Zone(step.TimeZone ?? Plan.Flow.TimeZone);
        var local = TimeZoneInfo.ConvertTime(_time.GetUtcNow(), zone).DateTime;
        var date = DateOnly.FromDateTime(local);
        if (step.Holidays.Contains(date))
        {
            return Transition.To(step.Holiday ?? step.Closed);
        }

        return Transition.To(IsOpen(step.Week, date.DayOfWeek, TimeOnly.FromDateTime(local)) ? step.Open : step.Closed);
    }

    /// <summary>Open when a range lists the day and <c>From &lt;= time &lt; To</c>. A range whose end is not after its
    /// start runs past midnight: <c>22:00-02:00</c> on Friday is open Friday from 22:00 and Saturday until 02:00, and
    /// <c>18:00-00:00</c> is open until midnight.</summary>
    internal static bool IsOpen(IReadOnlyList<OpeningRange> week, DayOfWeek day, TimeOnly time)
    {
        var previous = day == DayOfWeek.Sunday ? DayOfWeek.Saturday : day - 1;
        foreach (var range in week)
        {
            if (range.From < range.To)
            {
                if (range.Days.Contains(day) && range.From <= time && time < range.To)
                {
                    return true;
                }
            }
            else if ((range.Days.Contains(day) && range.From <= time) || (range.Days.Contains(previous) && time < range.To))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<Transition> HangupAsync(HangupStep step) =>
        await _call.HangupAsync(step.Cause, _cancellationToken) == FlowCallStatus.HungUp
            ? Transition.HungUp
            : Transition.End(FlowOutcome.Hangup);
}
