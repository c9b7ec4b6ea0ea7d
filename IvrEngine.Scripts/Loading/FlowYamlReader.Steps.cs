using System.Text.RegularExpressions;
using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Loading;

internal sealed partial class FlowYamlReader
{
    private static readonly string[] Kinds =
        ["play", "menu", "collect", "lookup", "set", "branch", "hours", "language", "transfer", "route", "hangup", "goto", "subflow", "return"];

    /// <summary>The fields written on the step itself (beside its kind), by kind.</summary>
    private static readonly Dictionary<string, string[]> StepFieldsByKind = new(StringComparer.Ordinal)
    {
        ["play"] = ["next", "interruptible"],
        ["menu"] = ["on_max_failures", "on_max_timeouts"],
        ["collect"] = ["next", "on_failure"],
        ["lookup"] = ["found", "not_found"],
        ["set"] = ["next"],
        ["branch"] = ["else"],
        ["hours"] = ["open", "closed", "holiday"],
        ["language"] = ["next"],
        ["transfer"] = [],
        ["route"] = ["next"],
        ["hangup"] = [],
        ["goto"] = [],
        ["subflow"] = ["next"],
        ["return"] = [],
    };

    private static readonly string[] AllStepFields = [.. StepFieldsByKind.Values.SelectMany(f => f).Distinct()];

    private static readonly string[] StepNames = [.. Kinds, .. AllStepFields];

    private static readonly string KindList = string.Join(", ", Kinds);

    private static readonly string[] MenuFields =
        ["greeting", "short_greeting", "options", "invalid_prompt", "timeout_prompt", "timeout", "max_failures", "max_timeouts"];

    private static readonly string[] CollectFields =
    [
        "into", "prompt", "min", "max", "terminators", "first_digit_timeout", "inter_digit_timeout", "max_no_input",
        "max_invalid", "no_input_prompt", "invalid_prompt", "validate", "confirm", "secret",
    ];

    private static readonly string[] ValidateFields = ["regex", "luhn", "exists"];
    private static readonly string[] SetValueFields = ["value", "max"];
    private static readonly string[] ConfirmFields = ["before", "after", "confirm_key", "retry_key"];
    private static readonly string[] LookupFields = ["by", "value"];
    private static readonly string[] CaseFields = ["when", "goto"];
    private static readonly string[] LanguageFields = ["prompt", "options", "timeout", "max_tries"];
    private static readonly string[] TransferFields = ["queue", "extension", "agent", "priority"];
    private static readonly string[] TransferTargets = ["queue", "extension", "agent"];

    /// <summary>The largest <c>max</c> a set value may give (the transports' own limits are checked later).</summary>
    internal const int MaxValueBytes = 65_536;

    /// <summary>The step being read.</summary>
    private sealed record StepContext(string Id, SourceSpan Span, string Kind, YPair KindPair, Dictionary<string, YPair> Fields, HashSet<string> Misspelt)
    {
        public string Owner => $"step '{Id}'";

        public YPair? Get(string field) => Fields.GetValueOrDefault(field);
    }

    private ParsedStep ReadStep(YScalar idKey, YNode value)
    {
        var id = idKey.Value;
        var owner = $"step '{id}'";
        var span = At(idKey);
        if (value is not YMapping map)
        {
            Error(value is YScalar { IsNull: true } ? idKey : value, $"{owner} must be a mapping with one kind ({KindList}), e.g. 'play: welcome.wav'");
            return Placeholder(id, span);
        }

        var fields = new Dictionary<string, YPair>(StringComparer.Ordinal);
        var kinds = new List<YPair>();
        var typoOfKind = false;
        var misspelt = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in map.Pairs)
        {
            var key = pair.Key.Value;
            if (fields.ContainsKey(key))
            {
                Error(pair.Key, $"{owner}: field '{key}' is written twice");
                continue;
            }

            fields[key] = pair;
            if (Kinds.Contains(key))
            {
                kinds.Add(pair);
                if (kinds.Count == 2)
                {
                    Error(pair.Key, $"{owner} has two kinds, '{kinds[0].Key.Value}' and '{key}': a step does one thing (write two steps)");
                }
            }
            else if (!AllStepFields.Contains(key))
            {
                var best = Suggest.Closest(key, StepNames);
                typoOfKind |= best is not null && Kinds.Contains(best);
                if (best is not null)
                {
                    misspelt.Add(best);
                }

                Error(pair.Key, $"{owner}: unknown field '{key}'{(best is null ? string.Empty : $" (did you mean '{best}'?)")}");
            }
        }

