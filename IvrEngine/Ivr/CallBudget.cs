using IvrEngine.Calls;
using IvrEngine.Scripts;
using IvrEngine.Scripts.Runtime;

namespace IvrEngine.Ivr;

/// <summary>What rides on a call, per transport, and how large it may be (<see cref="CallBudgetsOptions"/>): the one
/// place that knows how the context becomes channel variables, SIP headers and the UUI form. Flows are checked
/// against it when they load (<see cref="Check"/>: the worst case of each flow); the adapter shapes every transfer
/// with it (<see cref="CapOf"/>, <see cref="SipHeaders"/>, <see cref="Uui"/>), so what is sent never exceeds what
/// was checked.</summary>
/// <remarks>
/// Sizes, in UTF-8 bytes:
/// <list type="bullet">
/// <item>channel variables: each context value (<c>ivr_*</c>) at most <see cref="ChannelVariablesBudget.ValueBytes"/>;
/// everything the engine sets before a transfer, counted as name plus value, at most
/// <see cref="ChannelVariablesBudget.TotalBytes"/> (context values, <c>cc_base_score</c>, the header variables,
/// <c>ivr_uui</c>, and the two lists of names, <c>cc_export_vars</c> and <c>ivr_export_extra</c>);</item>
/// <item>SIP headers: each line, <c>Name: value</c>, at most <see cref="SipHeadersBudget.LineBytes"/> (the value is cut
/// to fit); all of them with the UUI header at most <see cref="SipHeadersBudget.TotalBytes"/>;</item>
/// <item>the UUI form at most <see cref="UuiBudget.MaxBytes"/> (a field that would not fit is left out whole: half an
/// id is worse than none).</item>
/// </list>
/// </remarks>
public sealed class CallBudget : IFlowBudget
{
    /// <summary>The smallest per-value cap allowed: the longest contract value (a reason line) fits whole.</summary>
    internal const int MinValueBytes = AttachedValues.ReasonBytes;

    /// <summary>ISDN user-to-user information carries at most 128 bytes.</summary>
    internal const int MaxUuiBytes = ContextContract.UuiBytes;

    /// <summary>FreeSWITCH sends a channel variable named <c>sip_h_X</c> as the SIP header <c>X</c> of the INVITE.</summary>
    internal const string HeaderVariablePrefix = "sip_h_";

    /// <summary>The variable of the UUI header.</summary>
    internal const string UuiHeaderVariable = HeaderVariablePrefix + SipHeadersBudget.UuiHeader;

    private const string B = FlowsOptions.Section + ":" + CallBudgetsOptions.Section;

    /// <summary>The settings the limits come from, as messages name them.</summary>
    internal const string ValueBytesSetting = B + ":ChannelVariables:ValueBytes";
    internal const string ChannelTotalSetting = B + ":ChannelVariables:TotalBytes";
    internal const string LineBytesSetting = B + ":SipHeaders:LineBytes";
    internal const string SipTotalSetting = B + ":SipHeaders:TotalBytes";
    internal const string UuiBytesSetting = B + ":Uui:MaxBytes";

    private readonly int _valueBytes;
    private readonly int _totalBytes;
    private readonly int _lineBytes;
    private readonly int _sipTotalBytes;
    private readonly int _uuiBytes;
    private readonly bool _uuiHeader;

