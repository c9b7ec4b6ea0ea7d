using System.Globalization;
using IvrEngine.Calls;
using IvrEngine.Scripts;
using Microsoft.Extensions.Options;

namespace IvrEngine.Ivr;

/// <summary>The scripted flows' settings: section <c>Flows</c> of appsettings.json, or environment variables such as
/// <c>Flows__Path=/etc/ivrengine/flows</c>.</summary>
public sealed class FlowsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Flows";

    /// <summary>The folder of flow files (<c>*.yaml</c>); a relative path is under the host's content root (the engine's
    /// folder; the project folder in Development).</summary>
    public string Path { get; set; } = "flows";

    /// <summary>Where FreeSWITCH sees <see cref="Path"/>, when it runs on another machine or in a container: a prompt
    /// file under the flows folder is handed to FreeSWITCH with the folder replaced by this prefix. Empty: the engine's
    /// own absolute path is handed on.</summary>
    public string? FreeSwitchPromptPath { get; set; }

    /// <summary>The dialplan extension a queue transfer goes to; <c>{0}</c> is the queue's name.</summary>
    public string QueueExtension { get; set; } = "queue_{0}";

    /// <summary>The dialplan extension an agent transfer goes to; <c>{0}</c> is the agent's id.</summary>
    public string AgentExtension { get; set; } = "agent_{0}";

    /// <summary>The dialplan context of every transfer (queue, extension, agent).</summary>
    public string TransferContext { get; set; } = "default";

    /// <summary>How long the flows folder must be quiet after a change before it is reloaded (an editor's save is
    /// often several writes); 0 reloads at the first change.</summary>
    public int ReloadQuietMilliseconds { get; set; } = 300;

    /// <summary>What may ride on a call, per transport (<c>Flows:Budgets</c>).</summary>
    public CallBudgetsOptions Budgets { get; set; } = new();

    /// <summary>The flows folder as an absolute path: <see cref="Path"/> against <paramref name="baseDirectory"/>.</summary>
    public string FullPath(string baseDirectory) => System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, Path));
}

