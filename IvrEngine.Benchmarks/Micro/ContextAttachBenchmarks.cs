using BenchmarkDotNet.Attributes;
using IvrEngine.Calls;
using IvrEngine.Ivr;
using IvrEngine.Scripts.Model;
using IvrEngine.Scripts.Runtime;

namespace IvrEngine.Benchmarks.Micro;

/// <summary>What a transfer costs the engine in CPU and allocations before anything reaches the socket: the flow's
/// context (the bank flow's VIP, 15 values, one of them a caller's number holding <c>${...}</c>) offered through the
/// adapter (every value made safe, context values cut to their caps, the budget counted), then the transfer (the
/// engine's own values, SIP header variables, the UUI form, the lists for mod_callcenter), onto a call that answers
/// every command at once.</summary>
[MemoryDiagnoser]
public class ContextAttachBenchmarks
{
    private readonly FlowsOptions _options = new();

    private static readonly Dictionary<string, string> Attached = new(StringComparer.Ordinal)
    {
        ["ivr_ani"] = "1555${system rm -rf /}",
        ["ivr_dnis"] = "5000",
        ["ivr_flow"] = "bank",
        ["ivr_last_step"] = "bank/route",
        ["ivr_language"] = "en",
        ["ivr_cti_code"] = "V",
        ["ivr_cti_reason"] = "V: category VIP",
        ["ivr_matched_by"] = "phone",
        ["ivr_client_id"] = "d9e5e67d-528d-131c-9eab-447662e1efd3",
        ["ivr_client_name"] = "Eleanor Vance",
        ["ivr_category"] = "vip",
        ["ivr_overdue"] = "false",
        ["ivr_manager"] = "agent-101",
        ["ivr_transfer_priority"] = "600",
        ["ivr_route_rule"] = "vip",
    };

    private static readonly IReadOnlyDictionary<string, string> EngineOwn = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ivr_campaign"] = "Demo Bank",
    };

    private static readonly FlowTransfer Transfer = new(TransferKind.Queue, "vip", 600);

    [Benchmark(Description = "attach 15 values + transfer (adapter)")]
    public FlowCallStatus AttachAndTransfer()
    {
        var adapter = new FlowCallAdapter(new AnsweringCall(), _options, "/flows", () => EngineOwn);
        adapter.SetVariablesAsync(Attached, exported: true, CancellationToken.None).GetAwaiter().GetResult();
        return adapter.TransferAsync(Transfer, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>A call that takes every command at once and keeps nothing.</summary>
    private sealed class AnsweringCall : ITrackedCall
    {
        private static readonly Task<CallResult> Ok = Task.FromResult(CallResult.Ok);

        public Guid ContextId { get; } = new("a5e873fd-61e4-498f-8059-5fb2eaddbea2");

        public void LeftIvr()
        {
        }

        public string Uuid => "b5dc9540-d3ab-4a2b-b84b-0803d324e5fe";

        public string Ani => "15551230001";

        public string Dnis => "5000";

        public string? CallerName => null;

        public string? CoreUuid => null;

        public CallState State => CallState.Answered;

        public CancellationToken HungUp => CancellationToken.None;

        public string? GetVariable(string name) => null;

        public Task<CallResult> AnswerAsync(CancellationToken cancellationToken = default) => Ok;

        public Task<CallResult> PlayAsync(string prompt, CancellationToken cancellationToken = default) => Ok;

        public Task<CollectResult> PlayAndCollectAsync(CollectRequest request, CancellationToken cancellationToken = default) =>
            Task.FromResult(new CollectResult(CollectOutcome.Timeout, string.Empty, null));

        public Task<CallResult> SayAsync(SayRequest request, CancellationToken cancellationToken = default) => Ok;

        public Task<CallResult> SetVariablesAsync(IEnumerable<KeyValuePair<string, string>> variables, bool exported = false,
            CancellationToken cancellationToken = default) => Ok;

        public Task<CallResult> UnsetVariablesAsync(IEnumerable<string> names, CancellationToken cancellationToken = default) => Ok;

        public Task<CallResult> TransferAsync(string destination, string dialplan = "XML", string context = "default",
            CancellationToken cancellationToken = default) => Ok;

        public Task<CallResult> BridgeAsync(string dialString, CancellationToken cancellationToken = default) => Ok;

        public Task<CallResult> HangupAsync(string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default) => Ok;

        public Task<CallResult> SleepAsync(TimeSpan duration, CancellationToken cancellationToken = default) => Ok;

        public Task<CallResult> BreakAsync(CancellationToken cancellationToken = default) => Ok;
    }
}
