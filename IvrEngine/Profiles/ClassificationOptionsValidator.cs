using Microsoft.Extensions.Options;

namespace IvrEngine.Profiles;

/// <summary>Checks the classification settings at start, so a bad rule stops the engine with a plain message
/// instead of mislabelling callers.</summary>
public sealed class ClassificationOptionsValidator : IValidateOptions<ClassificationOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, ClassificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem with <paramref name="options"/>, one message each; empty when they are fine.</summary>
    public static IReadOnlyList<string> Check(ClassificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = ClassificationOptions.Section;
        var failures = new List<string>();
        if (options.RepeatWindow < TimeSpan.Zero)
        {
            failures.Add($"{S}:RepeatWindow is negative ({options.RepeatWindow}); give a duration such as \"1.00:00:00\" (24 h).");
        }

        if (!IsCodeLetter(options.UnknownCode))
        {
            failures.Add($"{S}:UnknownCode \"{options.UnknownCode}\" must be one uppercase letter A-Z (normally N).");
        }

        if (string.IsNullOrWhiteSpace(options.UnknownReason))
        {
            failures.Add($"{S}:UnknownReason is empty; say why the caller has this code (e.g. \"no record for this number or account\").");
        }

        if (options.Rules is null)
        {
            return failures;
        }

        int? catchAll = null;
        for (var i = 0; i < options.Rules.Count; i++)
        {
            var rule = options.Rules[i];
            var at = $"{S}:Rules:{i}";
            if (rule is null)
            {
                failures.Add($"{at} is empty.");
                continue;
            }

            if (!IsCodeLetter(rule.Code))
            {
                failures.Add($"{at}:Code \"{rule.Code}\" must be one uppercase letter A-Z (N, E, R, V, T or a letter the deployment adds).");
            }
            else if (IsCodeLetter(options.UnknownCode) && rule.Code == options.UnknownCode)
            {
                failures.Add($"{at}:Code \"{rule.Code}\" is the code of callers without a record ({S}:UnknownCode); a rule classifies known clients, pick another letter.");
            }

            if (string.IsNullOrWhiteSpace(rule.Reason))
            {
                failures.Add($"{at}:Reason is empty; every code must say why (e.g. \"category VIP\").");
            }
            else
            {
                foreach (var unknown in ClassificationReasons.UnknownPlaceholders(rule.Reason))
                {
                    failures.Add($"{at}:Reason has the unknown placeholder {{{unknown}}}; known: {string.Join(", ", ClassificationReasons.Placeholders.Select(p => "{" + p + "}"))}.");
                }
            }

            if (rule.MinOverdue < 0)
            {
                failures.Add($"{at}:MinOverdue is negative ({rule.MinOverdue}); leave it out to ignore the overdue amount.");
            }

            if (rule.ContactedWithin < TimeSpan.Zero)
            {
                failures.Add($"{at}:ContactedWithin is negative ({rule.ContactedWithin}); give a duration such as \"1.00:00:00\" (24 h).");
            }

            CheckList(failures, $"{at}:Categories", rule.Categories);
            CheckList(failures, $"{at}:Languages", rule.Languages);
            CheckList(failures, $"{at}:Dnis", rule.Dnis);

            if (catchAll is int first)
            {
                failures.Add($"{at} ({Label(rule)}) can never match: {S}:Rules:{first} ({Label(options.Rules[first])}) has no conditions and already matches every known client; move it last.");
            }
            else if (rule.IsCatchAll)
            {
                catchAll = i;
            }
        }

        return failures;
    }

    private static string Label(ClassificationRule rule) => rule.Name ?? rule.Code;

    private static void CheckList(List<string> failures, string at, List<string>? values)
    {
        if (values is null)
        {
            return;
        }

        if (values.Count == 0)
        {
            failures.Add($"{at} is an empty list and would match nothing; leave it out to ignore it.");
        }
        else if (values.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{at} holds an empty entry.");
        }
    }

    private static bool IsCodeLetter(string? code) => code is { Length: 1 } && code[0] is >= 'A' and <= 'Z';
}
