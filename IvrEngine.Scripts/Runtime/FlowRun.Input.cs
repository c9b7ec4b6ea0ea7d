using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Runtime;

/// <summary>The step kinds that wait for keys: menu, collect and language.</summary>
internal sealed partial class FlowRun
{
    /// <summary>Status values of <c>&lt;into&gt;_status</c> after a collect step.</summary>
    internal const string CollectOk = "ok";
    internal const string CollectNoInput = "no-input";
    internal const string CollectInvalid = "invalid";

    /// <summary>What a collect step's status variable is named after its <c>into</c>.</summary>
    internal const string StatusSuffix = "_status";

    /// <summary>One key, prompts first (a key stops them), then <paramref name="timeout"/> of waiting; a key left by
    /// an interruptible play is taken instead of asking.</summary>
    private async Task<FlowDigits> OneKeyAsync(List<FlowPlayable> prompts, TimeSpan timeout, bool sensitive = false)
    {
        if (TakePendingKey() is { } key)
        {
            return new FlowDigits(FlowInput.Digits, key.ToString());
        }

        return await CollectAsync(new FlowDigitsRequest
        {
            Prompts = prompts,
            MinDigits = 1,
            MaxDigits = 1,
            Terminators = string.Empty,
            FirstDigitTimeout = timeout,
            Sensitive = sensitive,
        });
    }

    /// <summary>The greeting, then one key; wrong keys and silences are counted on their own, each with its prompt
    /// before the short greeting of the next attempt.</summary>
    private async Task<Transition> MenuAsync(MenuStep step)
    {
        var failures = 0;
        var timeouts = 0;
        IReadOnlyList<Prompt> error = [];
        var greeting = step.Greeting;
        while (true)
        {
            var prompts = Resolve(greeting, Resolve(error));
            var result = await OneKeyAsync(prompts, step.Timeout);
            if (result.Input == FlowInput.HungUp)
            {
                return Transition.HungUp;
            }

            if (result.Input == FlowInput.NoInput || result.Digits.Length == 0)
            {
                _observer?.OnInputFailed(CollectNoInput);
                if (++timeouts >= step.MaxTimeouts)
                {
                    GaveUp($"no key pressed {timeouts} times");
                    return Transition.To(step.OnMaxTimeouts);
                }

                error = step.TimeoutPrompt;
            }
            else
            {
                var key = result.Digits[0];
                foreach (var option in step.Options)
                {
                    if (option.Key == key)
                    {
                        _gaveUp = null;
                        return Transition.To(option.Goto);
                    }
                }

                _observer?.OnInputFailed(CollectInvalid);
                if (++failures >= step.MaxFailures)
                {
                    GaveUp($"{failures} keys that are not options");
                    return Transition.To(step.OnMaxFailures);
                }

                error = step.InvalidPrompt;
            }

            greeting = step.ShortGreeting.Count > 0 ? step.ShortGreeting : step.Greeting;
        }
    }

    /// <summary>Attempts until a valid (and confirmed) entry, or too many silences or invalid entries (counted on
    /// their own). The prompt of the last error is played before the next attempt's prompt. An empty entry (only a
    /// terminator) is silence unless the step allows zero digits.</summary>
    private async Task<Transition> CollectStepAsync(CollectStep step)
    {
        var noInput = 0;
        var invalid = 0;
        IReadOnlyList<Prompt> error = [];
        while (true)
        {
            var entry = await EnterAsync(step, Resolve(step.Prompt, Resolve(error)));
            if (entry.Input == FlowInput.HungUp)
            {
                return Transition.HungUp;
            }

            string? failure;
            if (entry.Input == FlowInput.NoInput || (entry.Digits.Length == 0 && step.MinLength > 0))
            {
                failure = CollectNoInput;
            }
            else if (!await IsValidAsync(step, entry.Digits))
            {
                failure = CollectInvalid;
            }
            else if (step.Confirm is null)
            {
                return Accept(step, entry.Digits);
            }
            else
            {
                var answer = await OneKeyAsync(ConfirmPrompts(step.Confirm, entry.Digits), step.FirstDigitTimeout, sensitive: true);
                if (answer.Input == FlowInput.HungUp)
                {
                    return Transition.HungUp;
                }

                if (answer.Input == FlowInput.NoInput || answer.Digits.Length == 0)
                {
                    failure = CollectNoInput;
                }
                else if (answer.Digits[0] == step.Confirm.ConfirmKey)
                {
                    return Accept(step, entry.Digits);
                }
                else if (answer.Digits[0] == step.Confirm.RetryKey)
                {
                    error = [];
                    continue;
                }
                else
                {
                    failure = CollectInvalid;
                }
            }

            _observer?.OnInputFailed(failure);
            if (failure == CollectNoInput)
            {
                if (++noInput >= step.MaxNoInput)
                {
                    GaveUp($"no entry {noInput} times");
                    return Fail(step, failure);
                }

                error = step.NoInputPrompt;
            }
            else
            {
                if (++invalid >= step.MaxInvalid)
                {
                    GaveUp($"{invalid} invalid entries");
                    return Fail(step, failure);
                }

                error = step.InvalidPrompt;
            }
        }
    }

