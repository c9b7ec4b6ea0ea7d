using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using IvrEngine.Calls;
using IvrEngine.Hosting;
using IvrEngine.Simulator;
using IvrEngine.Tests.Support;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Tests.Web;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace IvrEngine.Tests.Hosting;

/// <summary>The tests that read the engine's metrics run alone: the <c>IvrEngine</c> meter is one per process, so calls
/// of tests running beside them would be counted too.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryTestGroup
{
    public const string Name = "Telemetry";
}

/// <summary>OpenTelemetry over real HTTP and real TCP: <c>/metrics</c> in Prometheus's format for supervisors, the calls
/// counted by outcome, the live calls, refusals, queue waits from mod_callcenter's events as the simulator plays them,
/// the store's latency, and one trace per call carrying its Unique-ID.</summary>
[Collection(TelemetryTestGroup.Name)]
public sealed class TelemetryTests
{
    [Fact]
    public async Task Metrics_answer_401_without_credentials_403_to_an_agent_and_Prometheus_text_to_a_supervisor()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var anonymous = DeskWeb.Anonymous(DeskWeb.Base(engine));
        using var agent = await DeskWeb.TokenAsync(engine.Host.Services, DeskWeb.Base(engine), "agent1001", "read");
        using var supervisor = await DeskWeb.TokenAsync(engine.Host.Services, DeskWeb.Base(engine), "supervisor", "read");