/// <summary>Checks the flows settings at start, with messages an admin can act on.</summary>
public sealed class FlowsOptionsValidator : IValidateOptions<FlowsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, FlowsOptions options)
    {
        var failures = Check(options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Every problem with <paramref name="options"/>, one message each; empty when they are fine.</summary>
    public static IReadOnlyList<string> Check(FlowsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = FlowsOptions.Section;
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            failures.Add($"{S}:Path is empty; give the folder of the flow files (e.g. \"flows\").");
        }
        else if (options.Path.AsSpan().IndexOfAny(System.IO.Path.GetInvalidPathChars()) >= 0)
        {
            failures.Add($"{S}:Path \"{options.Path}\" holds characters a path cannot hold.");
        }

        if (!string.IsNullOrEmpty(options.FreeSwitchPromptPath) && !IsWord(options.FreeSwitchPromptPath))
        {
            failures.Add($"{S}:FreeSwitchPromptPath \"{options.FreeSwitchPromptPath}\" must be one word without spaces (FreeSWITCH takes it in a space-separated argument).");
        }

        CheckExtension(failures, $"{S}:QueueExtension", options.QueueExtension, "queue_{0}");
        CheckExtension(failures, $"{S}:AgentExtension", options.AgentExtension, "agent_{0}");
        if (string.IsNullOrEmpty(options.TransferContext) || !IsWord(options.TransferContext))
        {
            failures.Add($"{S}:TransferContext \"{options.TransferContext}\" must be a dialplan context name, one word (e.g. \"default\").");
        }

        if (options.ReloadQuietMilliseconds is < 0 or > 60_000)
        {
            failures.Add($"{S}:ReloadQuietMilliseconds is {options.ReloadQuietMilliseconds}; give 0 to 60000 (300 is a good value).");
        }

        CheckBudgets(failures, options.Budgets);
        return failures;
    }

    private static void CheckBudgets(List<string> failures, CallBudgetsOptions? budgets)
    {
        const string B = FlowsOptions.Section + ":" + CallBudgetsOptions.Section;
        if (budgets is null)
        {
            failures.Add($"{B} is empty; leave it out for the defaults.");
            return;
        }

        var channel = budgets.ChannelVariables ?? new ChannelVariablesBudget();
        Range(failures, CallBudget.ValueBytesSetting, channel.ValueBytes, CallBudget.MinValueBytes, 8192, "256");
        Range(failures, CallBudget.ChannelTotalSetting, channel.TotalBytes, 1024, 1_048_576, "4096");
        Range(failures, $"{B}:UnboundedValueBytes", budgets.UnboundedValueBytes, 1, Math.Max(1, channel.ValueBytes), "64");

        var sip = budgets.SipHeaders ?? new SipHeadersBudget();
        Range(failures, CallBudget.LineBytesSetting, sip.LineBytes, 32, 1024, "256");
        Range(failures, CallBudget.SipTotalSetting, sip.TotalBytes, 64, 8192, "768");
        foreach (var (header, variable) in sip.Headers ?? [])
        {
            var key = $"{B}:SipHeaders:Headers:{header}";
            if (!CallBudget.IsHeaderName(header))
            {
                failures.Add($"{key}: \"{header}\" is not a header name (letters, digits and '-', e.g. \"X-IVR-Flow\").");
            }
            else if (string.Equals(header, SipHeadersBudget.UuiHeader, StringComparison.OrdinalIgnoreCase))
            {
                failures.Add($"{key}: the UUI form takes {SipHeadersBudget.UuiHeader} ({B}:Uui:SipHeader); name another header.");
            }

            CheckCarried(failures, key, variable);
        }

        var uui = budgets.Uui ?? new UuiBudget();
        Range(failures, CallBudget.UuiBytesSetting, uui.MaxBytes, 16, CallBudget.MaxUuiBytes, "128");
        foreach (var (field, variable) in uui.Fields ?? [])
        {
            var key = $"{B}:Uui:Fields:{field}";
            if (!CallBudget.IsUuiKey(field))
            {
                failures.Add($"{key}: \"{field}\" is not a UUI key (1 to 16 letters, digits, '_', '-' or '.', e.g. \"c\").");
            }

            CheckCarried(failures, key, variable);
        }
    }

    private static void CheckCarried(List<string> failures, string key, string? variable)
    {
        // Empty: a default taken out.
        if (!string.IsNullOrEmpty(variable) && !CallBudget.IsCarriedVariable(variable))
        {
            failures.Add($"{key}: \"{variable}\" is not a context variable ({ContextContract.Prefix} and letters, digits, '_' or '-', e.g. \"{ContextVariables.ClientId}\"; not {ContextVariables.Uui} or {ContextVariables.ExportExtra}).");
        }
    }

    private static void Range(List<string> failures, string key, int value, int min, int max, string good)
    {
        if (value < min || value > max)
        {
            failures.Add($"{key} is {value}; give {min} to {max} ({good} is a good value).");
        }
    }

    private static void CheckExtension(List<string> failures, string key, string? value, string example)
    {
        if (string.IsNullOrEmpty(value) || !IsWord(value))
        {
            failures.Add($"{key} \"{value}\" must be one word without spaces, with {{0}} where the name goes (e.g. \"{example}\").");
            return;
        }

        if (!value.Contains("{0}", StringComparison.Ordinal))
        {
            failures.Add($"{key} \"{value}\" has no {{0}}: every transfer would reach the same extension (e.g. \"{example}\").");
            return;
        }

        try
        {
            _ = string.Format(CultureInfo.InvariantCulture, value, "x");
        }
        catch (FormatException)
        {
            failures.Add($"{key} \"{value}\" is not a valid pattern: only {{0}} may appear in braces (e.g. \"{example}\").");
        }
    }

    private static bool IsWord(string value)
    {
        foreach (var c in value)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c)) return false;
        }

        return !value.Contains("${", StringComparison.Ordinal);
    }
}
