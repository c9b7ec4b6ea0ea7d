using IvrEngine.Calls;

namespace IvrEngine.Ivr;

/// <summary>What may ride on a call, per transport (section <c>Flows:Budgets</c>). The full client card stays in the
/// store; what rides on the call is checked against these when flows load (a flow whose worst case does not fit is
/// refused) and again when it is sent (a value over its cap is cut and logged).</summary>
public sealed class CallBudgetsOptions
{
    /// <summary>The section, under <see cref="FlowsOptions.Section"/>.</summary>
    public const string Section = "Budgets";

    /// <summary>The size a set value without a known bound (an expression without <c>max</c>) may have on the call,
    /// in UTF-8 bytes; it is cut to this when attached.</summary>
    public int UnboundedValueBytes { get; set; } = IvrEngine.Scripts.FlowSet.DefaultUnboundedValueBytes;

    /// <summary>Channel variables: every variable the engine sets before a transfer.</summary>
    public ChannelVariablesBudget ChannelVariables { get; set; } = new();

    /// <summary>SIP headers on the INVITE to the agent's phone (<c>sip_h_X-IVR-...</c>).</summary>
    public SipHeadersBudget SipHeaders { get; set; } = new();

    /// <summary>The UUI form (<c>ivr_uui</c>, and the SIP <c>User-to-User</c> header).</summary>
    public UuiBudget Uui { get; set; } = new();
}

/// <summary>The channel variables' budget.</summary>
public sealed class ChannelVariablesBudget
{
    /// <summary>The most UTF-8 bytes one context value (<c>ivr_*</c>) may have; a longer one is cut.</summary>
    public int ValueBytes { get; set; } = 256;

    /// <summary>The most bytes of everything the engine sets on the call before a transfer, counted as name plus
    /// value of each variable (context values, headers, the UUI, <c>cc_export_vars</c> and the like).</summary>
    public int TotalBytes { get; set; } = 4096;
}

/// <summary>The SIP headers' budget, and which values ride as headers.</summary>
public sealed class SipHeadersBudget
{
    /// <summary>The header the UUI form rides in (<see cref="UuiBudget.SipHeader"/>); no other header may take it.</summary>
    public const string UuiHeader = "User-to-User";

    /// <summary>False: no <c>X-IVR-*</c> header is set (the UUI header has its own switch).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Header name to the context variable it carries. Settings add to these defaults (the header names
    /// the shipped dialplan used to set); an empty variable takes a default header out.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["X-IVR-Context-Id"] = ContextVariables.ContextId,
        ["X-IVR-Flow"] = ContextVariables.Flow,
        ["X-IVR-CTI-Code"] = ContextVariables.CtiCode,
        ["X-IVR-Client-Id"] = ContextVariables.ClientId,
        ["X-IVR-Priority"] = ContextVariables.TransferPriority,
    };

    /// <summary>The most bytes of one header line, name and <c>": "</c> included (not the line end).</summary>
    public int LineBytes { get; set; } = 256;

    /// <summary>The most bytes of all the engine's header lines together, the UUI header included. An INVITE
    /// with its SDP is about a kilobyte already; RFC 3261 moves a request over 1300 bytes from UDP to TCP.</summary>
    public int TotalBytes { get; set; } = 768;
}

/// <summary>The UUI form's budget and fields.</summary>
public sealed class UuiBudget
{
    /// <summary>False: no UUI form is built.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Key in the form to the context variable it carries, written in key order. Settings add to these
    /// defaults; an empty variable takes a default field out.</summary>
    public Dictionary<string, string> Fields { get; set; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["c"] = ContextVariables.ContextId,
        ["f"] = ContextVariables.Flow,
        ["i"] = ContextVariables.ClientId,
        ["p"] = ContextVariables.TransferPriority,
        ["t"] = ContextVariables.CtiCode,
    };

    /// <summary>The most bytes of the form (ISDN user-to-user information carries at most 128).</summary>
    public int MaxBytes { get; set; } = 128;

    /// <summary>Also send the form, hex-encoded, as the SIP <c>User-to-User</c> header (RFC 7433).</summary>
    public bool SipHeader { get; set; } = true;
}
