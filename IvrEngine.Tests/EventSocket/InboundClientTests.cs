using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using IvrEngine.EventSocket;
using IvrEngine.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.EventSocket;

/// <summary>The inbound client against a raw fake FreeSWITCH on port 0, with reconnect backoff on fake time.</summary>
public sealed partial class InboundClientTests : IDisposable
{
    private static readonly Transcript Inbound = CaptureFiles.Load("inbound-session.txt");
    private static readonly CaptureRecord Greeting = Inbound.First(CaptureFiles.FsToApp, r => r.ContentType == "auth/request", "the auth/request greeting");
    private static readonly CaptureRecord Refused = Inbound.ReplyTo(Inbound.Command("auth WrongPassword\n\n"));
    private static readonly CaptureRecord Accepted = Inbound.First(CaptureFiles.FsToApp, r => r.ReplyText == "+OK accepted", "+OK accepted");
    private static readonly CaptureRecord Status = Inbound.Command("api status\n\n");
    private static readonly CaptureRecord EventsEnabled = Inbound.ReplyTo(Inbound.Command("event plain BACKGROUND_JOB\n\n"));
    private const string BoxCoreUuid = "6f1c2a4e-3b5d-4c7e-9f80-1a2b3c4d5e6f";
    private readonly TcpListener _server = new(IPAddress.Loopback, 0);
    private readonly TimerWatchingTimeProvider _time = new();

    public InboundClientTests() => _server.Start();

    public void Dispose() => _server.Stop();

    [Fact]
    public async Task Authenticates_then_runs_api_and_bgapi_and_forwards_events()
    {
        await using var client = NewClient("ClueCon");
        var start = client.StartAsync();
        await using var fs = await AcceptAsync();
        await LoginAsync(fs, "ClueCon", ["BACKGROUND_JOB"]);
        await start.WaitAsync(Wire.Timeout);
        client.IsConnected.Should().BeTrue();
        client.Generation.Should().Be(1);
        client.CoreUuid.Should().Be(BoxCoreUuid, "asked at login, before the connection is handed out");

        var api = client.ApiAsync("status");
        (await fs.ReadCommandBytesAsync()).Should().Equal(Status.Data);
        await fs.SendAsync(Inbound.ReplyTo(Status).Data);
        (await api.WaitAsync(Wire.Timeout)).Body.Should().StartWith("UP 0 years").And.Contain("is ready");

        var events = new ConcurrentQueue<EslEvent>();
        var got = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = client.Events.Subscribe(new Observer<EslEvent>(e =>
        {
            events.Enqueue(e);
            got.TrySetResult();
        }));

        var job = client.BackgroundApiAsync("status");
        var jobUuid = JobUuidHeader().Match(await fs.ReadCommandAsync()).Groups[1].Value;
        // The bgapi the recorder sent with a Job-UUID of its choosing, the reply and the BACKGROUND_JOB.
        var chosen = Inbound.Command("bgapi echo hello world\nJob-UUID: ");
        var recordedJob = JobUuidHeader().Match(chosen.Text).Groups[1].Value;
        var recordedEvent = Inbound.First(CaptureFiles.FsToApp, r => r.EventName == "BACKGROUND_JOB" && r.Header("Job-UUID") == recordedJob, "the chosen job's BACKGROUND_JOB");
        await fs.SendAsync(Wire.ReplaceSameLength(Inbound.ReplyTo(chosen).Data, recordedJob, jobUuid));
        await fs.SendAsync(Wire.ReplaceSameLength(recordedEvent.Data, recordedJob, jobUuid));
        var result = await job.WaitAsync(Wire.Timeout);
        result.JobUuid.Should().Be(jobUuid);
        result.Body.Should().NotBeEmpty();
        await got.Task.WaitAsync(Wire.Timeout);
        events.Select(e => e.EventName).Should().Contain("BACKGROUND_JOB");
    }