    /// <summary>A budget of these settings (validated by <see cref="FlowsOptionsValidator"/>).</summary>
    public CallBudget(CallBudgetsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var channel = options.ChannelVariables ?? new ChannelVariablesBudget();
        var sip = options.SipHeaders ?? new SipHeadersBudget();
        var uui = options.Uui ?? new UuiBudget();
        _valueBytes = channel.ValueBytes;
        _totalBytes = channel.TotalBytes;
        _lineBytes = sip.LineBytes;
        _sipTotalBytes = sip.TotalBytes;
        _uuiBytes = uui.MaxBytes;
        _uuiHeader = uui.Enabled && uui.SipHeader;
        UnboundedValueBytes = options.UnboundedValueBytes;
        Headers = sip.Enabled
            ? [.. (sip.Headers ?? []).Where(h => !string.IsNullOrEmpty(h.Value)).OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase)]
            : [];
        UuiFields = uui.Enabled
            ? [.. (uui.Fields ?? []).Where(f => !string.IsNullOrEmpty(f.Value)).OrderBy(f => f.Key, StringComparer.Ordinal)]
            : [];
    }

    /// <summary>The size a set value without a known bound may have (<see cref="CallBudgetsOptions.UnboundedValueBytes"/>).</summary>
    public int UnboundedValueBytes { get; }

    /// <summary>The SIP headers set (header name to context variable), in header order; empty when off.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The UUI form's fields (key to context variable), in key order; empty when off.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> UuiFields { get; }

    /// <summary>The most bytes of everything set on the call before a transfer (name plus value each).</summary>
    public int TotalBytes => _totalBytes;

    /// <summary>The load options that check flows against this budget.</summary>
    public FlowLoadOptions LoadOptions(bool checkPromptFiles = true) =>
        new() { CheckPromptFiles = checkPromptFiles, UnboundedValueBytes = UnboundedValueBytes, Budget = this };

    /// <summary>True for a context value, which has a cap: an <c>ivr_*</c> variable other than the lists and the form.</summary>
    public static bool IsContextValue(string name) =>
        name.StartsWith(ContextContract.Prefix, StringComparison.Ordinal) && name != ContextVariables.ExportExtra && name != ContextVariables.Uui;

    /// <summary>The most bytes a context value may have as sent: its contract cap, never more than
    /// <see cref="ChannelVariablesBudget.ValueBytes"/>.</summary>
    public int CapOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Math.Min(ContextContract.CapOf(name) ?? _valueBytes, _valueBytes);
    }

    /// <summary>The header variables for these values (<c>sip_h_X-IVR-Flow</c> to the value, cut to fit its line),
    /// in header order; a header whose variable has no value is not set. <paramref name="cut"/> gets the headers
    /// whose value was cut.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> SipHeaders(IReadOnlyDictionary<string, string> values, ICollection<string> cut)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(cut);
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var (header, variable) in Headers)
        {
            if (!values.TryGetValue(variable, out var value) || value.Length == 0) continue;
            var fitted = ChannelValue.Sanitize(value, Math.Max(0, _lineBytes - header.Length - 2), out var wasCut);
            if (wasCut) cut.Add(header);
            if (fitted.Length > 0) headers.Add(new(HeaderVariablePrefix + header, fitted));
        }

        return headers;
    }

    /// <summary>The bytes of a header line for this header variable and value: <c>Name: value</c>.</summary>
    public static int LineBytes(string headerVariable, string value) =>
        headerVariable.Length - HeaderVariablePrefix.Length + 2 + ChannelValue.Bytes(value);

    /// <summary>The SIP headers' budget, all lines together.</summary>
    public int SipTotalBytes => _sipTotalBytes;

    /// <summary>The UUI form for these values, in key order; a field that would take the form over
    /// <see cref="UuiBudget.MaxBytes"/> is left out whole and named in <paramref name="leftOut"/>. Empty when off or
    /// when no field has a value.</summary>
    public string Uui(IReadOnlyDictionary<string, string> values, ICollection<string> leftOut)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(leftOut);
        var fields = new List<KeyValuePair<string, string>>();
        var bytes = 0;
        foreach (var (key, variable) in UuiFields)
        {
            if (!values.TryGetValue(variable, out var value) || value.Length == 0) continue;
            var field = (fields.Count == 0 ? 0 : 1) + key.Length + 1 + UuiForm.EncodedBytes(value);
            if (bytes + field > _uuiBytes)
            {
                leftOut.Add(key);
                continue;
            }

            fields.Add(new(key, value));
            bytes += field;
        }

        return UuiForm.Format(fields);
    }

    /// <summary>True when the UUI form also rides as the SIP <c>User-to-User</c> header.</summary>
    public bool UuiHeader => _uuiHeader;

    /// <inheritdoc />
    public IReadOnlyList<FlowBudgetProblem> Check(FlowAttachmentPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var problems = new List<FlowBudgetProblem>();
        var values = plan.Values.ToDictionary(v => v.Name, StringComparer.Ordinal);
        void Engine(string name)
        {
            var bytes = ContextContract.Cap(name);
            var token = ContextContract.Find(name)!.Token;
            if (!values.TryGetValue(name, out var flows) || flows.MaxBytes < bytes)
            {
                values[name] = new FlowAttachedValue(name, bytes, token && (flows?.Token ?? true), "the engine", flows?.Span ?? IvrEngine.Scripts.Model.SourceSpan.None, flows?.WrittenByFlow ?? false);
            }
        }

        Engine(ContextVariables.ContextId);
        if (values.ContainsKey(ContextVariables.CtiCode))
        {
            // The engine adds these after a lookup.
            Engine(ContextVariables.Campaign);
            Engine(ContextVariables.NewCallerNumber);
        }

        // One value: over its cap it would be cut; a flow must not ask for more than a value may have.
        var bound = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var value in values.Values)
        {
            if (value.MaxBytes > _valueBytes)
            {
                problems.Add(new FlowBudgetProblem(value.Name, ValueBytesSetting, value.MaxBytes, _valueBytes, [], value.Name));
            }

            bound[value.Name] = Math.Min(value.MaxBytes, _valueBytes);
        }

        // SIP header lines.
        var sipParts = new List<FlowBudgetPart>();
        var headerVariables = new List<FlowBudgetPart>();
        foreach (var (header, variable) in Headers)
        {
            if (!bound.TryGetValue(variable, out var bytes)) continue;
            var line = header.Length + 2 + bytes;
            if (line > _lineBytes)
            {
                problems.Add(new FlowBudgetProblem($"the SIP header {header}", LineBytesSetting, line, _lineBytes, [], variable));
                line = _lineBytes;
            }

            sipParts.Add(new FlowBudgetPart(header, line, variable, values[variable].Origin));
            headerVariables.Add(new FlowBudgetPart(HeaderVariablePrefix + header, HeaderVariablePrefix.Length + line - 2, variable, values[variable].Origin));
        }

        // The UUI form.
        var uuiParts = new List<FlowBudgetPart>();
        foreach (var (key, variable) in UuiFields)
        {
            if (!values.TryGetValue(variable, out var value)) continue;
            var encoded = value.Token ? bound[variable] : 3 * bound[variable];
            uuiParts.Add(new FlowBudgetPart($"{key}={variable}", key.Length + 1 + encoded, variable, value.Origin));
        }

        var uui = uuiParts.Count == 0 ? 0 : uuiParts.Sum(p => p.Bytes) + uuiParts.Count - 1;
        if (uui > _uuiBytes)
        {
            problems.Add(new FlowBudgetProblem($"the UUI form ({ContextVariables.Uui})", UuiBytesSetting, uui, _uuiBytes, Largest(uuiParts)));
            uui = _uuiBytes;
        }

        if (_uuiHeader && uui > 0)
        {
            sipParts.Add(new FlowBudgetPart(SipHeadersBudget.UuiHeader, SipHeadersBudget.UuiHeader.Length + 2 + UuiForm.HeaderBytes(uui)));
        }

        var sip = sipParts.Sum(p => p.Bytes);
        if (sip > _sipTotalBytes)
        {
            problems.Add(new FlowBudgetProblem("the SIP headers", SipTotalSetting, sip, _sipTotalBytes, Largest(sipParts)));
        }

        // Everything set on the channel, name and value.
        var channel = values.Values.Select(v => new FlowBudgetPart(v.Name, v.Name.Length + bound[v.Name], v.Name, v.Origin)).ToList();
        if (bound.TryGetValue(ContextVariables.TransferPriority, out var priority))
        {
            channel.Add(new FlowBudgetPart(FlowCallAdapter.BaseScoreVariable, FlowCallAdapter.BaseScoreVariable.Length + priority, ContextVariables.TransferPriority,
                values[ContextVariables.TransferPriority].Origin));
        }

        channel.AddRange(headerVariables);
        if (uui > 0)
        {
            channel.Add(new FlowBudgetPart(ContextVariables.Uui, ContextVariables.Uui.Length + uui));
            if (_uuiHeader) channel.Add(new FlowBudgetPart(UuiHeaderVariable, UuiHeaderVariable.Length + UuiForm.HeaderBytes(uui)));
        }

        // cc_export_vars lists every name set but mod_callcenter's own; ivr_export_extra those the dialplan's list lacks.
        var listed = channel.Where(p => !p.Label.StartsWith("cc_", StringComparison.Ordinal)).Select(p => p.Label).ToList();
        channel.Add(new FlowBudgetPart(FlowCallAdapter.ExportVarsVariable, FlowCallAdapter.ExportVarsVariable.Length + ListBytes(listed)));
        var extra = ContextVariables.BeyondDialplanList(listed).ToList();
        if (extra.Count > 0)
        {
            channel.Add(new FlowBudgetPart(ContextVariables.ExportExtra, ContextVariables.ExportExtra.Length + ListBytes(extra)));
        }

        var total = channel.Sum(p => p.Bytes);
        if (total > _totalBytes)
        {
            problems.Add(new FlowBudgetProblem("the channel variables", ChannelTotalSetting, total, _totalBytes, Largest(channel)));
        }

        return problems;
    }

    /// <summary>The bytes of a comma-separated list of names.</summary>
    private static int ListBytes(List<string> names) => names.Sum(n => n.Length) + Math.Max(0, names.Count - 1);

    private static List<FlowBudgetPart> Largest(IEnumerable<FlowBudgetPart> parts) =>
        [.. parts.OrderByDescending(p => p.Bytes).ThenBy(p => p.Label, StringComparer.Ordinal)];

    /// <summary>A header name: letters, digits and <c>-</c>, at most 64.</summary>
    internal static bool IsHeaderName(string name) =>
        name.Length is > 0 and <= 64 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>A UUI key: 1 to 16 letters, digits, <c>_ - .</c> (nothing the form escapes).</summary>
    internal static bool IsUuiKey(string key) =>
        key.Length is > 0 and <= 16 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');

    /// <summary>A context variable a header or a UUI field may carry.</summary>
    internal static bool IsCarriedVariable(string name) =>
        IsContextValue(name) && name.Length > ContextContract.Prefix.Length && name.Length <= ContextContract.Prefix.Length + AttachedValues.NameBytes
        && name.Skip(ContextContract.Prefix.Length).All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
