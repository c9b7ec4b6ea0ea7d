using System.Globalization;
using System.Text;
using System.Text.Json;

namespace IvrEngine.Benchmarks.Record;

/// <summary>The scripted calls. Each plays the application on the outbound socket (FS->APP / APP->FS) and, where the
/// call needs it, a control connection on the inbound event socket (FS->CTL / CTL->FS) that originates the call,
/// injects DTMF and watches. Calls to any number reach the recorder through the shipped dialplan
/// (<c>socket $${ivr_engine_host} async full</c>).</summary>
internal static class Scenarios
{
    private const string Execute = "CHANNEL_EXECUTE";
    private const string Complete = "CHANNEL_EXECUTE_COMPLETE";
    private const string ChosenEventUuid = "a1b2c3d4-0000-4000-8000-00000000cafe";
    private const string ChosenJobUuid = "7f4d9c2e-1111-4222-8333-444455556666";
    private const string Pagd = @"4 10 3 5000 # tone_stream://%(200,0,500) tone_stream://%(200,0,300) collected_acct \d+";
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    public static IReadOnlyList<Scenario> All { get; } =
    [
        new("outbound-plain-session",
        [
            "a whole call on the outbound socket with plain events.",
            "Control: event plain CHANNEL_HANGUP_COMPLETE, then bgapi originate {origination_caller_id_number=15551234567,",
            "  origination_caller_id_name='Alice Example'}loopback/5000/default &park(); the socket runs on loopback/5000-b.",
            "App: connect, myevents, linger, event plain CHANNEL_EXECUTE_COMPLETE DTMF CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE",
            "  BACKGROUND_JOB, getvar caller_id_name, getvar no_such_var, sendmsg answer (event-lock), sendmsg set (event-lock +",
            "  Event-UUID), sendmsg play_and_get_digits (event-lock; the control connection sends uuid_recv_dtmf 1234#), api",
            "  uuid_setvar, api uuid_getvar, bgapi status, two sendmsg WITHOUT event-lock back to back (playback of a 1.5 s tone,",
            "  set), a sendmsg whose argument is a body (content-type text/plain), sendmsg hangup; waits 6 s after the linger",
            "  notice (bare linger: FreeSWITCH does not close), then exit.",
        ], PlainSessionAsync),
        new("outbound-json-events",
        [
            "the outbound socket with JSON events, filters instead of myevents, linger 5, leaving by transfer.",
            "Control: bgapi originate {origination_caller_id_number=15557654321,origination_caller_id_name='Bob Json'}",
            "  loopback/5000/default &park(); uuid_recv_dtmf 98765# during play_and_get_digits; uuid_kill after the transfer.",
            "App: connect, linger 5, event json CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE DTMF CHANNEL_ANSWER CHANNEL_HANGUP",
            "  CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB CHANNEL_PARK CHANNEL_UNPARK, filter Unique-ID <uuid>, filter Event-Name",
            "  BACKGROUND_JOB, sendmsg answer, play_and_get_digits, bgapi uuid_getvar, sendmsg transfer '9196 XML default'",
            "  (the shipped echo extension: answer, echo); then only listens until FreeSWITCH closes (linger 5).",
            "The first BACKGROUND_JOB on the app's socket is the control connection's originate: 'filter Event-Name",
            "  BACKGROUND_JOB' is not limited to this socket's own jobs.",
        ], JsonEventsAsync),
        new("outbound-sync-mode",
        [
            "the socket application without 'async': the reply to an execute comes when the application finished.",
            "Control: bgapi originate {origination_caller_id_number=15550000007}'loopback/socket:<recorder> full/default/inline'",
            "  &park() (the loopback b-leg runs the inline dialplan 'socket <recorder> full').",
            "App: connect, myevents, linger, sendmsg answer, sendmsg playback tone_stream://%(1500,0,440) and sendmsg set x=1",
            "  back to back (no event-lock), api uuid_getvar x, sendmsg hangup, exit. Compare the t=+ of the replies.",
        ], SyncModeAsync),
        new("outbound-malformed-commands",
        [
            "how the outbound socket answers bad input.",
            "Control: event plain CHANNEL_HANGUP; bgapi originate {origination_caller_id_number=15550000001}loopback/5000/default",
            "  &park(); at the end api uuid_exists.",
            "App: (1) a command before connect, (2) connect, myevents plain, (3) getvar with CRLF line ends, (4) a command split",
            "  across two writes 2 s apart, (5) an unknown event name, (6) an unknown api, (7) sendmsg without call-command,",
            "  (8) an unknown call-command, (9) a sendmsg with a header line without a colon, (10) nixevent of an unknown event,",
            "  (11) execute of a non-existent application (last: it ends the call).",
        ], MalformedCommandsAsync),
        new("outbound-connect-edge-cases",
        [
            "an application that closes before 'connect' (E1), and one that never sends anything (E2).",
            "Control: event plain CHANNEL_HANGUP CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE; bgapi originate",
            "  {origination_caller_id_number=1555000000N}loopback/5000/default &park(); after each case api uuid_getvar",
            "  <b-leg> current_application (where the channel is), then uuid_kill.",
        ], ConnectEdgeCasesAsync),
        new("socket-closed-midcall",
        [
            "what happens to the call when the application closes its socket.",
            "Control: event plain CHANNEL_HANGUP CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE; bgapi originate",
            "  {origination_caller_id_number=1555000000N}loopback/5000/default &park() per case; uuid_kill once the",
            "  call reached the queue (the shipped dialplan goes on after the socket: the failover socket, refused, then",
            "  transfer to queue_general).",
            "A: connect, myevents, answer, playback of a 10 s tone (event-lock), close during it.",
            "B: the same with 'resume' sent after myevents.",
            "C: connect, myevents, answer, close while nothing runs.",
        ], SocketClosedMidcallAsync),
        new("inbound-session",
        [
            "inbound event-socket connections (the main connection is FS->APP / APP->FS here).",
            "CONN 1: a wrong password. CONN 2: auth, api status, api version, api no_such_command, event plain BACKGROUND_JOB,",
            "  bgapi status, bgapi with a chosen Job-UUID, event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE,",
            "  filter Caller-Caller-ID-Number 15559990000, bgapi originate {origination_caller_id_number=15559990000,",
            "  origination_caller_id_name='Filter Demo'}loopback/9196/default &hangup() (the echo extension answers, the a-leg",
            "  hangs up at once), filter delete, nixevent, noevents, event json HEARTBEAT, exit.",
            "CONN 3: a command before auth.",
        ], InboundSessionAsync),
        new("callcenter-context",
        [
            "the IVR context collected on the outbound socket, the caller sent to a queue, what reaches the agent's leg.",
            "Control: event plain CUSTOM callcenter::info, event plain CHANNEL_BRIDGE CHANNEL_UNBRIDGE; agent 1003@default",
            "  (level 1 of general@default) gets the contact [leg_timeout=10,null_enable_auto_answer=true,null_auto_answer_delay=200]",
            "  null/1003 (mod_loopback's null endpoint answers after 200 ms: it stands for the agent's phone), status Available,",
            "  state Waiting; bgapi originate {origination_caller_id_number=15551112222,",
            "  origination_caller_id_name='Carol Caller'}loopback/5000/default &park(); uuid_recv_dtmf 1234#; once the agent is",
            "  bridged: api show channels as json, api uuid_dump of every channel, then uuid_kill of the agent's leg.",
            "App: connect, myevents, linger, event plain CUSTOM callcenter::info, answer, play_and_get_digits (collected_acct),",
            "  as the engine does: export ivr_flow, ivr_account, ivr_client_id; set crm_customer_id (listed in ivr_export_extra);",
            "  set ivr_private_note (not listed); export crm_via_export (exported, not listed); set ivr_export_extra=crm_customer_id;",
            "  sendmsg transfer 'queue_general XML default' (the shipped queue extension sets cc_export_vars to the context",
            "  variables + ${ivr_export_extra} and runs callcenter general@default); after the call ended, exit.",
        ], CallcenterContextAsync),
        new("callcenter-overflow",
        [
            "a caller in vip@default while none of its agents is signed in: mod_callcenter lets the caller go (the queue's",
            "  max-wait-time-with-no-agent) and, as nothing follows the queue, the call ends.",
            "Control: event plain CUSTOM callcenter::info, event plain CHANNEL_HANGUP_COMPLETE; agents 1001, 1002 (level 1 of",
            "  vip) and 1003 (level 2) set 'Logged Out'; bgapi originate {origination_uuid=<caller>,",
            "  origination_caller_id_number=15551230001,origination_caller_id_name='Vic Vip',null_enable_auto_answer=true}",
            "  null/15551230001 callcenter:vip@default inline (mod_loopback's null endpoint stands for the caller; the inline",
            "  dialplan runs only the queue, then ends); waits for member-queue-end and the caller's CHANNEL_HANGUP_COMPLETE.",
        ], OverflowAsync),
        new("callcenter-overflow-to-general",
        [
            "a caller sent to the shipped queue extension queue_vip while none of vip's agents is signed in: vip lets the",
            "  caller go, ivr_queue_exit and ivr_queue_overflow move the call to general, where agent 1004 answers.",
            "Control: event plain CUSTOM callcenter::info, event plain CHANNEL_HANGUP_COMPLETE; agents 1001, 1002, 1003, 1005,",
            "  1006 set 'Logged Out'; agent 1004 (level 2 of general, the only one signed in) gets the contact",
            "  [leg_timeout=10,null_enable_auto_answer=true,null_auto_answer_delay=200]null/1004, status Available, state",
            "  Waiting; bgapi originate {origination_uuid=<caller>,origination_caller_id_number=15551230001,",
            "  origination_caller_id_name='Vic Vip',null_enable_auto_answer=true}null/15551230001 queue_vip XML default;",
            "  once 1004 is bridged, 1 s, then uuid_kill of the agent's leg (the caller goes on to ivr_queue_exit: hangup).",
        ], OverflowToGeneralAsync),
        new("callcenter-agent-no-answer",
        [
            "a caller in vip@default offered to agent 1001, whose phone rings and never answers, then to agent 1002, who does.",
            "Control: event plain CUSTOM callcenter::info, event plain CHANNEL_HANGUP_COMPLETE; agent 1003 (level 2) set",
            "  'Logged Out'; agent 1001 gets the contact [leg_timeout=3]loopback/sleep:10000/default/inline (a leg that is never",
            "  answered: it rings until leg_timeout; the null endpoint answers at once even without auto-answer), agent 1002",
            "  [leg_timeout=10,null_enable_auto_answer=true,null_auto_answer_delay=200]null/1002;",
            "  both Available, Waiting, ready_time 0; 1002's state set Receiving then Waiting (mod_callcenter stamps its",
            "  last_offered_call, so longest-idle-agent rings 1001 first); bgapi originate {origination_uuid=<caller>,",
            "  origination_caller_id_number=15551230001,origination_caller_id_name='Vic Vip',null_enable_auto_answer=true}",
            "  null/15551230001 queue_vip XML default; once 1002 is bridged, 1 s, then uuid_kill of the agent's leg.",
        ], AgentNoAnswerAsync),
    ];