    [Fact]
    public async Task A_wrong_password_is_retried_with_doubling_backoff_on_the_injected_clock()
    {
        var states = new ConcurrentQueue<EslInboundState>();
        await using var client = NewClient("WrongPassword");
        using var watch = client.States.Subscribe(new Observer<EslInboundState>(states.Enqueue));
        var start = client.StartAsync();

        var delays = new List<TimeSpan>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            await using (var fs = await AcceptAsync())
            {
                await fs.SendAsync(Greeting.Data);                                       // auth/request
                (await fs.ReadCommandAsync()).Should().Be("auth WrongPassword\n\n");
                await fs.SendAsync(Refused.Data);                                        // -ERR invalid
                await fs.SendAsync(Inbound.Next(Refused).Data);                          // disconnect notice
                fs.Close();
            }

            var delay = await _time.NextTimerAsync();
            delays.Add(delay);
            start.IsCompleted.Should().BeFalse();
            _time.Advance(delay);
        }

        delays.Should().Equal(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        states.Should().HaveCount(4).And.OnlyContain(s => !s.Connected && s.Error!.Contains("-ERR invalid"));
        client.Generation.Should().Be(0);

        // FreeSWITCH now accepts (as if the password had been fixed server-side): the client logs in.
        await using var ok = await AcceptAsync();
        await ok.SendAsync(Greeting.Data);
        (await ok.ReadCommandAsync()).Should().Be("auth WrongPassword\n\n");
        await ok.SendAsync(Accepted.Data);                                               // +OK accepted
        (await ok.ReadCommandAsync()).Should().Be("event plain BACKGROUND_JOB\n\n");
        await ok.SendAsync("Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n");
        await AnswerCoreUuidAsync(ok, BoxCoreUuid);
        await start.WaitAsync(Wire.Timeout);
        client.Generation.Should().Be(1);
    }

    [Fact]
    public async Task After_a_drop_it_reconnects_and_replays_subscriptions_and_filters()
    {
        var states = new ConcurrentQueue<EslInboundState>();
        var events = Channel.CreateUnbounded<EslEvent>();
        await using var client = NewClient("ClueCon");
        using var watch = client.States.Subscribe(new Observer<EslInboundState>(states.Enqueue));
        using var subscription = client.Events.Subscribe(new Observer<EslEvent>(e => events.Writer.TryWrite(e)));
        var start = client.StartAsync();

        var fs1 = await AcceptAsync();
        await LoginAsync(fs1, "ClueCon", ["BACKGROUND_JOB"]);
        await start.WaitAsync(Wire.Timeout);

        var subscribe = client.SubscribeAsync(["CHANNEL_HANGUP", "DTMF"]);
        (await fs1.ReadCommandAsync()).Should().Be("event plain CHANNEL_HANGUP DTMF\n\n");
        await fs1.SendAsync(EventsEnabled.Data);
        await subscribe.WaitAsync(Wire.Timeout);
        var filter = client.FilterAsync("Caller-Caller-ID-Number", "15559990000");
        var filterCommand = Inbound.Command("filter Caller-Caller-ID-Number 15559990000\n\n");
        (await fs1.ReadCommandBytesAsync()).Should().Equal(filterCommand.Data);
        await fs1.SendAsync(Inbound.ReplyTo(filterCommand).Data);
        await filter.WaitAsync(Wire.Timeout);

        await fs1.SendAsync(Inbound.Event("CHANNEL_CREATE").Data); // an event on the first connection
        (await events.Reader.ReadAsync().AsTask().WaitAsync(Wire.Timeout)).EventName.Should().Be("CHANNEL_CREATE");

        fs1.Close();
        await fs1.DisposeAsync();
        (await _time.NextTimerAsync()).Should().Be(TimeSpan.FromMilliseconds(500), "the first wait after a drop is the minimum");
        client.IsConnected.Should().BeFalse();
        _time.Advance(TimeSpan.FromMilliseconds(500));

        await using var fs2 = await AcceptAsync();
        await LoginAsync(fs2, "ClueCon", ["BACKGROUND_JOB", "CHANNEL_HANGUP", "DTMF"], "filter Caller-Caller-ID-Number 15559990000");

        var api = client.ApiAsync("status");
        (await fs2.ReadCommandBytesAsync()).Should().Equal(Status.Data);
        await fs2.SendAsync(Inbound.ReplyTo(Status).Data);
        (await api.WaitAsync(Wire.Timeout)).Body.Should().StartWith("UP ");
        client.Generation.Should().Be(2);

        await fs2.SendAsync(Inbound.Event("CHANNEL_HANGUP_COMPLETE").Data); // events keep flowing to the same subscriber
        (await events.Reader.ReadAsync().AsTask().WaitAsync(Wire.Timeout)).EventName.Should().Be("CHANNEL_HANGUP_COMPLETE");

        states.Select(s => (s.Connected, s.Generation)).Should().Equal((true, 1), (false, 1), (true, 2));
        states.ElementAt(1).Error.Should().Be(nameof(EslCloseReason.PeerClosed));
    }

