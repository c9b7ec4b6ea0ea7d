using IvrEngine.Scripts.Expressions;

namespace IvrEngine.Scripts.Runtime;

/// <summary>The client store as a flow sees it: lookups that classify, and the "exists" check of validation.</summary>
public interface IFlowDirectory
{
    /// <summary>By the caller's number.</summary>
    Task<FlowClientView> ByCallerAsync(string caller, string dialed, CancellationToken cancellationToken);

    /// <summary>By an account or card number.</summary>
    Task<FlowClientView> ByAccountAsync(string account, string caller, string dialed, CancellationToken cancellationToken);

    /// <summary>True when an account or card with this number exists.</summary>
    Task<bool> AccountExistsAsync(string account, CancellationToken cancellationToken);
}