    private static string SendExecute(string app, string? arg, bool eventLock, string? eventUuid = null)
    {
        var text = new StringBuilder("sendmsg\ncall-command: execute\nexecute-app-name: ").Append(app).Append('\n');
        if (arg is not null) text.Append("execute-app-arg: ").Append(arg).Append('\n');
        if (eventLock) text.Append("event-lock: true\n");
        if (eventUuid is not null) text.Append("Event-UUID: ").Append(eventUuid).Append('\n');
        return text.Append('\n').ToString();
    }

    private static async Task<string> ConnectAsync(EslPeer app, TranscriptRecorder recorder)
    {
        var reply = await app.CommandAsync("connect\n\n");
        var uuid = reply.Headers.GetValueOrDefault("Unique-ID") ?? throw new InvalidOperationException("The connect reply has no Unique-ID.");
        recorder.Note($"controlled channel uuid = {uuid}");
        return uuid;
    }

    private static string Originate(string callerNumber, string? callerName, string destination, string app = "&park()")
    {
        var name = callerName is null ? string.Empty : $",origination_caller_id_name='{callerName}'";
        return $"bgapi originate {{origination_caller_id_number={callerNumber}{name}}}{destination} {app}\n\n";
    }

    /// <summary>Waits for both the linger disconnect-notice and the channel's CHANNEL_HANGUP_COMPLETE, in whichever
    /// order they come; returns the notice.</summary>
    private static async Task<WireFrame> LingerNoticeAndHangupCompleteAsync(EslPeer app, string uuid)
    {
        WireFrame? notice = null;
        var complete = false;
        await app.ExpectAsync(f =>
        {
            if (f.IsDisconnectNotice) notice ??= f;
            if (f.Is("CHANNEL_HANGUP_COMPLETE", uuid: uuid)) complete = true;
            return notice is not null && complete;
        }, "the linger notice and CHANNEL_HANGUP_COMPLETE", TimeSpan.FromSeconds(30));
        return notice!;
    }