    [Fact]
    public async Task Dispose_stops_the_reconnect_loop_and_fails_waiters()
    {
        var client = NewClient("ClueCon");
        var start = client.StartAsync();
        await using (var fs = await AcceptAsync())
        {
            fs.Close();
        }

        await _time.NextTimerAsync();
        var api = client.ApiAsync("status");
        await client.DisposeAsync().AsTask().WaitAsync(Wire.Timeout);
        await FluentActions.Awaiting(() => api.WaitAsync(Wire.Timeout)).Should().ThrowAsync<EslConnectionClosedException>();
        await FluentActions.Awaiting(() => start.WaitAsync(Wire.Timeout)).Should().ThrowAsync<EslConnectionClosedException>();
    }

    private EslInboundClient NewClient(string password) => new(
        new EslInboundOptions { Host = "127.0.0.1", Port = ((IPEndPoint)_server.LocalEndpoint).Port, Password = password },
        time: _time);

    private async Task<RawPeer> AcceptAsync() => RawPeer.Accepted(await _server.AcceptSocketAsync().WaitAsync(Wire.Timeout));

    [Fact]
    public async Task A_box_that_does_not_answer_global_getvar_is_known_by_the_Core_UUID_of_its_first_event()
    {
        await using var client = NewClient("ClueCon");
        var events = Channel.CreateUnbounded<EslEvent>();
        using var subscription = client.Events.Subscribe(new Observer<EslEvent>(e => events.Writer.TryWrite(e)));
        var start = client.StartAsync();
        await using var fs = await AcceptAsync();
        await LoginAnsweringAsync(fs, "ClueCon", ["BACKGROUND_JOB"], "-ERR global_getvar Command not found!\n");
        await start.WaitAsync(Wire.Timeout);
        client.CoreUuid.Should().BeNull();

        var recorded = Inbound.Event("CHANNEL_CREATE");
        await fs.SendAsync(recorded.Data);
        var first = await events.Reader.ReadAsync().AsTask().WaitAsync(Wire.Timeout);

        first.GetHeader("Core-UUID").Should().NotBeNullOrEmpty();
        client.CoreUuid.Should().Be(first.GetHeader("Core-UUID"));
    }

    /// <summary>Plays FreeSWITCH's side of a login: greeting, auth, the event subscription, each filter, then the
    /// question of its Core-UUID.</summary>
    private static Task LoginAsync(RawPeer fs, string password, string[] events, params string[] filters) =>
        LoginAnsweringAsync(fs, password, events, BoxCoreUuid, filters);

    private static async Task LoginAnsweringAsync(RawPeer fs, string password, string[] events, string coreUuidAnswer, params string[] filters)
    {
        await fs.SendAsync(Greeting.Data);
        (await fs.ReadCommandAsync()).Should().Be($"auth {password}\n\n");
        await fs.SendAsync(Accepted.Data);
        var subscribe = await fs.ReadCommandAsync();
        subscribe.Should().StartWith("event plain ").And.EndWith("\n\n");
        subscribe["event plain ".Length..^2].Split(' ').Should().BeEquivalentTo(events);
        await fs.SendAsync(EventsEnabled.Data);
        foreach (var filter in filters)
        {
            (await fs.ReadCommandAsync()).Should().Be(filter + "\n\n");
            await fs.SendAsync("Content-Type: command/reply\nReply-Text: +OK filter added.\n\n");
        }

        await AnswerCoreUuidAsync(fs, coreUuidAnswer);
    }

    /// <summary><c>api global_getvar core_uuid</c> and FreeSWITCH's answer (mod_commands prints the value alone).</summary>
    private static async Task AnswerCoreUuidAsync(RawPeer fs, string answer)
    {
        (await fs.ReadCommandAsync()).Should().Be("api global_getvar core_uuid\n\n");
        var body = System.Text.Encoding.UTF8.GetBytes(answer);
        await fs.SendAsync($"Content-Type: api/response\nContent-Length: {body.Length}\n\n{answer}");
    }

    [GeneratedRegex("\nJob-UUID: ([0-9a-f-]{36})\n")]
    private static partial Regex JobUuidHeader();
}
