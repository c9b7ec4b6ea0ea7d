using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using IvrEngine.Calls;
using IvrEngine.Profiles;

namespace IvrEngine.Dialer;

/// <summary>The <c>originate</c> that dials a contact: the contact's leg with the campaign's caller id and ring time, the
/// attempt's uuid and the variables that tell the engine, when the answered call reaches its socket, which campaign,
/// contact and attempt it is; then the engine's own socket as the answered call's application, so the call runs its
/// flow exactly as an incoming call does.</summary>
public static partial class OriginateCommand
{
    /// <summary>The <c>originate</c> arguments (without the word itself): <c>{...}dialstring '&amp;socket(host:port async full)'</c>.
    /// Throws <see cref="ArgumentException"/> for a number or caller id that could break out of its place.</summary>
    public static string For(OutboundCampaign campaign, CampaignContact contact, string socketAddress)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(contact);
        if (!DialableNumber().IsMatch(contact.Phone)) throw new ArgumentException($"Contact {contact.Id}: '{contact.Phone}' is not a number that can be dialed (digits, +, letters, '.', '-', '_').", nameof(contact));
        if (!DialableNumber().IsMatch(campaign.CallerIdNumber)) throw new ArgumentException($"Campaign {campaign.Id}: caller id '{campaign.CallerIdNumber}' is not a number.", nameof(campaign));
        if (!SocketAddress().IsMatch(socketAddress)) throw new ArgumentException($"'{socketAddress}' is not host:port.", nameof(socketAddress));
        if (contact.CallUuid is null || !Guid.TryParse(contact.CallUuid, out _)) throw new ArgumentException($"Contact {contact.Id} has no call uuid for the attempt.", nameof(contact));

        var variables = new StringBuilder("{");
        Add(variables, "origination_uuid", contact.CallUuid);
        Add(variables, "origination_caller_id_number", campaign.CallerIdNumber);
        if (!string.IsNullOrWhiteSpace(campaign.CallerIdName)) Add(variables, "origination_caller_id_name", Quoted(campaign.CallerIdName));
        Add(variables, "originate_timeout", campaign.RingSeconds.ToString(CultureInfo.InvariantCulture));
        Add(variables, DialedCall.Variables.Campaign, campaign.Id);
        Add(variables, DialedCall.Variables.Contact, contact.Id.ToString());
        Add(variables, DialedCall.Variables.Attempt, contact.Attempts.ToString(CultureInfo.InvariantCulture));
        Add(variables, DialedCall.Variables.Number, contact.Phone);
        if (contact.ClientId is { } client) Add(variables, DialedCall.Variables.Client, client.ToString());
        if (!CardNumber().IsMatch(campaign.CardDnis)) throw new ArgumentException($"Campaign {campaign.Id}: card number '{campaign.CardDnis}' has characters a channel variable cannot carry.", nameof(campaign));
        Add(variables, DialedCall.Variables.Card, campaign.CardDnis);
        if (campaign.Flow is { Length: > 0 } flow)
        {
            if (!CardNumber().IsMatch(flow)) throw new ArgumentException($"Campaign {campaign.Id}: flow name '{flow}' has characters a channel variable cannot carry.", nameof(campaign));
            Add(variables, DialedCall.Variables.Flow, flow);
        }
        variables[^1] = '}';
        var dial = campaign.DialString.Replace("{number}", contact.Phone, StringComparison.Ordinal);
        // Quoted: originate splits its arguments at spaces, and an unquoted application would get "host:port" alone
        // (a static, single-channel socket; recorded from FreeSWITCH, docs/event-socket.md).
        return $"{variables}{dial} '&socket({socketAddress} async full)'";
    }

    private static void Add(StringBuilder variables, string name, string value) => variables.Append(name).Append('=').Append(value).Append(',');

    /// <summary>A caller name in single quotes (FreeSWITCH keeps commas and spaces inside them), with only characters
    /// that cannot end the quotes or the variable list.</summary>
    private static string Quoted(string name)
    {
        var kept = new string([.. name.Where(c => char.IsLetterOrDigit(c) || c is ' ' or '.' or '-' or '_')]).Trim();
        return "'" + kept + "'";
    }

    /// <summary>Dial strings checked by the campaign's validation: <c>{number}</c> once, and nothing that ends the
    /// originate's first argument.</summary>
    public static bool IsDialString(string? dialString) =>
        dialString is not null && dialString.Split("{number}").Length == 2
        && !dialString.Replace("{number}", string.Empty, StringComparison.Ordinal).Any(c => char.IsWhiteSpace(c) || c is '&' or '{' or '}' or '\'' or '"' or ',');

    [GeneratedRegex(@"^\+?[0-9A-Za-z_.\-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex DialableNumber();

    [GeneratedRegex(@"^[0-9A-Za-z_.+\-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex CardNumber();

    [GeneratedRegex(@"^[0-9A-Za-z.\-]+:[0-9]{1,5}\z", RegexOptions.CultureInvariant)]
    private static partial Regex SocketAddress();
}