        (await anonymous.GetAsync(new Uri(TelemetryServices.MetricsPath, UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        (await agent.GetAsync(new Uri(TelemetryServices.MetricsPath, UriKind.Relative))).StatusCode.Should().Be(HttpStatusCode.Forbidden);
        var response = await supervisor.GetAsync(new Uri(TelemetryServices.MetricsPath, UriKind.Relative));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/plain");
        var text = await response.Content.ReadAsStringAsync();
        text.Should().Contain("# TYPE ivrengine_calls_live gauge").And.Contain("service_name=\"ivrengine\"");
    }

    [Fact]
    public async Task Calls_ended_are_counted_by_outcome_the_live_calls_read_and_the_store_timed()
    {
        await using var engine = await EngineUnderTest.StartAsync(new SimulatorOptions { PlaybackDuration = TimeSpan.Zero });
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var http = await DeskWeb.TokenAsync(engine.Host.Services, DeskWeb.Base(engine), "supervisor", "read");
        var before = await ScrapeAsync(http);

        for (var i = 0; i < 3; i++)
        {
            (await engine.RunCallAsync(new CallerScript { Ani = "1555000010" + i.ToString(CultureInfo.InvariantCulture), Inputs = [CallerInput.Keys("123456#")] }))
                .TransferredTo.Should().Be("queue_general XML default");
        }

        await engine.RunCallAsync(new CallerScript { Ani = "15550000200", Inputs = [CallerInput.HangUp("NORMAL_CLEARING")] });
        await engine.Service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);
        var held = await engine.CallAsync(new CallerScript { Ani = "15550000300", PlaybackDuration = TimeSpan.FromMinutes(5) });
        await held.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);
        var during = await ScrapeAsync(http);

        Delta(before, during, "ivrengine_calls_ended_total", ("outcome", "transferred"), ("flow", "default")).Should().Be(3);
        Delta(before, during, "ivrengine_calls_ended_total", ("outcome", "hung-up"), ("flow", "default")).Should().Be(1);
        during.Value("ivrengine_calls_live").Should().Be(1, "one call is in its prompt");
        Delta(before, during, "ivrengine_store_duration_seconds_count", ("operation", "AddInteraction")).Should().Be(4, "each call that ended was recorded");
        during.Value("ivrengine_store_duration_seconds_count", ("operation", "FindByPhone")).Should().BeGreaterThanOrEqualTo(4, "each call looked its caller up by number");

        await held.HangUpAsync();
        await held.Completion.WaitAsync(EngineUnderTest.Patience);
        await engine.Service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);
        var after = await ScrapeAsync(http);
        after.Value("ivrengine_calls_live").Should().Be(0);
        Delta(during, after, "ivrengine_calls_ended_total", ("outcome", "hung-up"), ("flow", "default")).Should().Be(1);
    }

    [Fact]
    public async Task A_call_over_the_live_call_limit_counts_as_refused_with_its_reason()
    {
        await using var engine = await EngineUnderTest.StartAsync(new SimulatorOptions { PlaybackDuration = TimeSpan.FromMinutes(5) }, null, "--Engine:MaxLiveCalls=1");
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var http = await DeskWeb.TokenAsync(engine.Host.Services, DeskWeb.Base(engine), "admin", "read");
        var first = await engine.CallAsync(new CallerScript { Ani = "15550000001" });
        await first.WaitForApplicationAsync("playback").WaitAsync(EngineUnderTest.Patience);
        var before = await ScrapeAsync(http);

        var refused = await engine.RunCallAsync(new CallerScript { Ani = "15550000002" });
        var after = await ScrapeAsync(http);

        refused.DialplanContinued.Should().BeTrue();
        Delta(before, after, "ivrengine_calls_refused_total", ("reason", "over-limit")).Should().Be(1);
        await first.HangUpAsync();
        await first.Completion.WaitAsync(EngineUnderTest.Patience);
    }

    [Fact]
    public async Task A_caller_leaving_the_queue_answered_gives_a_queue_wait_sample_from_mod_callcenters_event()
    {
        const string agent = "1001@default";
        await using var freeSwitch = new FreeSwitchSimulator(new SimulatorOptions
        {
            HangUpAfterTransfer = false,
            CallcenterAgents = [agent],
            Dialplan = QueueDialplan.Of,
        });
        await using var server = await freeSwitch.StartInboundServerAsync("pw");
        await using var engine = await EngineUnderTest.StartAsync(null, null,
            "--Engine:Inbound:Enabled=true", $"--Engine:Inbound:Port={server.EndPoint.Port}", "--Engine:Inbound:Password=pw");
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var http = await DeskWeb.TokenAsync(engine.Host.Services, DeskWeb.Base(engine), "supervisor", "read");
        var client = engine.Host.Services.GetRequiredService<InboundClientService>().Client!;
        await client.SubscribeAsync(StatisticsFeed.Events).WaitAsync(EngineUnderTest.Patience);
        var before = await ScrapeAsync(http);
        using var waits = new Measurements(EngineTelemetry.QueueWait.Name);

        var call = await freeSwitch.StartCallAsync(engine.EndPoint, new CallerScript { Inputs = [CallerInput.Keys("123456#")] });
        await call.WaitForApplicationAsync("callcenter").WaitAsync(EngineUnderTest.Patience);
        await call.OfferToAgentAsync(agent, answer: true);
        await call.AgentEndsAsync();
        var (seconds, tags) = await waits.First.WaitAsync(EngineUnderTest.Patience);
        var after = await ScrapeAsync(http);

        tags.Should().Contain(new KeyValuePair<string, object?>("queue", "general@default")).And.Contain(new KeyValuePair<string, object?>("outcome", "answered"));
        seconds.Should().BeInRange(0, 5, "the simulated agent answered at once");
        Delta(before, after, "ivrengine_queue_wait_seconds_count", ("queue", "general@default"), ("outcome", "answered")).Should().Be(1);
        await call.Completion.WaitAsync(EngineUnderTest.Patience);
    }

    [Fact]
    public async Task A_reconnect_of_the_inbound_connection_is_counted()
    {
        await using var freeSwitch = new FreeSwitchSimulator();
        await using var server = await freeSwitch.StartInboundServerAsync("pw");
        await using var engine = await EngineUnderTest.StartAsync(null, null,
            "--Engine:Inbound:Enabled=true", $"--Engine:Inbound:Port={server.EndPoint.Port}", "--Engine:Inbound:Password=pw");
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var http = await DeskWeb.TokenAsync(engine.Host.Services, DeskWeb.Base(engine), "supervisor", "read");
        var client = engine.Host.Services.GetRequiredService<InboundClientService>().Client!;
        await client.CurrentAsync().WaitAsync(EngineUnderTest.Patience);
        var before = await ScrapeAsync(http);
        using var reconnects = new Measurements(EngineTelemetry.EventSocketReconnects.Name);

        await server.DropAllConnectionsAsync();
        await reconnects.First.WaitAsync(EngineUnderTest.Patience);
        var after = await ScrapeAsync(http);

        client.Generation.Should().Be(2);
        Delta(before, after, "ivrengine_eventsocket_reconnects_total").Should().Be(1);
    }

    [Fact]
    public async Task One_call_makes_one_trace_rooted_in_the_call_with_its_unique_id_and_children_for_steps_lookup_and_transfer()
    {
        var exported = new List<Activity>();
        await using var engine = await EngineUnderTest.StartAsync(new SimulatorOptions { PlaybackDuration = TimeSpan.Zero },
            services => services.AddOpenTelemetry().WithTracing(t => t.AddSource(EngineTelemetry.Name).AddInMemoryExporter(exported)));

        var record = await engine.RunCallAsync(new CallerScript { Ani = "15550000400", Inputs = [CallerInput.Keys("123456#")] });
        await engine.Service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);

        Activity[] spans;
        lock (exported) spans = [.. exported];
        var roots = spans.Where(a => a.OperationName == "ivr.call" && (string?)a.GetTagItem(EngineTelemetry.CallUuidTag) == record.Uuid).ToList();
        roots.Should().ContainSingle();
        var root = roots[0];
        root.ParentSpanId.Should().Be(default(ActivitySpanId), "the call is the root of its trace");
        root.GetTagItem("call.dnis").Should().Be("5000");
        root.GetTagItem("ivr.outcome").Should().Be("transferred");
        var trace = spans.Where(a => a.TraceId == root.TraceId && a != root).ToList();
        trace.Where(a => a.OperationName == "ivr.step").Select(a => (string?)a.GetTagItem("ivr.step"))
            .Should().ContainInOrder("context", "identify", "welcome", "ask-account", "by-account");
        trace.Where(a => a.OperationName == "ivr.step").Should().OnlyContain(a => a.ParentSpanId == root.SpanId);
        var lookups = trace.Where(a => a.OperationName == "ivr.lookup").ToList();
        lookups.Select(a => a.GetTagItem("ivr.lookup.by")).Should().Equal("caller", "account");
        lookups.Should().OnlyContain(a => trace.Any(s => s.OperationName == "ivr.step" && s.SpanId == a.ParentSpanId), "a lookup is its step's child");
        var transfer = trace.Should().ContainSingle(a => a.OperationName == "ivr.transfer").Subject;
        transfer.GetTagItem("ivr.transfer.destination").Should().Be("queue_general");
        trace.Append(root).SelectMany(a => a.TagObjects).Select(t => t.Value as string ?? string.Empty)
            .Should().NotContain(v => v.Contains("123456", StringComparison.Ordinal), "what the caller keyed in is no tag");
    }

    private static async Task<Scrape> ScrapeAsync(HttpClient http)
    {
        var response = await http.GetAsync(new Uri(TelemetryServices.MetricsPath, UriKind.Relative)).WaitAsync(EngineUnderTest.Patience);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return new Scrape(await response.Content.ReadAsStringAsync());
    }

    private static double Delta(Scrape before, Scrape after, string name, params (string Label, string Value)[] labels) =>
        after.Value(name, labels) - before.Value(name, labels);

    /// <summary>One scrape: the sample of a metric whose labels include the ones asked (0 when there is none).</summary>
    private sealed class Scrape(string text)
    {
        public double Value(string name, params (string Label, string Value)[] labels)
        {
            var found = 0.0;
            foreach (var line in text.Split('\n'))
            {
                if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal)) continue;
                var rest = line[name.Length..];
                if (rest.Length == 0 || (rest[0] != '{' && rest[0] != ' ')) continue;
                var labelText = rest[0] == '{' ? rest[..(rest.IndexOf('}', StringComparison.Ordinal) + 1)] : string.Empty;
                if (!labels.All(l => labelText.Contains($"{l.Label}=\"{l.Value}\"", StringComparison.Ordinal))) continue;
                var value = rest[labelText.Length..].Trim().Split(' ')[0];
                found += double.Parse(value, CultureInfo.InvariantCulture);
            }

            return found;
        }
    }

    /// <summary>The measurements of one instrument of the <c>IvrEngine</c> meter as they are recorded: the signal that the
    /// engine took an event in.</summary>
    private sealed class Measurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly TaskCompletionSource<(double, KeyValuePair<string, object?>[])> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Measurements(string instrument)
        {
            _listener.InstrumentPublished = (i, l) =>
            {
                if (i.Meter.Name == EngineTelemetry.Name && i.Name == instrument) l.EnableMeasurementEvents(i);
            };
            _listener.SetMeasurementEventCallback<double>((_, value, tags, _) => _first.TrySetResult((value, tags.ToArray())));
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) => _first.TrySetResult((value, tags.ToArray())));
            _listener.Start();
        }

        public Task<(double Seconds, KeyValuePair<string, object?>[] Tags)> First => _first.Task;

        public void Dispose() => _listener.Dispose();
    }
}