    private static string Seconds(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    private static async Task PlainSessionAsync(RecordSession session, TranscriptRecorder recorder)
    {
        await using var ctl = await session.LoginAsync(recorder);
        await ctl.CommandAsync("event plain CHANNEL_HANGUP_COMPLETE\n\n");
        await ctl.CommandAsync(Originate("15551234567", "Alice Example", "loopback/5000/default"));

        await using var app = await session.AcceptAsync(recorder);
        var uuid = await ConnectAsync(app, recorder);
        await app.CommandAsync("myevents\n\n");
        await app.CommandAsync("linger\n\n");
        await app.CommandAsync("event plain CHANNEL_EXECUTE_COMPLETE DTMF CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE BACKGROUND_JOB\n\n");
        await app.CommandAsync("getvar caller_id_name\n\n");
        await app.CommandAsync("getvar no_such_var\n\n");
        await app.CommandAsync(SendExecute("answer", null, eventLock: true));
        await app.ExpectAsync(f => f.Is(Complete, "answer"), "answer completed");
        await app.CommandAsync(SendExecute("set", "ivr_intent=billing", eventLock: true, ChosenEventUuid));
        await app.ExpectAsync(f => f.Is(Complete, "set"), "set completed");
        await app.CommandAsync(SendExecute("play_and_get_digits", Pagd, eventLock: true));
        await app.ExpectAsync(f => f.Is(Execute, "play_and_get_digits"), "play_and_get_digits started");
        await Task.Delay(600);
        recorder.Note($"the control connection now sends: api uuid_recv_dtmf {uuid} 1234#");
        await ctl.CommandAsync($"api uuid_recv_dtmf {uuid} 1234#\n\n");
        await app.ExpectAsync(f => f.Is(Complete, "play_and_get_digits"), "play_and_get_digits completed");

        await app.CommandAsync($"api uuid_setvar {uuid} crm_ticket 42\n\n");
        await app.CommandAsync($"api uuid_getvar {uuid} collected_acct\n\n");
        await app.CommandAsync("bgapi status\n\n");
        await app.ExpectAsync(f => f.EventName == "BACKGROUND_JOB", "the BACKGROUND_JOB of bgapi status");

        recorder.Note("next: two sendmsg WITHOUT event-lock sent back to back (no wait between them)");
        await app.SendAsync(SendExecute("playback", "tone_stream://%(1500,0,440)", eventLock: false));
        await app.SendAsync(SendExecute("set", "after_playback=yes", eventLock: false));
        await app.ReplyAsync();
        await app.ReplyAsync();
        await app.ExpectAsync(f => f.Is(Complete, "playback"), "playback completed");

        recorder.Note("next: a sendmsg whose application argument is a body (content-type: text/plain + content-length)");
        const string Long = "long_arg_demo=this value has spaces & symbols: 100%";
        await app.CommandAsync("sendmsg\ncall-command: execute\nexecute-app-name: set\nevent-lock: true\ncontent-type: text/plain\n" +
                               $"content-length: {Encoding.UTF8.GetByteCount(Long)}\n\n{Long}");
        await app.ExpectAsync(f => f.Is(Complete, "set") && f.Event("Application-Data") == Long, "set with the body argument completed");

        await app.CommandAsync("sendmsg\ncall-command: hangup\nhangup-cause: NORMAL_CLEARING\n\n");
        await LingerNoticeAndHangupCompleteAsync(app, uuid);
        var closed = await app.WaitClosedAsync(TimeSpan.FromSeconds(6));
        recorder.Note(closed
            ? "FreeSWITCH closed the socket within 6 s after the hangup despite bare 'linger'"
            : "6 s after the hangup with bare 'linger' FreeSWITCH has not closed the socket; the app sends exit");
        if (!closed)
        {
            await app.CommandAsync("exit\n\n");
            recorder.Note(await app.WaitClosedAsync(EslPeer.DefaultWait) ? "after exit: FreeSWITCH closed the socket" : "after exit: still open");
        }

        await ctl.ExpectAsync(f => f.Is("CHANNEL_HANGUP_COMPLETE", uuid: uuid), "the control connection's CHANNEL_HANGUP_COMPLETE");
        await ctl.TryExpectAsync(_ => false, TimeSpan.FromSeconds(1));
        await ctl.CommandAsync("exit\n\n");
        await ctl.WaitClosedAsync(EslPeer.DefaultWait);
    }

    private static async Task JsonEventsAsync(RecordSession session, TranscriptRecorder recorder)
    {
        await using var ctl = await session.LoginAsync(recorder);
        await ctl.CommandAsync(Originate("15557654321", "Bob Json", "loopback/5000/default"));

        await using var app = await session.AcceptAsync(recorder);
        var uuid = await ConnectAsync(app, recorder);
        await app.CommandAsync("linger 5\n\n");
        await app.CommandAsync("event json CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE DTMF CHANNEL_ANSWER CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE " +
                               "BACKGROUND_JOB CHANNEL_PARK CHANNEL_UNPARK\n\n");
        await app.CommandAsync($"filter Unique-ID {uuid}\n\n");
        await app.CommandAsync("filter Event-Name BACKGROUND_JOB\n\n");
        await app.CommandAsync(SendExecute("answer", null, eventLock: true));
        await app.ExpectAsync(f => f.Is(Complete, "answer"), "answer completed");
        await app.CommandAsync(SendExecute("play_and_get_digits", @"5 10 3 4000 # tone_stream://%(200,0,500) tone_stream://%(200,0,300) collected_acct \d+", eventLock: true));
        await app.ExpectAsync(f => f.Is(Execute, "play_and_get_digits"), "play_and_get_digits started");
        await Task.Delay(500);
        recorder.Note($"the control connection now sends: api uuid_recv_dtmf {uuid} 98765#");
        await ctl.CommandAsync($"api uuid_recv_dtmf {uuid} 98765#\n\n");
        await app.ExpectAsync(f => f.Is(Complete, "play_and_get_digits"), "play_and_get_digits completed");
        var job = await app.CommandAsync($"bgapi uuid_getvar {uuid} collected_acct\n\n");
        var jobUuid = job.Headers.GetValueOrDefault("Job-UUID");
        await app.ExpectAsync(f => f.EventName == "BACKGROUND_JOB" && f.Event("Job-UUID") == jobUuid, "the BACKGROUND_JOB of bgapi uuid_getvar");
        await app.CommandAsync(SendExecute("transfer", "9196 XML default", eventLock: true));
        await app.ExpectAsync(f => f.Is(Execute, "echo"), "the echo extension started", Long);
        await Task.Delay(1000);
        recorder.Note($"the call runs the echo extension; the control connection now sends: api uuid_kill {uuid}");
        await ctl.CommandAsync($"api uuid_kill {uuid}\n\n");
        var notice = await LingerNoticeAndHangupCompleteAsync(app, uuid);
        var closed = await app.WaitClosedAsync(TimeSpan.FromSeconds(15));
        recorder.Note(closed
            ? $"FreeSWITCH closed the socket {Seconds(recorder.Seconds - notice.Seconds)} s after the linger notice"
            : "FreeSWITCH did not close the socket within 15 s of the linger notice");
        await ctl.CommandAsync("exit\n\n");
        await ctl.WaitClosedAsync(EslPeer.DefaultWait);
    }

    private static async Task SyncModeAsync(RecordSession session, TranscriptRecorder recorder)
    {
        await using var ctl = await session.LoginAsync(recorder);
        await ctl.CommandAsync(Originate("15550000007", null, $"'loopback/socket:{session.Listen} full/default/inline'"));

        await using var app = await session.AcceptAsync(recorder);
        var uuid = await ConnectAsync(app, recorder);
        await app.CommandAsync("myevents\n\n");
        await app.CommandAsync("linger\n\n");
        await app.CommandAsync(SendExecute("answer", null, eventLock: false));
        await app.ExpectAsync(f => f.Is(Complete, "answer"), "answer completed");
        recorder.Note("next: sendmsg playback (1.5 s) and sendmsg set x=1 back to back, without event-lock");
        var sent = recorder.Seconds;
        await app.SendAsync(SendExecute("playback", "tone_stream://%(1500,0,440)", eventLock: false));
        await app.SendAsync(SendExecute("set", "x=1", eventLock: false));
        await app.ReplyAsync();
        recorder.Note($"the first +OK came {Seconds(recorder.Seconds - sent)} s after the playback was sent");
        await app.ReplyAsync();
        await app.ExpectAsync(f => f.Is(Complete, "set"), "set completed");
        await app.CommandAsync($"api uuid_getvar {uuid} x\n\n");
        await app.CommandAsync("sendmsg\ncall-command: hangup\nhangup-cause: NORMAL_CLEARING\n\n");
        await app.ExpectAsync(f => f.IsDisconnectNotice, "the linger notice");
        var closed = await app.WaitClosedAsync(TimeSpan.FromSeconds(2));
        recorder.Note(closed ? "FreeSWITCH closed the socket after the hangup" : "2 s after the linger notice the socket is open; the app sends exit");
        if (!closed)
        {
            await app.CommandAsync("exit\n\n");
            await app.WaitClosedAsync(EslPeer.DefaultWait);
        }

        await ctl.CommandAsync("exit\n\n");
        await ctl.WaitClosedAsync(EslPeer.DefaultWait);
    }

    private static async Task MalformedCommandsAsync(RecordSession session, TranscriptRecorder recorder)
    {
        await using var ctl = await session.LoginAsync(recorder);
        await ctl.CommandAsync("event plain CHANNEL_HANGUP\n\n");
        await ctl.CommandAsync(Originate("15550000001", null, "loopback/5000/default"));
        await using var app = await session.AcceptAsync(recorder);

        recorder.Note("(1) an unknown command sent first, before connect; waiting 5 s");
        await app.SendAsync("hello world\n\n");
        var early = await app.TryExpectAsync(_ => true, TimeSpan.FromSeconds(5));
        recorder.Note($"(1) after 5 s: {(early is null ? "nothing received" : early.ToString())}");

        recorder.Note("(2) connect");
        var uuid = await ConnectAsync(app, recorder);
        await app.CommandAsync("myevents plain\n\n");

        recorder.Note("(3) CRLF line ends: getvar caller_id_number\\r\\n\\r\\n; waiting up to 3 s for a reply");
        await app.SendAsync("getvar caller_id_number\r\n\r\n");
        var crlf = await app.TryExpectAsync(f => f.IsReply, TimeSpan.FromSeconds(3));
        recorder.Note($"(3) result: {crlf?.ToString() ?? "no reply"}");

        recorder.Note("(4) 'event plain DTMF\\n' (one line end only), then 2 s, then the second '\\n'");
        await app.SendAsync("event plain DTMF\n");
        var half = await app.TryExpectAsync(f => f.IsReply, TimeSpan.FromSeconds(2));
        recorder.Note($"(4) after 2 s: {half?.ToString() ?? "no reply"}; now the final '\\n'");
        await app.SendAsync("\n");
        await app.ReplyAsync();

        recorder.Note("(5) event plain NOT_AN_EVENT");
        await app.CommandAsync("event plain NOT_AN_EVENT\n\n");
        recorder.Note("(6) api no_such_api foo");
        await app.CommandAsync("api no_such_api foo\n\n");
        recorder.Note("(7) sendmsg without call-command");
        await app.CommandAsync("sendmsg\nexecute-app-name: answer\n\n");
        recorder.Note("(8) sendmsg with an unknown call-command");
        await app.CommandAsync("sendmsg\ncall-command: dance\n\n");
        recorder.Note("(9) sendmsg with a header line without a colon (execute answer, event-lock)");
        await app.CommandAsync("sendmsg\nthis line has no colon\ncall-command: execute\nexecute-app-name: answer\nevent-lock: true\n\n");
        var answered = await app.TryExpectAsync(f => f.Is(Complete, "answer"), TimeSpan.FromSeconds(2));
        recorder.Note($"(9) answer {(answered is null ? "did not run within 2 s" : "ran")}");
        recorder.Note("(10) nixevent of an unknown event name");
        await app.CommandAsync("nixevent BOGUS_EVENT\n\n");
        recorder.Note("(11) sendmsg execute of a non-existent application (event-lock)");
        await app.CommandAsync(SendExecute("no_such_app", "x", eventLock: true));
        var closed = await app.WaitClosedAsync(TimeSpan.FromSeconds(6));
        recorder.Note($"(11) {(closed ? "FreeSWITCH closed the socket" : "the socket is still open 6 s later")}");
        if (!closed) await app.CloseAsync();

        var hangup = await ctl.TryExpectAsync(f => f.Is("CHANNEL_HANGUP", uuid: uuid), TimeSpan.FromSeconds(3));
        recorder.Note($"the control connection {(hangup is null ? "saw no CHANNEL_HANGUP of the channel" : $"saw its CHANNEL_HANGUP ({hangup.Event("Hangup-Cause")})")}");
        await ctl.TryExpectAsync(_ => false, TimeSpan.FromSeconds(1));
        await ctl.CommandAsync($"api uuid_exists {uuid}\n\n");
        await ctl.CommandAsync("exit\n\n");
        await ctl.WaitClosedAsync(EslPeer.DefaultWait);
    }

    private static async Task ConnectEdgeCasesAsync(RecordSession session, TranscriptRecorder recorder)
    {
        await using var ctl = await session.LoginAsync(recorder);
        await ctl.CommandAsync("event plain CHANNEL_HANGUP CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE\n\n");

        recorder.Note("===== E1: accept, then close at once without sending anything =====");
        await ctl.CommandAsync(Originate("15550000005", null, "loopback/5000/default"));
        await using var e1 = await session.AcceptAsync(recorder);
        await e1.CloseAsync();
        await WhereIsTheCallAsync("E1", "15550000005", TimeSpan.FromSeconds(5));

        recorder.Note("===== E2: accept, send nothing, keep the socket open, wait up to 40 s =====");
        await ctl.CommandAsync(Originate("15550000006", null, "loopback/5000/default"));
        await using var e2 = await session.AcceptAsync(recorder);
        var accepted = recorder.Seconds;
        var closed = await e2.WaitClosedAsync(TimeSpan.FromSeconds(40));
        recorder.Note(closed
            ? $"E2: FreeSWITCH closed the silent socket {Seconds(recorder.Seconds - accepted)} s after accepting it"
            : "E2: FreeSWITCH kept the silent socket open for 40 s");
        await WhereIsTheCallAsync("E2", "15550000006", TimeSpan.FromSeconds(3));

        await ctl.CommandAsync("exit\n\n");
        await ctl.WaitClosedAsync(EslPeer.DefaultWait);

        async Task WhereIsTheCallAsync(string label, string caller, TimeSpan watch)
        {
            var socket = await ctl.ExpectAsync(f => f.Is(Execute, "socket") && f.Event("Caller-Caller-ID-Number") == caller, $"{label}: the socket application started");
            var uuid = socket.UniqueId!;
            string? after = null;
            await ctl.TryExpectAsync(f =>
            {
                if (f.Is(Complete, "socket", uuid)) after ??= "the socket application returned";
                if (f.Is(Execute, uuid: uuid) && after is not null && f.Application != "socket") after += $", then {f.Application} {f.Event("Application-Data")}";
                return false;
            }, watch);
            recorder.Note($"{label}: {Seconds(watch.TotalSeconds)} s later: {after ?? "the socket application has not returned"}; where the channel is:");
            await ctl.CommandAsync($"api uuid_getvar {uuid} current_application\n\n");
            await ctl.CommandAsync($"api uuid_getvar {uuid} current_application_data\n\n");
            recorder.Note($"{label}: the control connection hangs the call up");
            await ctl.CommandAsync($"api uuid_kill {uuid}\n\n");
            await ctl.ExpectAsync(f => f.Is("CHANNEL_HANGUP", uuid: uuid), $"{label}: CHANNEL_HANGUP");
            await ctl.TryExpectAsync(_ => false, TimeSpan.FromSeconds(1));
        }
    }

    private static async Task SocketClosedMidcallAsync(RecordSession session, TranscriptRecorder recorder)
    {
        await using var ctl = await session.LoginAsync(recorder);
        await ctl.CommandAsync("event plain CHANNEL_HANGUP CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE\n\n");
        await CaseAsync("A", "15550000002", resume: false, playing: true);
        await CaseAsync("B", "15550000003", resume: true, playing: true);
        await CaseAsync("C", "15550000004", resume: false, playing: false);
        await ctl.CommandAsync("exit\n\n");
        await ctl.WaitClosedAsync(EslPeer.DefaultWait);

        async Task CaseAsync(string label, string caller, bool resume, bool playing)
        {
            recorder.Note($"===== CASE {label} (resume={resume}, {(playing ? "a playback running" : "nothing running")} at close) =====");
            await ctl.CommandAsync(Originate(caller, null, "loopback/5000/default"));
            var app = await session.AcceptAsync(recorder);
            var uuid = await ConnectAsync(app, recorder);
            await app.CommandAsync("myevents\n\n");
            if (resume) await app.CommandAsync("resume\n\n");
            await app.CommandAsync(SendExecute("answer", null, eventLock: true));
            await app.ExpectAsync(f => f.Is(Complete, "answer"), "answer completed");
            if (playing)
            {
                await app.CommandAsync(SendExecute("playback", "tone_stream://%(10000,0,440)", eventLock: true));
                await app.ExpectAsync(f => f.Is(Execute, "playback"), "playback started");
            }

            await Task.Delay(500);
            recorder.Note($"CASE {label}: the app now shuts down and closes its socket ({(playing ? "the playback still runs" : "the channel idles in the socket application")})");
            var closedAt = recorder.Seconds;
            await app.CloseAsync();

            string? playback = null;
            string? socketDone = null;
            var queue = await ctl.ExpectAsync(f =>
            {
                if (f.Is(Complete, "playback", uuid)) playback ??= $"the playback completed {Seconds(recorder.Seconds - closedAt)} s after the close ({f.Event("Application-Response")})";
                if (f.Is(Complete, "socket", uuid)) socketDone ??= $"the socket application returned {Seconds(recorder.Seconds - closedAt)} s after the close";
                return f.Is(Execute, "callcenter", uuid);
            }, $"CASE {label}: the call reaching the queue", Long);
            recorder.Note($"CASE {label}: {(playback is null ? string.Empty : playback + "; ")}{socketDone}; the dialplan went on " +
                          $"(failover socket refused, transfer to queue_general): callcenter {queue.Event("Application-Data")} " +
                          $"{Seconds(recorder.Seconds - closedAt)} s after the close; FreeSWITCH did not hang up. The control connection hangs up.");
            await ctl.CommandAsync($"api uuid_kill {uuid}\n\n");
            await ctl.ExpectAsync(f => f.Is("CHANNEL_HANGUP", uuid: uuid), $"CASE {label}: CHANNEL_HANGUP");
            await ctl.TryExpectAsync(_ => false, TimeSpan.FromSeconds(1));
            await app.DisposeAsync();
        }
    }

    private static async Task InboundSessionAsync(RecordSession session, TranscriptRecorder recorder)
    {
        recorder.Note("CONN 1: a wrong password");
        await using (var one = await session.ConnectAsync(recorder, "FS->APP", "APP->FS"))
        {
            await one.ExpectAsync(f => f.ContentType == "auth/request", "the greeting");
            await one.CommandAsync("auth WrongPassword\n\n");
            recorder.Note($"CONN 1 end: {(await one.WaitClosedAsync(EslPeer.DefaultWait) ? "FreeSWITCH closed the socket" : "still open")}");
        }

        recorder.Note("CONN 2: auth, api, bgapi, events, filters");
        await using (var two = await session.LoginAsync(recorder, "FS->APP", "APP->FS"))
        {
            await two.CommandAsync("api status\n\n");
            await two.CommandAsync("api version\n\n");
            await two.CommandAsync("api no_such_command arg\n\n");
            await two.CommandAsync("event plain BACKGROUND_JOB\n\n");
            var job = await two.CommandAsync("bgapi status\n\n");
            await two.ExpectAsync(f => f.EventName == "BACKGROUND_JOB" && f.Event("Job-UUID") == job.Headers.GetValueOrDefault("Job-UUID"), "the status job");
            await two.CommandAsync($"bgapi echo hello world\nJob-UUID: {ChosenJobUuid}\n\n");
            await two.ExpectAsync(f => f.EventName == "BACKGROUND_JOB" && f.Event("Job-UUID") == ChosenJobUuid, "the echo job");
            await two.CommandAsync("event plain CHANNEL_CREATE CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE\n\n");
            await two.CommandAsync("filter Caller-Caller-ID-Number 15559990000\n\n");
            await two.CommandAsync(Originate("15559990000", "Filter Demo", "loopback/9196/default", "&hangup()"));
            await two.ExpectAsync(f => f.Is("CHANNEL_HANGUP_COMPLETE"), "a CHANNEL_HANGUP_COMPLETE");
            await two.TryExpectAsync(_ => false, TimeSpan.FromSeconds(1.5));
            await two.CommandAsync("filter delete Caller-Caller-ID-Number 15559990000\n\n");
            await two.CommandAsync("nixevent CHANNEL_CREATE\n\n");
            await two.CommandAsync("noevents\n\n");
            await two.CommandAsync("event json HEARTBEAT\n\n");
            await two.CommandAsync("exit\n\n");
            recorder.Note($"CONN 2 end: {(await two.WaitClosedAsync(EslPeer.DefaultWait) ? "FreeSWITCH closed the socket" : "still open")}");
        }

        recorder.Note("CONN 3: a command before auth");
        await using var three = await session.ConnectAsync(recorder, "FS->APP", "APP->FS");
        await three.ExpectAsync(f => f.ContentType == "auth/request", "the greeting");
        await three.CommandAsync("api status\n\n");
        var closed = await three.WaitClosedAsync(TimeSpan.FromSeconds(3));
        recorder.Note($"CONN 3: {(closed ? "FreeSWITCH closed the socket" : "3 s later the socket is still open; the recorder closes it")}");
        if (!closed) await three.CloseAsync();
    }

    private static async Task CallcenterContextAsync(RecordSession session, TranscriptRecorder recorder)
    {
        const string Agent = "1003@default";
        await using var ctl = await session.LoginAsync(recorder);
        await ctl.CommandAsync("event plain CUSTOM callcenter::info\n\n");
        await ctl.CommandAsync("event plain CHANNEL_BRIDGE CHANNEL_UNBRIDGE\n\n");
        await ctl.CommandAsync($"api callcenter_config agent set contact {Agent} [leg_timeout=10,null_enable_auto_answer=true,null_auto_answer_delay=200]null/1003\n\n");
        await ctl.CommandAsync($"api callcenter_config agent set status {Agent} Available\n\n");
        await ctl.CommandAsync($"api callcenter_config agent set state {Agent} Waiting\n\n");
        await ctl.CommandAsync(Originate("15551112222", "Carol Caller", "loopback/5000/default"));

        await using var app = await session.AcceptAsync(recorder);
        var uuid = await ConnectAsync(app, recorder);
        await app.CommandAsync("myevents\n\n");
        await app.CommandAsync("linger\n\n");
        await app.CommandAsync("event plain CUSTOM callcenter::info\n\n");
        await app.CommandAsync(SendExecute("answer", null, eventLock: true));
        await app.ExpectAsync(f => f.Is(Complete, "answer"), "answer completed");
        await app.CommandAsync(SendExecute("play_and_get_digits", Pagd, eventLock: true));
        await app.ExpectAsync(f => f.Is(Execute, "play_and_get_digits"), "play_and_get_digits started");
        await Task.Delay(500);
        await ctl.CommandAsync($"api uuid_recv_dtmf {uuid} 1234#\n\n");
        await app.ExpectAsync(f => f.Is(Complete, "play_and_get_digits"), "play_and_get_digits completed");
        foreach (var (application, argument) in new[]
                 {
                     ("export", "ivr_flow=bank"), ("export", "ivr_account=1234"), ("export", "ivr_client_id=CUST-778"),
                     ("set", "crm_customer_id=CUST-778"), ("set", "ivr_private_note=not-exported"), ("export", "crm_via_export=yes"),
                     ("set", "ivr_export_extra=crm_customer_id"),
                 })
        {
            await app.CommandAsync(SendExecute(application, argument, eventLock: true));
            await app.ExpectAsync(f => f.Is(Complete, application) && f.Event("Application-Data") == argument, $"{application} {argument} completed");
        }

        await app.CommandAsync(SendExecute("transfer", "queue_general XML default", eventLock: true));

        var bridged = await ctl.ExpectAsync(f => f.Event("CC-Action") == "bridge-agent-start", "the agent bridged", Long);
        var agentLeg = bridged.Event("CC-Agent-UUID") ?? throw new InvalidOperationException("bridge-agent-start has no CC-Agent-UUID.");
        recorder.Note($"bridge-agent-start seen on the control connection; the agent's leg is {agentLeg}");
        await ctl.TryExpectAsync(_ => false, TimeSpan.FromSeconds(1));
        var channels = await ctl.CommandAsync("api show channels as json\n\n");
        using (var json = JsonDocument.Parse(channels.Text))
        {
            var rows = json.RootElement.TryGetProperty("rows", out var r) ? r.EnumerateArray().ToList() : [];
            recorder.Note("channels now: " + string.Join(", ", rows.Select(row => $"{row.GetProperty("name").GetString()}={row.GetProperty("uuid").GetString()}")));
            foreach (var row in rows)
            {
                recorder.Note($"uuid_dump of {row.GetProperty("name").GetString()}");
                await ctl.CommandAsync($"api uuid_dump {row.GetProperty("uuid").GetString()}\n\n");
            }
        }

        recorder.Note($"the control connection hangs up the agent's leg {agentLeg}");
        await ctl.CommandAsync($"api uuid_kill {agentLeg} NORMAL_CLEARING\n\n");
        await app.ExpectAsync(f => f.Is("CHANNEL_HANGUP_COMPLETE", uuid: uuid), "the caller's CHANNEL_HANGUP_COMPLETE", Long);
        await app.ExpectAsync(f => f.IsDisconnectNotice, "the linger notice");
        await app.TryExpectAsync(_ => false, TimeSpan.FromSeconds(1));
        await app.CommandAsync("exit\n\n");
        await app.WaitClosedAsync(EslPeer.DefaultWait);

        await ctl.TryExpectAsync(f => f.Event("CC-Action") == "member-queue-end", TimeSpan.FromSeconds(5));
        await ctl.TryExpectAsync(_ => false, TimeSpan.FromSeconds(1));
        await ctl.CommandAsync("api callcenter_config agent list\n\n");
        await ctl.CommandAsync("exit\n\n");
        await ctl.WaitClosedAsync(EslPeer.DefaultWait);
    }

    private const string NullAnswers = "[leg_timeout=10,null_enable_auto_answer=true,null_auto_answer_delay=200]";

    /// <summary>The queue scenarios' control connection: mod_callcenter's events and the channels' ends, the agents set
    /// as the scenario wants them (a contact to sign in with, or null: 'Logged Out').</summary>
    private static async Task<EslPeer> CallcenterControlAsync(RecordSession session, TranscriptRecorder recorder, params (string Agent, string? Contact)[] agents)
    {
        var ctl = await session.LoginAsync(recorder);
        await ctl.CommandAsync("event plain CUSTOM callcenter::info\n\n");
        await ctl.CommandAsync("event plain CHANNEL_HANGUP_COMPLETE\n\n");
        foreach (var (agent, contact) in agents)
        {
            if (contact is null)
            {
                await ctl.CommandAsync($"api callcenter_config agent set status {agent} 'Logged Out'\n\n");
                continue;
            }

            await ctl.CommandAsync($"api callcenter_config agent set contact {agent} {contact}\n\n");
            await ctl.CommandAsync($"api callcenter_config agent set status {agent} Available\n\n");
            await ctl.CommandAsync($"api callcenter_config agent set state {agent} Waiting\n\n");
            await ctl.CommandAsync($"api callcenter_config agent set ready_time {agent} 0\n\n");
        }

        return ctl;
    }

    /// <summary>Places the caller: mod_loopback's null endpoint (answering at once) with a chosen uuid, sent to
    /// <paramref name="destination"/> (an extension and its dialplan and context, or an inline dialplan).</summary>
    private static async Task<string> NullCallerAsync(EslPeer ctl, TranscriptRecorder recorder, string destination)
    {
        var caller = Guid.NewGuid().ToString();
        recorder.Note($"the caller is {caller}");
        await ctl.CommandAsync($"bgapi originate {{origination_uuid={caller},origination_caller_id_number=15551230001,origination_caller_id_name='Vic Vip'," +
                               $"null_enable_auto_answer=true}}null/15551230001 {destination}\n\n");
        return caller;
    }

    private static bool IsCallcenter(WireFrame f, string action, string caller) =>
        f.Event("CC-Action") == action && f.Event("CC-Member-Session-UUID") == caller;

    private static async Task OverflowAsync(RecordSession session, TranscriptRecorder recorder)
    {
        await using var ctl = await CallcenterControlAsync(session, recorder, ("1001@default", null), ("1002@default", null), ("1003@default", null));
        var caller = await NullCallerAsync(ctl, recorder, "callcenter:vip@default inline");
        await ctl.ExpectAsync(f => IsCallcenter(f, "member-queue-start", caller), "member-queue-start", Long);
        var end = await ctl.ExpectAsync(f => IsCallcenter(f, "member-queue-end", caller), "member-queue-end", TimeSpan.FromSeconds(120));
        recorder.Note($"member-queue-end: CC-Cause {end.Event("CC-Cause")}, CC-Cancel-Reason {end.Event("CC-Cancel-Reason")}, " +
                      $"joined {end.Event("CC-Member-Joined-Time")}, leaving {end.Event("CC-Member-Leaving-Time")}");
        await ctl.ExpectAsync(f => f.Is("CHANNEL_HANGUP_COMPLETE", uuid: caller), "the caller's CHANNEL_HANGUP_COMPLETE", Long);
        await ctl.TryExpectAsync(_ => false, TimeSpan.FromSeconds(1));
        await ctl.CommandAsync("exit\n\n");
        await ctl.WaitClosedAsync(EslPeer.DefaultWait);
    }

    private static async Task OverflowToGeneralAsync(RecordSession session, TranscriptRecorder recorder)
    {
        await using var ctl = await CallcenterControlAsync(session, recorder, ("1001@default", null), ("1002@default", null), ("1003@default", null),
            ("1005@default", null), ("1006@default", null), ("1004@default", NullAnswers + "null/1004"));
        var caller = await NullCallerAsync(ctl, recorder, "queue_vip XML default");
        var left = await ctl.ExpectAsync(f => IsCallcenter(f, "member-queue-end", caller), "member-queue-end of vip", TimeSpan.FromSeconds(120));
        recorder.Note($"vip's member-queue-end: CC-Cause {left.Event("CC-Cause")}, CC-Cancel-Reason {left.Event("CC-Cancel-Reason")}");
        await BridgedThenAgentHangsUpAsync(ctl, recorder, caller);
    }

    private static async Task AgentNoAnswerAsync(RecordSession session, TranscriptRecorder recorder)
    {
        await using var ctl = await CallcenterControlAsync(session, recorder, ("1003@default", null), ("1001@default", "[leg_timeout=3]loopback/sleep:10000/default/inline"),
            ("1002@default", NullAnswers + "null/1002"));

        // longest-idle-agent offers the agent offered longest ago first: stamp 1002 as offered just now, so that 1001 rings first.
        await ctl.CommandAsync("api callcenter_config agent set state 1002@default Receiving\n\n");
        await ctl.CommandAsync("api callcenter_config agent set state 1002@default Waiting\n\n");
        var caller = await NullCallerAsync(ctl, recorder, "queue_vip XML default");
        var fail = await ctl.ExpectAsync(f => IsCallcenter(f, "bridge-agent-fail", caller), "bridge-agent-fail", Long);
        recorder.Note($"bridge-agent-fail: {fail.Event("CC-Agent")}, CC-Hangup-Cause {fail.Event("CC-Hangup-Cause")}");
        await BridgedThenAgentHangsUpAsync(ctl, recorder, caller);
    }

    /// <summary>Waits for the agent's bridge, lets it last a second, hangs up the agent's leg and waits for the caller's
    /// end and the queue's.</summary>
    private static async Task BridgedThenAgentHangsUpAsync(EslPeer ctl, TranscriptRecorder recorder, string caller)
    {
        var bridged = await ctl.ExpectAsync(f => IsCallcenter(f, "bridge-agent-start", caller), "bridge-agent-start", Long);
        var agentLeg = bridged.Event("CC-Agent-UUID") ?? throw new InvalidOperationException("bridge-agent-start has no CC-Agent-UUID.");
        recorder.Note($"bridge-agent-start: {bridged.Event("CC-Queue")} {bridged.Event("CC-Agent")}, the agent's leg is {agentLeg}");
        await ctl.TryExpectAsync(_ => false, TimeSpan.FromSeconds(1));
        recorder.Note($"the control connection hangs up the agent's leg {agentLeg}");
        await ctl.CommandAsync($"api uuid_kill {agentLeg} NORMAL_CLEARING\n\n");
        string? seen = null;
        await ctl.ExpectAsync(f =>
        {
            if (f.Is("CHANNEL_HANGUP_COMPLETE", uuid: caller)) seen = seen is null ? "hangup" : seen + ", hangup";
            if (IsCallcenter(f, "member-queue-end", caller) && f.Event("CC-Cause") == "Terminated") seen = seen is null ? "queue-end" : seen + ", queue-end";
            return seen is not null && seen.Contains(',', StringComparison.Ordinal);
        }, "the caller's CHANNEL_HANGUP_COMPLETE and the queue's member-queue-end", Long);
        recorder.Note($"order seen: {seen}");
        await ctl.TryExpectAsync(_ => false, TimeSpan.FromSeconds(1));
        await ctl.CommandAsync("exit\n\n");
        await ctl.WaitClosedAsync(EslPeer.DefaultWait);
    }
}
