using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using IvrEngine.EventSocket;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.EventSocket;

/// <summary>EslConnection over real TCP against a scripted raw peer.</summary>
public partial class EslConnectionTests
{
    private const string Ok = "Content-Type: command/reply\nReply-Text: +OK\n\n";

    [Fact]
    public async Task Several_api_commands_in_flight_get_their_own_replies_in_order()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var calls = Enumerable.Range(1, 5).Select(i => (Command: $"echo {i}", Task: connection.ApiAsync($"echo {i}"))).ToList();
            var received = new List<string>();
            for (var i = 0; i < calls.Count; i++) received.Add(await peer.ReadCommandAsync());
            received.Should().BeEquivalentTo(calls.Select(c => $"api {c.Command}\n\n"));

            // Answer in wire order, with an event between two replies.
            var first = true;
            foreach (var command in received)
            {
                var body = "reply to " + command.Trim() + "\n";
                await peer.SendAsync($"Content-Type: api/response\nContent-Length: {body.Length}\n\n{body}");
                if (first) await peer.SendAsync(PlainEvent("HEARTBEAT"));
                first = false;
            }

            foreach (var (command, task) in calls)
            {
                (await task.WaitAsync(Wire.Timeout)).Text.Should().Be($"reply to api {command}");
            }
        }
    }

    [Fact]
    public async Task Api_answered_with_a_command_reply_reads_as_its_reply_text()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var api = connection.ApiAsync("status");
            await peer.ReadCommandAsync();
            await peer.SendAsync("Content-Type: command/reply\nReply-Text: -ERR command not found\n\n");
            var response = await api.WaitAsync(Wire.Timeout);
            response.IsError.Should().BeTrue();
            response.Text.Should().Be("-ERR command not found");
        }
    }

    [Fact]
    public async Task Bgapi_completes_on_the_BACKGROUND_JOB_carrying_its_own_Job_UUID()
    {
        var capture = CaptureFiles.Load("outbound-plain-session.txt");
        var recordedReply = capture.ReplyTo(capture.Command("bgapi status\n\n"));
        var recordedJob = recordedReply.Header("Job-UUID")!;
        var recordedEvent = capture.First(CaptureFiles.FsToApp, r => r.EventName == "BACKGROUND_JOB" && r.Header("Job-UUID") == recordedJob, "the job's BACKGROUND_JOB");
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var job = connection.BackgroundApiAsync("status");
            var command = await peer.ReadCommandAsync();
            var match = JobUuidHeader().Match(command);
            match.Success.Should().BeTrue($"bgapi sends its own Job-UUID header: \"{command}\"");
            var jobUuid = match.Groups[1].Value;
            command.Should().Be($"bgapi status\nJob-UUID: {jobUuid}\n\n");

            // The reply FreeSWITCH sends (real bytes, with the Job-UUID it was given).
            await peer.SendAsync(Wire.ReplaceSameLength(recordedReply.Data, recordedJob, jobUuid));
            // Someone else's job first: it must not complete ours.
            await peer.SendAsync(recordedEvent.Data);
            var api = connection.ApiAsync("status");
            await peer.ReadCommandAsync();
            await peer.SendAsync("Content-Type: api/response\nContent-Length: 4\n\n+OK\n");
            await api.WaitAsync(Wire.Timeout);
            job.IsCompleted.Should().BeFalse("a BACKGROUND_JOB with another Job-UUID arrived");

            await peer.SendAsync(Wire.ReplaceSameLength(recordedEvent.Data, recordedJob, jobUuid));
            var result = await job.WaitAsync(Wire.Timeout);
            result.JobUuid.Should().Be(jobUuid);
            result.Body.Should().StartWith("UP 0 years").And.Contain("FreeSWITCH (Version 1.10.12-release  64bit) is ready\n");
            result.IsOk.Should().BeFalse("status output does not start with +OK");
            result.Event.EventName.Should().Be("BACKGROUND_JOB");
            result.Event.GetHeader("Job-Command").Should().Be("status");
            result.Event.Message.IsReadable.Should().BeTrue("the job's event is an owned copy");
        }
    }

    [Fact]
    public async Task Bgapi_completes_on_a_json_BACKGROUND_JOB()
    {
        var capture = CaptureFiles.Load("outbound-json-events.txt");
        var command = capture.Command("bgapi uuid_getvar ");
        var recordedReply = capture.ReplyTo(command);
        var recordedJob = recordedReply.Header("Job-UUID")!;
        var recordedEvent = capture.First(CaptureFiles.FsToApp, r => r.EventName == "BACKGROUND_JOB" && r.Header("Job-UUID") == recordedJob, "the job's BACKGROUND_JOB");
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var job = connection.BackgroundApiAsync(command.Text["bgapi ".Length..^2]);
            var jobUuid = JobUuidHeader().Match(await peer.ReadCommandAsync()).Groups[1].Value;
            await peer.SendAsync(Wire.ReplaceSameLength(recordedReply.Data, recordedJob, jobUuid));
            await peer.SendAsync(Wire.ReplaceSameLength(recordedEvent.Data, recordedJob, jobUuid));
            var result = await job.WaitAsync(Wire.Timeout);
            result.Body.Should().Be("98765");
            result.Event.Format.Should().Be(EslEventFormat.Json);
        }
    }

    [Fact]
    public async Task Bgapi_refused_throws_with_the_reply_text()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var job = connection.BackgroundApiAsync("status");
            await peer.ReadCommandAsync();
            await peer.SendAsync("Content-Type: command/reply\nReply-Text: -ERR no permission\n\n");
            var thrown = await FluentActions.Awaiting(() => job.WaitAsync(Wire.Timeout)).Should().ThrowAsync<EslCommandException>();
            thrown.Which.ReplyText.Should().Be("-ERR no permission");
        }
    }

    [Fact]
    public async Task A_socket_drop_ends_every_pending_wait_at_once()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var subscription = connection.Events.Subscribe(new Observer<EslEvent>(_ => { }, completed.SetResult));

            var job = connection.BackgroundApiAsync("status");
            await peer.ReadCommandAsync();
            await peer.SendAsync("Content-Type: command/reply\nReply-Text: +OK Job-UUID: x\n\n");
            var api = connection.ApiAsync("status");
            var command = connection.SendCommandAsync("myevents");
            await peer.ReadCommandAsync();
            await peer.ReadCommandAsync();

            peer.Close();

            (await connection.Completion.WaitAsync(Wire.Timeout)).Should().Be(EslCloseReason.PeerClosed);
            await FluentActions.Awaiting(() => job.WaitAsync(Wire.Timeout)).Should().ThrowAsync<EslConnectionClosedException>();
            await FluentActions.Awaiting(() => api.WaitAsync(Wire.Timeout)).Should().ThrowAsync<EslConnectionClosedException>();
            await FluentActions.Awaiting(() => command.WaitAsync(Wire.Timeout)).Should().ThrowAsync<EslConnectionClosedException>();
            await completed.Task.WaitAsync(Wire.Timeout);
            await FluentActions.Awaiting(() => connection.SendCommandAsync("noevents")).Should().ThrowAsync<EslConnectionClosedException>();

            // A late subscriber is completed at once.
            var late = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var lateSubscription = connection.Events.Subscribe(new Observer<EslEvent>(_ => { }, late.SetResult));
            late.Task.IsCompleted.Should().BeTrue();
        }
    }

    [Fact]
    public async Task Abort_ends_pending_commands_and_closes_the_socket()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var api = connection.ApiAsync("status");
            await peer.ReadCommandAsync();
            connection.Abort();
            (await connection.Completion.WaitAsync(Wire.Timeout)).Should().Be(EslCloseReason.Local);
            await FluentActions.Awaiting(() => api.WaitAsync(Wire.Timeout)).Should().ThrowAsync<EslConnectionClosedException>();
            (await peer.ReadToEndAsync()).Should().BeEmpty();
        }
    }

    [Fact]
    public async Task An_observer_that_throws_is_dropped_and_the_others_and_the_connection_go_on()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var faulty = 0;
            var good = new ConcurrentQueue<EslEvent>();
            var third = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var bad = connection.Events.Subscribe(new Observer<EslEvent>(_ =>
            {
                Interlocked.Increment(ref faulty);
                throw new InvalidOperationException("observer bug");
            }));
            using var fine = connection.Events.Subscribe(new Observer<EslEvent>(e =>
            {
                good.Enqueue(e);
                if (good.Count == 3) third.TrySetResult();
            }));

            await peer.SendAsync(PlainEvent("CHANNEL_ANSWER") + PlainEvent("DTMF") + PlainEvent("CHANNEL_HANGUP"));
            await third.Task.WaitAsync(Wire.Timeout);
            good.Select(e => e.EventName).Should().Equal("CHANNEL_ANSWER", "DTMF", "CHANNEL_HANGUP");
            faulty.Should().Be(1, "the observer that threw was unsubscribed");

            var api = connection.ApiAsync("status");
            await peer.ReadCommandAsync();
            await peer.SendAsync("Content-Type: api/response\nContent-Length: 4\n\n+OK\n");
            (await api.WaitAsync(Wire.Timeout)).IsOk.Should().BeTrue();
            connection.Completion.IsCompleted.Should().BeFalse();
        }
    }

    [Fact]
    public async Task Events_handed_to_observers_stay_readable_after_later_events_reuse_the_pool()
    {
        var capture = CaptureFiles.Load("outbound-plain-session.txt");
        var dtmf = capture.From(CaptureFiles.FsToApp).Select(r => r.Data).Where(d => Wire.ReadAll(d)[0].BodyText.Contains("Event-Name: DTMF\n", StringComparison.Ordinal)).ToList();
        dtmf.Should().HaveCount(5);
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var kept = new ConcurrentQueue<EslEvent>();
            var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var subscription = connection.Events.Subscribe(new Observer<EslEvent>(e =>
            {
                kept.Enqueue(e);
                if (kept.Count == dtmf.Count * 20) all.TrySetResult();
            }));

            for (var round = 0; round < 20; round++) await peer.SendAsync(dtmf.SelectMany(d => d).ToArray());
            await all.Task.WaitAsync(Wire.Timeout);

            kept.Should().OnlyContain(e => e.Message.IsReadable);
            string.Concat(kept.Select(e => e.GetHeader("DTMF-Digit"))).Should().Be(string.Concat(Enumerable.Repeat("1234#", 20)));
        }
    }

    [Fact]
    public async Task Log_lines_are_published_with_their_headers()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var line = new TaskCompletionSource<EslLogLine>(TaskCreationOptions.RunContinuationsAsynchronously);
            using var subscription = connection.Logs.Subscribe(new Observer<EslLogLine>(l => line.TrySetResult(l)));
            await peer.SendAsync("Content-Type: log/data\nContent-Length: 6\nLog-Level: 4\nText-Channel: 3\nLog-File: switch_ivr.c\n" +
                                 "Log-Func: play\nLog-Line: 42\nUser-Data: b5dc9540\n\nhello\n");
            var log = await line.Task.WaitAsync(Wire.Timeout);
            log.Should().Be(new EslLogLine(4, "3", "switch_ivr.c", "play", 42, "b5dc9540", "hello\n"));
        }
    }

    [Fact]
    public async Task Subscribe_and_filter_write_the_commands_FreeSWITCH_expects()
    {
        var (connection, peer) = await RawPeer.PairAsync();
        await using (connection)
        await using (peer)
        {
            var subscribe = connection.SubscribeAsync(EslEventFormat.Json, ["CHANNEL_EXECUTE_COMPLETE", "DTMF"]);
            (await peer.ReadCommandAsync()).Should().Be("event json CHANNEL_EXECUTE_COMPLETE DTMF\n\n");
            await peer.SendAsync("Content-Type: command/reply\nReply-Text: +OK event listener enabled json\n\n");
            (await subscribe.WaitAsync(Wire.Timeout)).ReplyText.Should().Be("+OK event listener enabled json");

            var filter = connection.FilterAsync("Unique-ID", "9f0d7857-6885-4d92-801a-1026486c33d0");
            (await peer.ReadCommandAsync()).Should().Be("filter Unique-ID 9f0d7857-6885-4d92-801a-1026486c33d0\n\n");
            await peer.SendAsync(Ok);
            (await filter.WaitAsync(Wire.Timeout)).IsOk.Should().BeTrue();

            var unknown = connection.SubscribeAsync(EslEventFormat.Plain, ["NOT_AN_EVENT"]);
            await peer.ReadCommandAsync();
            await peer.SendAsync("Content-Type: command/reply\nReply-Text: -ERR no keywords supplied\n\n");
            (await unknown.WaitAsync(Wire.Timeout)).IsError.Should().BeTrue();
        }
    }

    private static string PlainEvent(string name)
    {
        var inner = $"Event-Name: {name}\nUnique-ID: 6a0b2c3d-1111-4222-8333-444455556666\nDTMF-Digit: %23\n\n";
        return $"Content-Length: {inner.Length}\nContent-Type: text/event-plain\n\n{inner}";
    }

    [GeneratedRegex("\nJob-UUID: ([0-9a-f-]{36})\n")]
    private static partial Regex JobUuidHeader();
}
