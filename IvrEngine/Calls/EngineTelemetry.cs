using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace IvrEngine.Calls;

/// <summary>The engine's metrics (the <c>IvrEngine</c> meter) and traces (the <c>IvrEngine</c> activity source), in
/// the lowest layer that records them so that every layer above can. Hosting exports them with OpenTelemetry
/// (docs/telemetry.md). When nothing listens an instrument is a field check and <see cref="ActivitySource.StartActivity(string, ActivityKind)"/>
/// returns null: callers add tags only to an activity they got.</summary>
public static class EngineTelemetry
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "IvrEngine";

    /// <summary>The tag of a call's Unique-ID on its activity.</summary>
    public const string CallUuidTag = "call.uuid";

    /// <summary>The engine's traces: one activity per call, children for its IVR steps, lookups and transfer.</summary>
    public static readonly ActivitySource Source = new(Name);

    private static readonly Meter Meter = new(Name);

    private static readonly List<Func<int>> LiveSources = [];

    /// <summary>Calls being served now (the sum of <see cref="ObserveLiveCalls"/>'s sources).</summary>
    public static readonly ObservableUpDownCounter<int> LiveCallsGauge = Meter.CreateObservableUpDownCounter("ivrengine.calls.live", LiveCalls, "{call}",
        "Calls the engine serves now");

    /// <summary>Calls that left the engine, by <c>outcome</c> and <c>flow</c>.</summary>
    public static readonly Counter<long> CallsEnded = Meter.CreateCounter<long>("ivrengine.calls.ended", "{call}",
        "Calls that left the engine, by the flow's outcome (as in the interaction record) and the flow");

    /// <summary>Calls refused at admission, by <c>reason</c>.</summary>
    public static readonly Counter<long> CallsRefused = Meter.CreateCounter<long>("ivrengine.calls.refused", "{call}",
        "Calls refused at once so that FreeSWITCH goes on to its fallback, by reason");

    /// <summary>Time callers waited in a mod_callcenter queue, by <c>queue</c> and <c>outcome</c>.</summary>
    public static readonly Histogram<double> QueueWait = Meter.CreateHistogram("ivrengine.queue.wait", "s",
        "Time a caller waited in a mod_callcenter queue until an agent answered (answered) or the caller left (abandoned)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 10, 20, 30, 60, 120, 300, 600, 1800] });

    /// <summary>Time the client store took, by <c>operation</c>.</summary>
    public static readonly Histogram<double> StoreDuration = Meter.CreateHistogram("ivrengine.store.duration", "s",
        "Time a client-store operation took, by operation",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    /// <summary>Reconnects of the inbound event-socket connection (FreeSWITCH's port 8021).</summary>
    public static readonly Counter<long> EventSocketReconnects = Meter.CreateCounter<long>("ivrengine.eventsocket.reconnects", "{reconnect}",
        "Times the inbound event-socket connection to FreeSWITCH logged in again after it was lost");

    /// <summary>Adds a source of the live-call count (the outbound listener); the gauge reads the sum of the sources
    /// (one in a running engine; several hosts in one process, as in tests). Dispose to remove it.</summary>
    public static IDisposable ObserveLiveCalls(Func<int> liveCalls)
    {
        ArgumentNullException.ThrowIfNull(liveCalls);
        lock (LiveSources) LiveSources.Add(liveCalls);
        return new Removal(liveCalls);
    }

    /// <summary>Starts the activity of one call: null when nothing listens.</summary>
    public static Activity? StartCall(string callUuid, string dnis)
    {
        var activity = Source.StartActivity("ivr.call", ActivityKind.Server);
        if (activity is null) return null;
        activity.SetTag(CallUuidTag, callUuid);
        activity.SetTag("call.dnis", dnis);
        return activity;
    }

    /// <summary>Starts the activity of one IVR step under <paramref name="call"/>: null when nothing listens.</summary>
    public static Activity? StartStep(ActivityContext call, string flow, string step)
    {
        var activity = Source.StartActivity("ivr.step", ActivityKind.Internal, call);
        if (activity is null) return null;
        activity.SetTag("ivr.flow", flow);
        activity.SetTag("ivr.step", step);
        return activity;
    }

    private static int LiveCalls()
    {
        var sum = 0;
        lock (LiveSources)
        {
            foreach (var source in LiveSources) sum += source();
        }

        return sum;
    }

    private sealed class Removal(Func<int> source) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                lock (LiveSources) LiveSources.Remove(source);
            }
        }
    }
}
