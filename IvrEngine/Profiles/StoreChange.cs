namespace IvrEngine.Profiles;

/// <summary>Something a shared store (PostgreSQL) changed that every engine's agents and caches must hear about: sent by
/// the engine that wrote it, in the same transaction as the write (PostgreSQL delivers a NOTIFY on commit only), and
/// heard by every engine, the writer too (<see cref="Engine"/> tells). The text form is the NOTIFY's payload:
/// <c>kind|engine|id</c>.</summary>
/// <param name="Kind">What changed (<see cref="StoreChangeKinds"/>).</param>
/// <param name="Engine">The engine that wrote it (Engine:Name).</param>
/// <param name="Id">Which one: a client's or ticket's id, a call's Unique-ID, an agent's name.</param>
public sealed record StoreChange(string Kind, string Engine, string Id)
{
    /// <summary>The channel every engine LISTENs on.</summary>
    public const string Channel = "ivrengine_changes";

    /// <summary>The payload: <c>kind|engine|id</c> (a '|' in the engine's name is replaced; the id may hold one).</summary>
    public string Format() => string.Concat(Kind, "|", Engine.Replace('|', '/'), "|", Id);

    /// <summary>A payload read back; null when it is not one of ours.</summary>
    public static StoreChange? Parse(string? payload)
    {
        if (string.IsNullOrEmpty(payload)) return null;
        var first = payload.IndexOf('|', StringComparison.Ordinal);
        if (first <= 0) return null;
        var second = payload.IndexOf('|', first + 1);
        if (second < 0) return null;
        return new StoreChange(payload[..first], payload[(first + 1)..second], payload[(second + 1)..]);
    }
}

/// <summary>The kinds of <see cref="StoreChange"/>.</summary>
public static class StoreChangeKinds
{
    /// <summary>A client card was added or changed (Id: the client's id).</summary>
    public const string Client = "client";

    /// <summary>A ticket was added or changed (Id: the client's id).</summary>
    public const string Ticket = "ticket";

    /// <summary>A call's interaction record was written or wrapped up (Id: the call's Unique-ID).</summary>
    public const string Interaction = "interaction";

    /// <summary>A user or token was added or changed (Id: the user name).</summary>
    public const string User = "user";

    /// <summary>A campaign or campaign card was added or changed (Id: the dialed number).</summary>
    public const string Campaign = "campaign";

    /// <summary>An outgoing campaign was saved: added, changed, started, paused, resumed or stopped (Id: the campaign's
    /// id). Every engine's dialer reads it again.</summary>
    public const string OutboundCampaign = "outbound-campaign";

    /// <summary>A call's live context was written (Id: the call's Unique-ID).</summary>
    public const string Context = "context";

    /// <summary>A call ended (Id: the call's Unique-ID): its context is gone.</summary>
    public const string CallEnded = "call-ended";

    /// <summary>A call was offered to, taken by, or left an agent (Id: the call's Unique-ID).</summary>
    public const string Offer = "offer";

    /// <summary>Heard after the listener reconnected: changes may have been missed, so everything is read again (Id: empty).</summary>
    public const string Resync = "resync";
}