    /// <summary>One entry. With a key left by an interruptible play that key is the entry's first digit: the rest
    /// is collected without prompts, waiting only the inter-digit timeout.</summary>
    private async Task<FlowDigits> EnterAsync(CollectStep step, List<FlowPlayable> prompts)
    {
        if (TakePendingKey() is not { } first)
        {
            return await CollectAsync(new FlowDigitsRequest
            {
                Prompts = prompts,
                MinDigits = step.MinLength,
                MaxDigits = step.MaxLength,
                Terminators = step.Terminators,
                FirstDigitTimeout = step.FirstDigitTimeout,
                InterDigitTimeout = step.InterDigitTimeout,
                Sensitive = true,
            });
        }

        if (step.Terminators.Contains(first, StringComparison.Ordinal))
        {
            return new FlowDigits(FlowInput.Digits, string.Empty, first);
        }

        if (step.MaxLength <= 1)
        {
            return new FlowDigits(FlowInput.Digits, first.ToString());
        }

        var rest = await CollectAsync(new FlowDigitsRequest
        {
            MinDigits = Math.Max(0, step.MinLength - 1),
            MaxDigits = step.MaxLength - 1,
            Terminators = step.Terminators,
            FirstDigitTimeout = step.InterDigitTimeout,
            InterDigitTimeout = step.InterDigitTimeout,
            Sensitive = true,
        });
        return rest.Input switch
        {
            FlowInput.HungUp => rest,
            FlowInput.NoInput => new FlowDigits(FlowInput.Digits, first.ToString()),
            _ => rest with { Digits = first + rest.Digits },
        };
    }

    /// <summary>Length, then the regex (whole entry), the Luhn check, and last the store (the only costly one).</summary>
    private async Task<bool> IsValidAsync(CollectStep step, string digits)
    {
        if (digits.Length < step.MinLength || digits.Length > step.MaxLength)
        {
            return false;
        }

        var validation = step.Validation;
        if (!string.IsNullOrEmpty(validation.Regex))
        {
            var regex = Plan.Regex(validation.Regex);
            try
            {
                if (!regex.IsMatch(digits))
                {
                    return false;
                }
            }
            catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                throw new FlowRunException($"the regex '{validation.Regex}' took longer than {FlowPlan.RegexTimeout.TotalMilliseconds} ms on the entry");
            }
        }

        if (validation.Luhn && !FlowValues.PassesLuhn(digits))
        {
            return false;
        }

        return !validation.ExistsInStore || await _directory.AccountExistsAsync(digits, _cancellationToken);
    }

    /// <summary>"You entered" + the digits one by one + "press 1 to confirm, 2 to try again".</summary>
    private List<FlowPlayable> ConfirmPrompts(ConfirmSpec confirm, string digits)
    {
        var prompts = Resolve(confirm.Before);
        prompts.Add(new FlowSay(_language, "NUMBER", "iterated", digits));
        return Resolve(confirm.After, prompts);
    }

    private Transition Accept(CollectStep step, string digits)
    {
        _vars.Set(step.Into, digits);
        _caps[step.Into] = step.MaxLength;
        _collected[step.Into] = step.Secret || (_collected.TryGetValue(step.Into, out var wasSecret) && wasSecret);
        SetStatus(step, CollectOk);
        _observer?.OnCollected(step.Into, MaskedValue(step.Into, digits), CollectOk);
        _gaveUp = null;
        return Transition.Continue;
    }

    /// <summary>The step the caller is in gave up on the caller's input: why rides on the call (ivr_route_reason)
    /// when no routing rule says otherwise, so the agent of the queue the flow falls back to sees it.</summary>
    private void GaveUp(string why) => _gaveUp = $"{_steps[^1]}: {why}, gave up";

    private Transition Fail(CollectStep step, string status)
    {
        SetStatus(step, status);
        _observer?.OnCollected(step.Into, string.Empty, status);
        return Transition.To(step.OnFailure);
    }

    private void SetStatus(CollectStep step, string status)
    {
        _vars.Set(step.Into + StatusSuffix, status);
        _caps[step.Into + StatusSuffix] = AttachedValues.StatusBytes;
    }

    /// <summary>A one-key menu of languages: a listed key switches, anything else tries again, and after the last
    /// try the current language stays. Either way the flow goes on.</summary>
    private async Task<Transition> LanguageAsync(LanguageStep step)
    {
        for (var tries = 1; ; tries++)
        {
            var result = await OneKeyAsync(Resolve(step.Prompt), step.Timeout);
            if (result.Input == FlowInput.HungUp)
            {
                return Transition.HungUp;
            }

            if (result.Input == FlowInput.Digits && result.Digits.Length > 0)
            {
                foreach (var option in step.Options)
                {
                    if (option.Key == result.Digits[0])
                    {
                        _language = option.Language;
                        _languageChosen = true;
                        return Transition.Continue;
                    }
                }
            }

            if (tries >= step.MaxTries)
            {
                return Transition.Continue;
            }
        }
    }
}
