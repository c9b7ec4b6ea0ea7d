namespace IvrEngine.Calls;

/// <summary>A call the engine's dialer placed, seen as the IVR sees an incoming one: the contact's number is the
/// caller's (<see cref="Ani"/>, what identification looks up) and the campaign card's number the dialed one
/// (<see cref="Dnis"/>, what selects the flow and the card agents see). The dialer's originate puts both, and which
/// campaign, contact and attempt the call is, in channel variables (<see cref="Variables"/>).</summary>
public sealed class DialedCall : ICall
{
    private readonly ICall _inner;

    private DialedCall(ICall inner, string campaign, Guid contact, Guid? client, string number, string card, string? flow)
    {
        _inner = inner;
        Campaign = campaign;
        Contact = contact;
        Client = client;
        Ani = number;
        Dnis = card;
        Flow = flow;
    }

    /// <summary>The channel variables of a dialed call (named apart from the <c>ivr_*</c> context the engine attaches:
    /// the originate sets them, and they stay on the contact's leg).</summary>
    public static class Variables
    {
        /// <summary>The campaign's id.</summary>
        public const string Campaign = "dialer_campaign";

        /// <summary>The contact's id.</summary>
        public const string Contact = "dialer_contact";

        /// <summary>The attempt's number.</summary>
        public const string Attempt = "dialer_attempt";

        /// <summary>The number dialed (the contact's).</summary>
        public const string Number = "dialer_number";

        /// <summary>The campaign card's number.</summary>
        public const string Card = "dialer_card";

        /// <summary>The flow to run, when the campaign names one.</summary>
        public const string Flow = "dialer_flow";

        /// <summary>The client card the contact is, when the campaign's list knew it (from a query over the store, or a
        /// contact file row whose number is on a card): the caller lookup finds this client, whatever number answered.</summary>
        public const string Client = "dialer_client";
    }

    /// <summary>The campaign's id.</summary>
    public string Campaign { get; }

    /// <summary>The contact's id.</summary>
    public Guid Contact { get; }

    /// <summary>The contact's client card, when the campaign's list knew it; null: the lookup goes by the number.</summary>
    public Guid? Client { get; }

    /// <summary>The flow the campaign names; null: the card number's.</summary>
    public string? Flow { get; }

    /// <summary>The dialed call <paramref name="call"/> is, or null for a call the dialer did not place (or whose
    /// variables are incomplete: it is then served as any call).</summary>
    public static DialedCall? Of(ICall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (call is DialedCall dialed) return dialed;
        var campaign = call.GetVariable(Variables.Campaign);
        var number = call.GetVariable(Variables.Number);
        var card = call.GetVariable(Variables.Card);
        if (string.IsNullOrEmpty(campaign) || string.IsNullOrEmpty(number) || string.IsNullOrEmpty(card)
            || !Guid.TryParse(call.GetVariable(Variables.Contact), out var contact))
        {
            return null;
        }

        var flow = call.GetVariable(Variables.Flow);
        Guid? client = Guid.TryParse(call.GetVariable(Variables.Client), out var id) ? id : null;
        return new DialedCall(call, campaign, contact, client, number, card, string.IsNullOrEmpty(flow) ? null : flow);
    }

    /// <inheritdoc />
    public string Uuid => _inner.Uuid;

    /// <inheritdoc />
    public string Ani { get; }

    /// <inheritdoc />
    public string Dnis { get; }

    /// <inheritdoc />
    public string? CallerName => _inner.CallerName;

    /// <inheritdoc />
    public string? CoreUuid => _inner.CoreUuid;

    /// <inheritdoc />
    public CallState State => _inner.State;

    /// <inheritdoc />
    public CancellationToken HungUp => _inner.HungUp;

    /// <inheritdoc />
    public string? GetVariable(string name) => _inner.GetVariable(name);

    /// <inheritdoc />
    public Task<CallResult> AnswerAsync(CancellationToken cancellationToken = default) => _inner.AnswerAsync(cancellationToken);

    /// <inheritdoc />
    public Task<CallResult> PlayAsync(string prompt, CancellationToken cancellationToken = default) => _inner.PlayAsync(prompt, cancellationToken);

    /// <inheritdoc />
    public Task<CollectResult> PlayAndCollectAsync(CollectRequest request, CancellationToken cancellationToken = default) => _inner.PlayAndCollectAsync(request, cancellationToken);

    /// <inheritdoc />
    public Task<CallResult> SayAsync(SayRequest request, CancellationToken cancellationToken = default) => _inner.SayAsync(request, cancellationToken);

    /// <inheritdoc />
    public Task<CallResult> SetVariablesAsync(IEnumerable<KeyValuePair<string, string>> variables, bool exported = false, CancellationToken cancellationToken = default) =>
        _inner.SetVariablesAsync(variables, exported, cancellationToken);

    /// <inheritdoc />
    public Task<CallResult> UnsetVariablesAsync(IEnumerable<string> names, CancellationToken cancellationToken = default) => _inner.UnsetVariablesAsync(names, cancellationToken);

    /// <inheritdoc />
    public Task<CallResult> TransferAsync(string destination, string dialplan = "XML", string context = "default", CancellationToken cancellationToken = default) =>
        _inner.TransferAsync(destination, dialplan, context, cancellationToken);

    /// <inheritdoc />
    public Task<CallResult> BridgeAsync(string dialString, CancellationToken cancellationToken = default) => _inner.BridgeAsync(dialString, cancellationToken);

    /// <inheritdoc />
    public Task<CallResult> HangupAsync(string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default) => _inner.HangupAsync(cause, cancellationToken);

    /// <inheritdoc />
    public Task<CallResult> SleepAsync(TimeSpan duration, CancellationToken cancellationToken = default) => _inner.SleepAsync(duration, cancellationToken);

    /// <inheritdoc />
    public Task<CallResult> BreakAsync(CancellationToken cancellationToken = default) => _inner.BreakAsync(cancellationToken);
}
