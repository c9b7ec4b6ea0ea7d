using IvrEngine.Simulator;

namespace IvrEngine.Tests.Support;

/// <summary>The shipped dialplan's <c>queue_X</c> extension, as far as the simulator's tests need it: the transferred
/// caller runs <c>callcenter X@default</c>; any other extension runs nothing.</summary>
internal static class QueueDialplan
{
    public static IReadOnlyList<DialplanApplication> Of(string transfer) => transfer.StartsWith("queue_", StringComparison.Ordinal)
        ? [new DialplanApplication("callcenter", transfer.Split(' ')[0]["queue_".Length..] + "@default")]
        : [];
}
