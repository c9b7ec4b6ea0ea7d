namespace IvrEngine.Calls;

/// <summary>Who the IVR found on a call, as the context API shows it.</summary>
/// <param name="ClientId">The client's card, when one was found.</param>
/// <param name="Code">The CTI code (V, E, R, N, ...).</param>
/// <param name="Reason">Why that code.</param>
/// <param name="MatchedBy">phone, account, card or none.</param>
public sealed record CallClientContext(Guid? ClientId, string Code, string Reason, string MatchedBy);

/// <summary>What the IVR did on a call, as it stood when the caller was handed on: an agent's card shows it until the
/// call's record is written (after the IVR is done, which can be after the queue has offered the call).</summary>
/// <param name="Steps">The steps run, in order.</param>
/// <param name="Keyed">The run's variables, collected values masked.</param>
public sealed record CallIvrTrail(IReadOnlyList<string> Steps, IReadOnlyDictionary<string, string> Keyed);

/// <summary>Where the engine reports a call's context (the client found and the variables attached), so agents can
/// read and edit it while the call lives. Implemented by the web layer; the IVR calls it once per call.</summary>
public interface ICallContextSink
{
    /// <summary>Starts tracking a call. Returns the call to run the IVR on: variables set through it are recorded and
    /// carry <c>ivr_context_id</c> (<see cref="ITrackedCall.ContextId"/>) to the channel.</summary>
    /// <param name="liveCall">The call.</param>
    /// <param name="client">Who the IVR found so far (asked when the context is read while the IVR runs, and once more
    /// when it leaves: see <see cref="ITrackedCall.LeftIvr"/>).</param>
    ITrackedCall Track(ICall liveCall, Func<CallClientContext?> client);
}

/// <summary>A call whose context is tracked.</summary>
public interface ITrackedCall : ICall
{
    /// <summary>The id of the call's context (and of its interaction record).</summary>
    Guid ContextId { get; }

    /// <summary>The IVR is done with the call (transferred, hung up, failed): the context keeps who was found as it
    /// stands now and lets go of the client provider given to <see cref="ICallContextSink.Track"/>, which may hold the
    /// IVR's whole lookup (the client's card). The context then counts as one whose IVR ended: it is among the first
    /// to go when the contexts are over their bounds.</summary>
    void LeftIvr();

    /// <summary>The IVR is handing the caller on (before the transfer is asked for): what it did so far.</summary>
    void ShowTrail(CallIvrTrail trail)
    {
    }
}