        if (kinds.Count == 0)
        {
            if (!typoOfKind)
            {
                Error(idKey, $"{owner} has no kind: write one of {KindList}");
            }

            return Placeholder(id, span);
        }

        var kind = kinds[0].Key.Value;
        if (kinds.Count == 1)
        {
            foreach (var (key, pair) in fields)
            {
                if (AllStepFields.Contains(key) && !StepFieldsByKind[kind].Contains(key))
                {
                    Error(pair.Key, $"{owner}: '{key}' does not apply to a {kind} step{WhereItGoes(kind)}");
                }
            }
        }

        var step = new StepContext(id, span, kind, kinds[0], fields, misspelt);
        return kind switch
        {
            "play" => Play(step),
            "menu" => Menu(step),
            "collect" => Collect(step),
            "lookup" => Lookup(step),
            "set" => Set(step),
            "branch" => Branch(step),
            "hours" => Hours(step),
            "language" => Language(step),
            "transfer" => Transfer(step),
            "route" => Route(step),
            "hangup" => Hangup(step),
            "goto" => Goto(step),
            "subflow" => Subflow(step),
            _ => Return(step),
        };
    }

    private static string WhereItGoes(string kind) => kind switch
    {
        "menu" => " (it goes where its options, on_max_failures and on_max_timeouts say)",
        "lookup" => " (it goes to found or not_found)",
        "branch" => " (it goes to a case's goto or to else)",
        "hours" => " (it goes to open, closed or holiday)",
        "transfer" or "hangup" or "return" => " (the flow ends there)",
        "goto" => " (write the target as 'goto: <step>')",
        _ => string.Empty,
    };

    /// <summary>A step that could not be read: it keeps its id so references to it resolve.</summary>
    private static ParsedStep Placeholder(string id, SourceSpan span) => new(new ReturnStep { Id = id, Span = span }, "invalid", waitsForInput: false);

    /// <summary>A step field naming a step; recorded as an exit. Null when missing (reported when required) or empty.</summary>
    private string? Target(StepContext step, string field, string label, List<FlowExit> exits, string? requiredBecause)
    {
        var pair = step.Get(field);
        if (pair is null)
        {
            if (requiredBecause is not null && !step.Misspelt.Contains(field))
            {
                Error(step.Span, $"{step.Owner}: a {step.Kind} step needs '{field}' ({requiredBecause})");
            }

            return null;
        }

        return Target(pair, step.Owner, label, exits);
    }

    private string? Target(YPair pair, string owner, string label, List<FlowExit> exits)
    {
        if (Text(pair, owner) is not { } target)
        {
            return null;
        }

        exits.Add(new FlowExit(label, target, At(pair.Value)));
        return target;
    }

    private static ParsedStep Finish(StepContext step, FlowStep model, List<FlowExit> exits, bool waits = false, bool continues = false)
    {
        var parsed = new ParsedStep(model, step.Kind, waits) { Continues = continues, NextWritten = step.Get("next") is not null };
        parsed.Exits.AddRange(exits);
        return parsed;
    }

    private List<Prompt> OptionalPrompts(FieldSet fields, string key, string owner) =>
        fields.Get(key) is { } pair ? Prompts(pair, owner) : [];

    private ParsedStep Play(StepContext step)
    {
        var exits = new List<FlowExit>();
        var prompts = Prompts(step.KindPair, step.Owner);
        var interruptible = step.Get("interruptible") is { } pair && (Bool(pair, step.Owner) ?? false);
        var next = Target(step, "next", "next", exits, null);
        return Finish(step, new PlayStep { Id = step.Id, Span = step.Span, Prompts = prompts, Interruptible = interruptible, Next = next }, exits, continues: true);
    }

    private ParsedStep Menu(StepContext step)
    {
        var owner = step.Owner;
        var exits = new List<FlowExit>();
        var fields = Settings(step, MenuFields, "menu: { greeting: main.wav, options: { \"1\": balance } }");
        var greeting = Required(fields, "greeting", $"{owner}: menu needs 'greeting' (the prompt played the first time)") is { } g ? Prompts(g, owner) : [];
        var options = new List<MenuOption>();
        if (Required(fields, "options", $"{owner}: menu needs 'options' (keys and the steps they go to)") is { } optionsPair)
        {
            if (optionsPair.Value is not YMapping optionMap || optionMap.Pairs.Count == 0)
            {
                Error(optionsPair.Value is YScalar { IsNull: true } ? optionsPair.Key : optionsPair.Value,
                    $"{owner}: 'options' must map keys to steps, e.g. {{ \"1\": balance, \"0\": operator }}");
            }
            else
            {
                var seen = new HashSet<char>();
                foreach (var (key, value) in optionMap.Pairs)
                {
                    if (Key(key, owner, "menu key") is not { } digit)
                    {
                        continue;
                    }

                    if (!seen.Add(digit))
                    {
                        Error(key, $"{owner}: menu key \"{digit}\" is written twice");
                        continue;
                    }

                    if (Target(new YPair(key, value), owner, $"option \"{digit}\"", exits) is { } target)
                    {
                        options.Add(new MenuOption(digit, target, At(key)));
                    }
                }
            }
        }

        var menu = new MenuStep
        {
            Id = step.Id,
            Span = step.Span,
            Greeting = greeting,
            ShortGreeting = OptionalPrompts(fields, "short_greeting", owner),
            Options = options,
            InvalidPrompt = OptionalPrompts(fields, "invalid_prompt", owner),
            TimeoutPrompt = OptionalPrompts(fields, "timeout_prompt", owner),
            Timeout = fields.Get("timeout") is { } timeout ? Duration(timeout, owner) ?? default : TimeSpan.FromSeconds(5),
            MaxFailures = fields.Get("max_failures") is { } failures ? Int(failures, owner, 1, 100) ?? 3 : 3,
            MaxTimeouts = fields.Get("max_timeouts") is { } timeouts ? Int(timeouts, owner, 1, 100) ?? 3 : 3,
            OnMaxFailures = Target(step, "on_max_failures", "on_max_failures", exits, "where to go after too many wrong keys") ?? string.Empty,
            OnMaxTimeouts = Target(step, "on_max_timeouts", "on_max_timeouts", exits, "where to go after too many silences") ?? string.Empty,
        };
        return Finish(step, menu, exits, waits: true);
    }

    private ParsedStep Collect(StepContext step)
    {
        var owner = step.Owner;
        var exits = new List<FlowExit>();
        var fields = Settings(step, CollectFields, "collect: { into: account, prompt: enter-account.wav }");
        var into = string.Empty;
        if (Required(fields, "into", $"{owner}: collect needs 'into' (the variable that receives the digits)") is { } intoPair
            && Text(intoPair, owner) is { } variable)
        {
            into = variable;
            if (!IsVariable(variable))
            {
                Error(intoPair.Value, $"{owner}: variable name '{variable}' must start with a letter and use only letters, digits, '_' and '-'");
            }
        }

        var prompt = Required(fields, "prompt", $"{owner}: collect needs 'prompt' (what asks for the entry)") is { } p ? Prompts(p, owner) : [];
        var min = fields.Get("min") is { } minPair ? Int(minPair, owner, 0, 128) : null;
        var max = fields.Get("max") is { } maxPair ? Int(maxPair, owner, 1, 128) : null;
        if ((min ?? 1) > (max ?? 20))
        {
            Error((fields.Get("min") ?? fields.Get("max"))!.Value, $"{owner}: min ({min ?? 1}) is more than max ({max ?? 20})");
        }

        var terminators = "#";
        if (fields.Get("terminators") is { } terminatorsPair && Scalar(terminatorsPair, owner) is { } terminatorsScalar)
        {
            if (terminatorsScalar.IsNull)
            {
                Error(terminatorsPair.Key, $"{owner}: 'terminators' is empty: write \"#\" in quotes (a # starts a comment in YAML), or \"\" for none");
            }
            else if (terminatorsScalar.Value.FirstOrDefault(c => !IsKeyChar(c)) is var bad && bad != default)
            {
                Error(terminatorsScalar, $"{owner}: terminator '{bad}' is not one of 0-9, * or #");
            }
            else
            {
                terminators = terminatorsScalar.Value;
            }
        }

        var validation = new DigitValidation();
        if (fields.Get("validate") is { } validatePair)
        {
            validation = Validation(validatePair, owner);
        }

        ConfirmSpec? confirm = null;
        if (fields.Get("confirm") is { } confirmPair)
        {
            confirm = Confirm(confirmPair, owner);
        }

        var collect = new CollectStep
        {
            Id = step.Id,
            Span = step.Span,
            Into = into,
            Prompt = prompt,
            MinLength = min ?? 1,
            MaxLength = max ?? 20,
            Terminators = terminators,
            FirstDigitTimeout = fields.Get("first_digit_timeout") is { } first ? Duration(first, owner) ?? default : TimeSpan.FromSeconds(5),
            InterDigitTimeout = fields.Get("inter_digit_timeout") is { } inter ? Duration(inter, owner) ?? default : TimeSpan.FromSeconds(3),
            MaxNoInput = fields.Get("max_no_input") is { } noInput ? Int(noInput, owner, 1, 100) ?? 3 : 3,
            MaxInvalid = fields.Get("max_invalid") is { } invalid ? Int(invalid, owner, 1, 100) ?? 3 : 3,
            NoInputPrompt = OptionalPrompts(fields, "no_input_prompt", owner),
            InvalidPrompt = OptionalPrompts(fields, "invalid_prompt", owner),
            Validation = validation,
            Confirm = confirm,
            Secret = fields.Get("secret") is { } secret && (Bool(secret, owner) ?? false),
            Next = Target(step, "next", "next", exits, null),
            OnFailure = Target(step, "on_failure", "on_failure", exits, "where to go after too many silences or invalid entries") ?? string.Empty,
        };
        return Finish(step, collect, exits, waits: true, continues: true);
    }

    private DigitValidation Validation(YPair pair, string owner)
    {
        if (pair.Value is not YMapping map)
        {
            Error(pair.Value, $"{owner}: 'validate' must be a mapping, e.g. {{ regex: '^\\d+$', luhn: true }}");
            return new DigitValidation();
        }

        var fields = Fields(map, owner, ValidateFields, At(pair.Key));
        string? regex = null;
        var regexSpan = SourceSpan.None;
        if (fields.Get("regex") is { } regexPair && Text(regexPair, owner) is { })
        {
            regex = ((YScalar)regexPair.Value).Value;
            regexSpan = At(regexPair.Value);
            if (regex.Length > ExpressionChecker.MaxLength)
            {
                Error(regexPair.Value, $"{owner}: regex is longer than {ExpressionChecker.MaxLength} characters");
            }
            else
            {
                try
                {
                    _ = new Regex(regex, RegexOptions.None, TimeSpan.FromSeconds(1));
                }
                catch (ArgumentException ex)
                {
                    Error(regexPair.Value, $"{owner}: regex '{regex}' does not compile: {ex.Message}");
                }
            }
        }

        return new DigitValidation
        {
            Regex = regex,
            RegexSpan = regexSpan,
            Luhn = fields.Get("luhn") is { } luhn && (Bool(luhn, owner) ?? false),
            ExistsInStore = fields.Get("exists") is { } exists && (Bool(exists, owner) ?? false),
        };
    }

    private ConfirmSpec? Confirm(YPair pair, string owner)
    {
        if (pair.Value is not YMapping map)
        {
            Error(pair.Value, $"{owner}: 'confirm' must be a mapping, e.g. {{ before: you-entered.wav, after: confirm-or-retry.wav }}");
            return null;
        }

        var fields = Fields(map, owner, ConfirmFields, At(pair.Key));
        var after = Required(fields, "after", $"{owner}: confirm needs 'after' (\"press 1 to confirm, 2 to try again\")") is { } a ? Prompts(a, owner) : [];
        var confirmKey = fields.Get("confirm_key") is { } ck && Scalar(ck, owner) is { } ckScalar ? Key(ckScalar, owner, "confirm_key") : '1';
        var retryKey = fields.Get("retry_key") is { } rk && Scalar(rk, owner) is { } rkScalar ? Key(rkScalar, owner, "retry_key") : '2';
        if (confirmKey is not null && confirmKey == retryKey)
        {
            Error((fields.Get("retry_key") ?? fields.Get("confirm_key"))!.Value, $"{owner}: confirm_key and retry_key are both \"{confirmKey}\"");
        }

        return new ConfirmSpec
        {
            Before = OptionalPrompts(fields, "before", owner),
            After = after,
            ConfirmKey = confirmKey ?? '1',
            RetryKey = retryKey ?? '2',
        };
    }

    private ParsedStep Lookup(StepContext step)
    {
        var owner = step.Owner;
        var exits = new List<FlowExit>();
        var by = LookupBy.Caller;
        string? value = null;
        switch (step.KindPair.Value)
        {
            case YScalar { IsNull: false } scalar when scalar.Value.Trim() == "caller":
                break;
            case YScalar { IsNull: false } scalar when scalar.Value.Trim() == "account":
                Error(scalar, $"{owner}: lookup by account needs the number: write lookup: {{ by: account, value: 'Vars[\"account\"]' }}");
                by = LookupBy.Account;
                break;
            case YMapping map:
                var fields = Fields(map, owner, LookupFields, At(step.KindPair.Key));
                if (fields.Get("by") is { } byPair && Text(byPair, owner) is { } byText)
                {
                    if (byText == "account")
                    {
                        by = LookupBy.Account;
                    }
                    else if (byText != "caller")
                    {
                        Error(byPair.Value, $"{owner}: lookup by '{byText}' is unknown: by caller or by account");
                    }
                }

                var valuePair = fields.Get("value");
                if (by == LookupBy.Account && valuePair is null)
                {
                    Error(step.KindPair.Key, $"{owner}: lookup by account needs 'value' (an expression giving the number, e.g. 'Vars[\"account\"]')");
                }
                else if (by == LookupBy.Caller && valuePair is not null)
                {
                    Error(valuePair.Key, $"{owner}: 'value' applies to a lookup by account only");
                }
                else if (valuePair is not null && Scalar(valuePair, owner) is { } valueScalar)
                {
                    value = valueScalar.IsNull ? string.Empty : valueScalar.Value;
                    CheckExpression(valueScalar, 0, condition: false, $"{owner} lookup value");
                }

                break;
            default:
                Error(step.KindPair.Value is YScalar { IsNull: true } ? step.KindPair.Key : step.KindPair.Value,
                    $"{owner}: write 'lookup: caller' or lookup: {{ by: account, value: 'Vars[\"account\"]' }}");
                break;
        }

        var lookup = new LookupStep
        {
            Id = step.Id,
            Span = step.Span,
            By = by,
            Value = value,
            Found = Target(step, "found", "found", exits, "where to go when the client is found") ?? string.Empty,
            NotFound = Target(step, "not_found", "not_found", exits, "where to go when not") ?? string.Empty,
        };
        return Finish(step, lookup, exits);
    }

    private ParsedStep Set(StepContext step)
    {
        var owner = step.Owner;
        var exits = new List<FlowExit>();
        var assignments = new List<Assignment>();
        if (step.KindPair.Value is not YMapping map || map.Pairs.Count == 0)
        {
            Error(step.KindPair.Value is YScalar { IsNull: true } ? step.KindPair.Key : step.KindPair.Value,
                $"{owner}: 'set' needs variables and values, e.g. set: {{ segment: retail, vip: '=Client.Code == \"V\"' }}");
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, value) in map.Pairs)
            {
                var name = key.Value;
                if (!IsVariable(name))
                {
                    Error(key, $"{owner}: variable name '{name}' must start with a letter and use only letters, digits, '_' and '-'");
                    continue;
                }

                if (!seen.Add(name))
                {
                    Error(key, $"{owner}: variable '{name}' is set twice");
                    continue;
                }

                int? max = null;
                var scalar = value as YScalar;
                if (value is YMapping bounded)
                {
                    // { value: '=expression', max: 40 }: the value with the most bytes it may have on the call.
                    var fields = Fields(bounded, owner, SetValueFields, At(key));
                    scalar = Required(fields, "value", $"{owner}: '{name}' needs 'value' (e.g. {{ value: '=Client.Name', max: 40 }})") is { } valuePair
                        ? Scalar(valuePair, owner)
                        : null;
                    if (fields.Get("max") is { } maxPair)
                    {
                        max = Int(maxPair, owner, 1, MaxValueBytes);
                    }

                    if (scalar is null)
                    {
                        continue;
                    }
                }
                else if (scalar is null)
                {
                    Error(value, $"{owner}: the value of '{name}' must be a single value or {{ value: ..., max: N }}, not {value.Describe}");
                    continue;
                }

                var text = scalar.IsNull ? string.Empty : scalar.Value;
                var isExpression = text.StartsWith('=');
                if (isExpression)
                {
                    CheckExpression(scalar, 1, condition: false, $"{owner} value of '{name}'");
                }
                else if (max is { } limit && System.Text.Encoding.UTF8.GetByteCount(text) > limit)
                {
                    Error(scalar, $"{owner}: the value of '{name}' is {System.Text.Encoding.UTF8.GetByteCount(text)} bytes, more than its max ({limit})");
                }

                assignments.Add(new Assignment(name, isExpression ? text[1..] : text, isExpression, At(scalar)) { MaxBytes = max });
            }
        }

        var next = Target(step, "next", "next", exits, null);
        return Finish(step, new SetStep { Id = step.Id, Span = step.Span, Assignments = assignments, Next = next }, exits, continues: true);
    }

    private ParsedStep Branch(StepContext step)
    {
        var owner = step.Owner;
        var exits = new List<FlowExit>();
        var cases = new List<BranchCase>();
        if (step.KindPair.Value is not YSequence sequence || sequence.Items.Count == 0)
        {
            Error(step.KindPair.Value is YScalar { IsNull: true } ? step.KindPair.Key : step.KindPair.Value,
                $"{owner}: 'branch' needs a list of cases, each '- when: <condition>' with 'goto: <step>'");
        }
        else
        {
            for (var i = 0; i < sequence.Items.Count; i++)
            {
                var item = sequence.Items[i];
                if (item is not YMapping caseMap)
                {
                    Error(item, $"{owner}: a branch case is a mapping with 'when' and 'goto', not {item.Describe}");
                    continue;
                }

                var fields = Fields(caseMap, owner, CaseFields, At(caseMap));
                string? when = null;
                if (Required(fields, "when", $"{owner}: a branch case needs 'when' (a condition)") is { } whenPair
                    && Scalar(whenPair, owner) is { } whenScalar)
                {
                    when = whenScalar.IsNull ? string.Empty : whenScalar.Value;
                    CheckExpression(whenScalar, 0, condition: true, $"{owner} condition");
                }

                string? target = null;
                if (Required(fields, "goto", $"{owner}: a branch case needs 'goto' (the step it leads to)") is { } gotoPair)
                {
                    target = Target(gotoPair, owner, $"case {i + 1}", exits);
                }

                if (when is not null && target is not null)
                {
                    cases.Add(new BranchCase(when, target, At(caseMap)));
                }
            }
        }

        var branch = new BranchStep
        {
            Id = step.Id,
            Span = step.Span,
            Cases = cases,
            Else = Target(step, "else", "else", exits, "where to go when no case holds") ?? string.Empty,
        };
        return Finish(step, branch, exits);
    }

    private ParsedStep Language(StepContext step)
    {
        var owner = step.Owner;
        var exits = new List<FlowExit>();
        var fields = Settings(step, LanguageFields, "language: { prompt: choose-language.wav, options: { \"1\": en, \"2\": es } }");
        var prompt = Required(fields, "prompt", $"{owner}: language needs 'prompt' (\"for English press 1...\")") is { } p ? Prompts(p, owner) : [];
        var options = new List<LanguageOption>();
        if (Required(fields, "options", $"{owner}: language needs 'options' (keys and language codes)") is { } optionsPair)
        {
            if (optionsPair.Value is not YMapping optionMap || optionMap.Pairs.Count == 0)
            {
                Error(optionsPair.Value is YScalar { IsNull: true } ? optionsPair.Key : optionsPair.Value,
                    $"{owner}: 'options' must map keys to language codes, e.g. {{ \"1\": en, \"2\": es }}");
            }
            else
            {
                var seen = new HashSet<char>();
                foreach (var (key, value) in optionMap.Pairs)
                {
                    if (Key(key, owner, "language key") is not { } digit)
                    {
                        continue;
                    }

                    if (!seen.Add(digit))
                    {
                        Error(key, $"{owner}: language key \"{digit}\" is written twice");
                        continue;
                    }

                    if (Text(new YPair(key, value), owner) is not { } code)
                    {
                        continue;
                    }

                    if (!IsLanguage(code))
                    {
                        Error(value, $"{owner}: language '{code}' is not a language code (en, es, pt-BR, ...)");
                        continue;
                    }

                    options.Add(new LanguageOption(digit, code, At(key)));
                }
            }
        }

        var language = new LanguageStep
        {
            Id = step.Id,
            Span = step.Span,
            Prompt = prompt,
            Options = options,
            Timeout = fields.Get("timeout") is { } timeout ? Duration(timeout, owner) ?? default : TimeSpan.FromSeconds(5),
            MaxTries = fields.Get("max_tries") is { } tries ? Int(tries, owner, 1, 10) ?? 2 : 2,
            Next = Target(step, "next", "next", exits, null),
        };
        return Finish(step, language, exits, waits: true, continues: true);
    }

    private ParsedStep Transfer(StepContext step)
    {
        var owner = step.Owner;
        var kind = TransferKind.Queue;
        var target = string.Empty;
        string? priority = null;
        if (step.KindPair.Value is not YMapping map)
        {
            Error(step.KindPair.Value is YScalar { IsNull: true } ? step.KindPair.Key : step.KindPair.Value,
                $"{owner}: write transfer: {{ queue: <name> }}, {{ extension: \"1000\" }} or {{ agent: \"1001@default\" }}");
        }
        else
        {
            var fields = Fields(map, owner, TransferFields, At(step.KindPair.Key));
            var targets = TransferTargets.Select(fields.Get).OfType<YPair>().OrderBy(p => p.Key.Start.Index).ToList();
            if (targets.Count == 0)
            {
                Error(step.KindPair.Key, $"{owner}: transfer needs one of 'queue', 'extension' or 'agent'");
            }
            else if (targets.Count > 1)
            {
                Error(targets[1].Key, $"{owner}: transfer names both '{targets[0].Key.Value}' and '{targets[1].Key.Value}': write one");
            }

            if (targets.Count > 0 && Text(targets[0], owner) is { })
            {
                var scalar = (YScalar)targets[0].Value;
                kind = targets[0].Key.Value switch
                {
                    "extension" => TransferKind.Extension,
                    "agent" => TransferKind.Agent,
                    _ => TransferKind.Queue,
                };
                target = scalar.Value.Trim();
                if (scalar.Value.StartsWith('='))
                {
                    target = scalar.Value;
                    CheckExpression(scalar, 1, condition: false, $"{owner} transfer {targets[0].Key.Value}");
                }
            }

            if (fields.Get("priority") is { } priorityPair && Text(priorityPair, owner) is { } priorityText)
            {
                var scalar = (YScalar)priorityPair.Value;
                if (targets.Count > 0 && kind != TransferKind.Queue)
                {
                    Error(priorityPair.Key, $"{owner}: 'priority' applies to a queue transfer only");
                }
                else if (scalar.Value.StartsWith('='))
                {
                    priority = scalar.Value;
                    CheckExpression(scalar, 1, condition: false, $"{owner} priority");
                }
                else if (int.TryParse(priorityText, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _))
                {
                    priority = priorityText;
                }
                else
                {
                    Error(priorityPair.Value, $"{owner}: priority '{priorityText}' must be a whole number or an expression written with a leading =");
                }
            }
        }

        return Finish(step, new TransferStep { Id = step.Id, Span = step.Span, Kind = kind, Target = target, Priority = priority }, []);
    }

    private ParsedStep Hangup(StepContext step)
    {
        var cause = "NORMAL_CLEARING";
        if (Scalar(step.KindPair, step.Owner) is { IsNull: false } scalar && scalar.Value.Trim().Length > 0)
        {
            cause = scalar.Value.Trim();
            if (!HangupCauses.Names.Contains(cause))
            {
                Error(scalar, $"{step.Owner}: hangup cause '{cause}' is unknown{Suggest.Hint(cause, HangupCauses.Names)}");
            }
        }

        return Finish(step, new HangupStep { Id = step.Id, Span = step.Span, Cause = cause }, []);
    }

    private ParsedStep Goto(StepContext step)
    {
        var exits = new List<FlowExit>();
        var target = Target(step.KindPair, step.Owner, string.Empty, exits);
        return Finish(step, new GotoStep { Id = step.Id, Span = step.Span, Next = target }, exits);
    }

    private ParsedStep Subflow(StepContext step)
    {
        var exits = new List<FlowExit>();
        var name = Text(step.KindPair, step.Owner);
        var subflow = new SubflowStep { Id = step.Id, Span = step.Span, Flow = name ?? string.Empty, Next = Target(step, "next", "next", exits, null) };
        if (name is not null)
        {
            _flow.Subflows.Add((step.Id, name, At(step.KindPair.Value)));
        }

        return Finish(step, subflow, exits, continues: true);
    }

    /// <summary><c>route: true</c>: the routing rules choose; <c>next</c> is where self-service goes on.</summary>
    private ParsedStep Route(StepContext step)
    {
        if (step.KindPair.Value is not YScalar scalar || !(scalar.IsNull || scalar.Value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase)))
        {
            Error(step.KindPair.Value, $"{step.Owner}: 'route' takes no settings (the rules are in the engine's configuration): write 'route: true'");
        }

        var exits = new List<FlowExit>();
        var next = Target(step, "next", "next", exits, null);
        return Finish(step, new RouteStep { Id = step.Id, Span = step.Span, Next = next }, exits, continues: true);
    }

    private ParsedStep Return(StepContext step)
    {
        if (step.KindPair.Value is not YScalar scalar || !(scalar.IsNull || scalar.Value.Trim().Equals("true", StringComparison.OrdinalIgnoreCase)))
        {
            Error(step.KindPair.Value, $"{step.Owner}: 'return' takes no settings: write 'return: true'");
        }

        return Finish(step, new ReturnStep { Id = step.Id, Span = step.Span }, []);
    }
}
