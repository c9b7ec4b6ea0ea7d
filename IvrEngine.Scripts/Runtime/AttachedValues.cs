namespace IvrEngine.Scripts.Runtime;

/// <summary>The sizes of the kinds of values the interpreter attaches to a call, in UTF-8 bytes. Which variable has
/// which cap is in <see cref="ContextContract"/>; every value is made safe and cut by <see cref="ChannelValue"/>.</summary>
public static class AttachedValues
{
    /// <summary>A flow or sub-flow name as attached (<c>ivr_flow</c>), and a step id: at most 100 characters, all ASCII.</summary>
    public const int NameBytes = 100;

    /// <summary>A language code from the client's profile (<c>ivr_language</c>); the flow's own codes are shorter.</summary>
    public const int LanguageBytes = 16;

    /// <summary>The customer-type code (<c>ivr_cti_code</c>): one letter, a few in deployments that add their own.</summary>
    public const int CtiCodeBytes = 8;

    /// <summary>Why the caller got the code (<c>ivr_cti_reason</c>), and why a routing rule chose
    /// (<c>ivr_route_reason</c>): one line for the agent.</summary>
    public const int ReasonBytes = 128;

    /// <summary>How the caller was identified (<c>ivr_matched_by</c>): phone, account, card, none.</summary>
    public const int MatchedByBytes = 16;

    /// <summary>The client's id in the store (<c>ivr_client_id</c>): a GUID, 36 characters.</summary>
    public const int ClientIdBytes = 36;

    /// <summary>Free text from the client's record (<c>ivr_client_name</c>) and names the routing rules give
    /// (<c>ivr_manager</c>, <c>ivr_route_rule</c>, <c>ivr_fallback_queue</c>).</summary>
    public const int NameTextBytes = 64;

    /// <summary>The client's category (<c>ivr_category</c>).</summary>
    public const int CategoryBytes = 32;

    /// <summary><c>ivr_overdue</c>: true or false.</summary>
    public const int OverdueBytes = 5;

    /// <summary>A whole number (<c>ivr_transfer_priority</c>): <c>-2147483648</c> at most.</summary>
    public const int NumberBytes = 11;

    /// <summary>A collect step's <c>&lt;into&gt;_status</c>: ok, no-input, invalid.</summary>
    public const int StatusBytes = 8;

    /// <summary>True when the value is only ASCII letters, digits and <c>- _ . / * #</c>
    /// (<see cref="FlowAttachedValue.Token"/>).</summary>
    public static bool IsToken(string value) =>
        value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/' or '*' or '#');
}