/// <summary>With the web app off, the metrics still leave by OTLP: a collector on loopback (a plain HTTP listener) is
/// sent the engine's metrics over OTLP/HTTP.</summary>
[Collection(TelemetryTestGroup.Name)]
public sealed class OtlpExportTests
{
    [Fact]
    public async Task With_the_web_app_off_the_calls_counted_reach_an_OTLP_collector()
    {
        using var collector = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        collector.Start();
        var endpoint = $"http://127.0.0.1:{((IPEndPoint)collector.LocalEndpoint).Port}";
        var received = new ConcurrentQueue<(string Line, byte[] Body)>();
        using var stop = new CancellationTokenSource();
        var serving = ServeAsync(collector, received, stop.Token);
        await using var engine = await EngineUnderTest.StartAsync(new SimulatorOptions { PlaybackDuration = TimeSpan.Zero }, null,
            "--Web:Enabled=false", $"--Telemetry:Otlp:Endpoint={endpoint}", "--Telemetry:Otlp:Protocol=HttpProtobuf");

        (await engine.RunCallAsync(new CallerScript { Ani = "15550000500", Inputs = [CallerInput.Keys("123456#")] })).TransferredTo.Should().NotBeNull();
        await engine.Service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);
        var flushed = await Task.Run(() => engine.Host.Services.GetRequiredService<OpenTelemetry.Metrics.MeterProvider>().ForceFlush(20_000));
        await stop.CancelAsync();
        collector.Stop();
        await serving;

