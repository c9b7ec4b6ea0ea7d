using IvrEngine.Scripts.Expressions;
using IvrEngine.Scripts.Model;

namespace IvrEngine.Scripts.Runtime;

/// <summary>Watches a run for the engine's log: every method is called on the run's own flow of control, in order.
/// Values are masked as in <see cref="FlowRunResult.MaskedVariables"/>; nothing here carries a secret. Every method
/// has an empty default, so an observer implements only what it logs. An observer that throws fails the run like any
/// other error in a step, so it should not.</summary>
public interface IFlowObserver
{
    /// <summary>A step is about to run (<paramref name="flow"/> is the flow it is written in).</summary>
    void OnStep(string flow, FlowStep flowStep)
    {
    }

    /// <summary>A collect step ended: <paramref name="status"/> is <c>ok</c>, <c>no-input</c> or <c>invalid</c>;
    /// <paramref name="maskedValue"/> is the accepted entry, masked (empty unless ok).</summary>
    void OnCollected(string name, string maskedValue, string status)
    {
    }

    /// <summary>An attempt at the current step's input failed and the step asks again or gives up: <paramref name="status"/>
    /// is <c>no-input</c> (silence) or <c>invalid</c> (a key that is no option, an entry that fails its check, a wrong
    /// confirmation key). Called for menus and collect steps, once per failed attempt.</summary>
    void OnInputFailed(string status)
    {
    }

    /// <summary>A lookup ended with this client (<see cref="FlowClientView.Found"/> false when none).</summary>
    void OnLookup(LookupBy by, FlowClientView client)
    {
    }

    /// <summary>The caller is about to be handed on (before anything of the transfer reaches the call): the steps run
    /// so far and the run's variables, masked as in <see cref="FlowRunResult.MaskedVariables"/>. The call's record is
    /// written only after the run; this is what an agent's card shows of the IVR until then.</summary>
    void OnLeaving(IReadOnlyList<string> steps, IReadOnlyDictionary<string, string> maskedVariables)
    {
    }

    /// <summary>A transfer is about to be asked for; <paramref name="maskedAttached"/> is what is attached, with
    /// collected values masked.</summary>
    void OnTransfer(FlowTransfer transfer, IReadOnlyDictionary<string, string> maskedAttached)
    {
    }

    /// <summary>A route step got this decision (self-service when <see cref="FlowRoute.Transfer"/> is null).</summary>
    void OnRoute(FlowRoute route)
    {
    }

    /// <summary>A value was longer than its cap and was cut before it was attached: <paramref name="name"/> as
    /// attached, its size and its cap in UTF-8 bytes (<see cref="AttachedValues"/>). Nothing of the value itself.</summary>
    void OnValueCut(string name, int bytes, int maxBytes)
    {
    }
}