        engine.Host.Services.GetRequiredService<IvrEngine.Web.WebEndpointService>().Addresses.Should().BeEmpty("the web app is off");
        flushed.Should().BeTrue();
        var metrics = received.Where(r => r.Line.StartsWith("POST /v1/metrics ", StringComparison.Ordinal)).ToList();
        metrics.Should().NotBeEmpty();
        metrics.Should().Contain(r => System.Text.Encoding.UTF8.GetString(r.Body).Contains("ivrengine.calls.ended", StringComparison.Ordinal));
    }

    /// <summary>Answers every request 200 with no body, keeping its request line and body.</summary>
    private static async Task ServeAsync(System.Net.Sockets.TcpListener listener, ConcurrentQueue<(string, byte[])> received, CancellationToken stop)
    {
        var connections = new List<Task>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var socket = await listener.AcceptTcpClientAsync(stop);
                connections.Add(Task.Run(() => ReadRequestsAsync(socket, received, stop), CancellationToken.None));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
        }

        await Task.WhenAll(connections);
    }

    private static async Task ReadRequestsAsync(System.Net.Sockets.TcpClient socket, ConcurrentQueue<(string, byte[])> received, CancellationToken stop)
    {
        using (socket)
        {
            try
            {
                var stream = socket.GetStream();
                var buffer = new List<byte>();
                var chunk = new byte[16 * 1024];
                while (!stop.IsCancellationRequested)
                {
                    var end = IndexOf(buffer, "\r\n\r\n"u8.ToArray());
                    if (end < 0)
                    {
                        var n = await stream.ReadAsync(chunk, stop);
                        if (n == 0) return;
                        buffer.AddRange(chunk.AsSpan(0, n).ToArray());
                        continue;
                    }

                    var head = System.Text.Encoding.ASCII.GetString([.. buffer.GetRange(0, end)]);
                    var length = head.Split("\r\n").Where(h => h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                        .Select(h => int.Parse(h["Content-Length:".Length..].Trim(), CultureInfo.InvariantCulture)).FirstOrDefault();
                    while (buffer.Count < end + 4 + length)
                    {
                        var n = await stream.ReadAsync(chunk, stop);
                        if (n == 0) return;
                        buffer.AddRange(chunk.AsSpan(0, n).ToArray());
                    }

                    received.Enqueue((head.Split("\r\n")[0], [.. buffer.GetRange(end + 4, length)]));
                    buffer.RemoveRange(0, end + 4 + length);
                    await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), stop);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Net.Sockets.SocketException)
            {
            }
        }
    }

    private static int IndexOf(List<byte> buffer, byte[] pattern)
    {
        for (var i = 0; i + pattern.Length <= buffer.Count; i++)
        {
            var match = true;
            for (var j = 0; j < pattern.Length && match; j++) match = buffer[i + j] == pattern[j];
            if (match) return i;
        }

        return -1;
    }
}
