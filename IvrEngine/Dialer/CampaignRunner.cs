using IvrEngine.Profiles;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Dialer;

/// <summary>Starts a call through FreeSWITCH: the <c>originate</c> arguments in, the reply's body out (<c>+OK uuid</c>
/// once the contact answered, <c>-ERR CAUSE</c> when not), as FreeSWITCH's BACKGROUND_JOB gives it.</summary>
public interface IOriginator
{
    /// <summary>True when an originate can be sent now (a FreeSWITCH box is connected). Contacts are claimed only then:
    /// a claim that could not be dialed would be an attempt with no outcome.</summary>
    bool Ready { get; }

    /// <summary>Sends <c>bgapi originate &lt;arguments&gt;</c> for the call <paramref name="uuid"/> (its
    /// origination_uuid) and returns the job's reply body. The call's end is watched from before it is sent, so
    /// <see cref="WhenEndedAsync"/> cannot miss it.</summary>
    Task<string> OriginateAsync(string uuid, string arguments, CancellationToken cancellationToken);

    /// <summary>The agents of a mod_callcenter queue who are available and waiting for a call, on every box.</summary>
    Task<int> AvailableAgentsAsync(string queue, CancellationToken cancellationToken);

    /// <summary>Completes when the call <paramref name="uuid"/>, originated through <see cref="OriginateAsync"/>, has
    /// hung up (at once if it already has), with the mod_callcenter agent who last took it (a queue bridged them: the
    /// queue's bridge-agent-start of the call), null when no agent did.</summary>
    Task<string?> WhenEndedAsync(string uuid, CancellationToken cancellationToken);
}

/// <summary>Dials one running campaign on this engine: each second (or sooner, when the pacing allows), claims as many
/// due contacts within their calling hours as the pacing and the calls at once allow, originates each, and stores every
/// attempt's outcome as FreeSWITCH reports it. Stops when the campaign is no longer running (paused or stopped).</summary>
public sealed partial class CampaignRunner
{
    /// <summary>How often the runner looks at the campaign when nothing else wakes it.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    /// <summary>Contacts claimed at most in one round.</summary>
    public const int MaxClaim = 100;

    private readonly string _campaignId;
    private readonly string _engine;
    private readonly string _socketAddress;
    private readonly IDialerStore _store;
    private readonly IOriginator _originator;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly HashSet<Task> _attempts = [];
    private int _active;
    private int _ringing;
    private CancellationToken _stopping;

    // Completed (and replaced) whenever an attempt ends: an idle runner waiting for room wakes at once.
    private TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A runner for campaign <paramref name="campaignId"/>, claiming as <paramref name="engine"/> and handing
    /// answered calls to the engine's socket at <paramref name="socketAddress"/> (host:port).</summary>
    public CampaignRunner(string campaignId, string engine, string socketAddress, IDialerStore store, IOriginator originator, TimeProvider time, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(campaignId);
        ArgumentException.ThrowIfNullOrWhiteSpace(engine);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(originator);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(logger);
        _campaignId = campaignId;
        _engine = engine;
        _socketAddress = socketAddress;
        _store = store;
        _originator = originator;
        _time = time;
        _logger = logger;
    }

    /// <summary>Where an attempt nobody answered is recorded, for a contact who is a client: the client's interaction
    /// history (an answered call is recorded there by the call's handler, as every call). Null: not recorded.</summary>
    public IClientStore? History { get; init; }

    /// <summary>Calls of the campaign this engine has ringing or answered.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Attempts of the campaign this engine has sent and not yet had an answer for (ringing).</summary>
    public int Ringing => Volatile.Read(ref _ringing);

    /// <summary>Dials until the campaign stops running or <paramref name="cancellationToken"/> is cancelled; then waits
    /// for the attempts in progress to get their outcome (their calls go on).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        DialPacer? pacer = null;
        _stopping = cancellationToken;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var campaign = await _store.GetCampaignAsync(_campaignId, cancellationToken);
                if (campaign is not { State: OutboundCampaignState.Running }) break;
                pacer ??= new DialPacer(campaign.Pacing.CallsPerSecond, _time);
                pacer.Rate = campaign.Pacing.CallsPerSecond;

                var now = _time.GetUtcNow();
                var room = _originator.Ready ? Math.Min(MaxClaim, campaign.Pacing.MaxConcurrent - Active) : 0;

                // One call per available agent: no more ringing than the queue has agents waiting.
                if (room > 0 && campaign.Pacing.AgentQueue is { Length: > 0 } queue)
                {
                    room = Math.Min(room, await _originator.AvailableAgentsAsync(queue, cancellationToken) - Ringing);
                }

                // Idle (nothing to do until an attempt ends or the next look at the campaign): no room, or fewer
                // contacts due than the pacing allows. Else the next attempt is the pacing's to time, at once if it
                // allows one already (a token may have come in since it was asked).
                var idle = room <= 0;
                var wanted = room > 0 ? pacer.Take(room) : 0;
                if (wanted > 0)
                {
                    var zones = CallingHoursClock.Open(campaign.Hours, await _store.PendingTimeZonesAsync(_campaignId, cancellationToken), now);
                    var claimed = zones.Count == 0 ? [] : await _store.ClaimDueAsync(_campaignId, _engine, now, wanted, zones, cancellationToken);
                    pacer.GiveBack(wanted - claimed.Count);
                    idle = claimed.Count < wanted;
                    foreach (var contact in claimed) Start(campaign, contact);
                }

                if (idle)
                {
                    var ended = Volatile.Read(ref _ended).Task;
                    await Task.WhenAny(ended, Task.Delay(Tick, _time, cancellationToken));
                    cancellationToken.ThrowIfCancellationRequested();
                    continue;
                }

                var wait = pacer.UntilNext();
                if (wait > TimeSpan.Zero) await Task.Delay(wait < Tick ? wait : Tick, _time, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The engine is stopping: the attempts in progress still get their outcome below.
        }

        Task[] running;
        lock (_gate) running = [.. _attempts];
        await Task.WhenAll(running);
    }

    private void Start(OutboundCampaign campaign, CampaignContact contact)
    {
        Interlocked.Increment(ref _active);
        var attempt = AttemptAsync(campaign, contact);
        lock (_gate) _attempts.Add(attempt);
        _ = attempt.ContinueWith(
            t =>
            {
                lock (_gate) _attempts.Remove(t);
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>One attempt, from the originate to its outcome in the store and, for an answered call, its end. Never
    /// throws: a failure is logged, and an attempt whose outcome is not known stays Dialing in the store (the engine's
    /// next start marks it unknown, so the contact is not called twice).</summary>
    private async Task AttemptAsync(OutboundCampaign campaign, CampaignContact contact)
    {
        try
        {
            string reply;
            Interlocked.Increment(ref _ringing);
            try
            {
                reply = await _originator.OriginateAsync(contact.CallUuid!, OriginateCommand.For(campaign, contact, _socketAddress), CancellationToken.None);
            }
            catch (ArgumentException ex)
            {
                // A number that cannot be dialed: a failure of that contact, never retried.
                LogNotDialable(_logger, contact.Id, ex.Message);
                await _store.RecordAttemptAsync(contact.Id, contact.CallUuid!, AttemptOutcomes.Failed, "INVALID_NUMBER_FORMAT", ContactStatus.Exhausted, null, CancellationToken.None);
                await RecordInHistoryAsync(campaign, contact, AttemptOutcomes.Failed, "INVALID_NUMBER_FORMAT");
                return;
            }
            finally
            {
                Interlocked.Decrement(ref _ringing);
            }

            var cause = AttemptRules.CauseOfReply(reply);
            var outcome = cause is null ? AttemptOutcomes.Answered : AttemptRules.OutcomeOfCause(cause);
            var (status, next) = AttemptRules.After(campaign, outcome, contact.Attempts, _time.GetUtcNow());
            await _store.RecordAttemptAsync(contact.Id, contact.CallUuid!, outcome, cause, status, next, CancellationToken.None);
            LogAttempt(_logger, campaign.Id, contact.Id, contact.Attempts, outcome, cause ?? "-");
            if (outcome != AttemptOutcomes.Answered)
            {
                await RecordInHistoryAsync(campaign, contact, outcome, cause);
                return;
            }

            // An answered call holds its place among the calls at once until it ends (or the engine stops: its result
            // is the call handler's to store). The flow's handler recorded the call when it left the IVR; an agent who
            // took it from a queue afterwards is known only now.
            if (await _originator.WhenEndedAsync(contact.CallUuid!, _stopping) is { Length: > 0 } agent) await RecordAgentAsync(campaign, contact, agent);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopping: the call goes on without this runner.
        }
#pragma warning disable CA1031 // One attempt's failure (the connection lost, the store unreachable) must not stop the campaign.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogAttemptFailed(_logger, campaign.Id, contact.Id, ex);
        }
        finally
        {
            Interlocked.Decrement(ref _active);
            Interlocked.Exchange(ref _ended, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    /// <summary>Records an attempt nobody answered in the client's interaction history, when the contact is a client
    /// (an answered call is recorded by its handler: never twice). A failure is logged; the attempt's outcome is stored
    /// already.</summary>
    private async Task RecordInHistoryAsync(OutboundCampaign campaign, CampaignContact contact, string outcome, string? cause)
    {
        if (History is null || contact.ClientId is not { } clientId) return;
        try
        {
            await History.AddInteractionAsync(UnansweredAttempt(campaign, contact, clientId, outcome, cause, _time.GetUtcNow()), CancellationToken.None);
        }
#pragma warning disable CA1031 // The history is a record of the attempt: its failure must not stop the campaign.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogHistoryFailed(_logger, campaign.Id, contact.Id, ex);
        }
    }

    /// <summary>Stores the agent who took an answered call, on the contact and the call's record. A failure is logged.</summary>
    private async Task RecordAgentAsync(OutboundCampaign campaign, CampaignContact contact, string agent)
    {
        try
        {
            if (await _store.RecordAgentAsync(contact.Id, contact.CallUuid!, agent, CancellationToken.None)) LogAgent(_logger, campaign.Id, contact.Id, agent);
        }
#pragma warning disable CA1031 // The contact's outcome and result are stored already: the agent's failure must not stop the campaign.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogAgentFailed(_logger, campaign.Id, contact.Id, agent, ex);
        }
    }

    /// <summary>The interaction record of an attempt nobody answered: outgoing, from the campaign card's number (the
    /// card's history names the campaign by it), with the attempt's outcome and FreeSWITCH's hangup cause.</summary>
    public static InteractionRecord UnansweredAttempt(OutboundCampaign campaign, CampaignContact contact, Guid clientId, string outcome, string? cause, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ArgumentNullException.ThrowIfNull(contact);
        return new InteractionRecord
        {
            Id = Guid.CreateVersion7(),
            ClientId = clientId,
            CallUuid = contact.CallUuid ?? string.Empty,
            At = contact.LastAttemptAt ?? now,
            Direction = "outbound",
            CallerNumber = contact.Phone,
            DialedNumber = campaign.CardDnis,
            Flow = campaign.Flow,
            Outcome = outcome,
            Campaign = campaign.Id,
            HangupCause = cause,
        };
    }

    [LoggerMessage(EventId = 1504, Level = LogLevel.Warning, Message = "Campaign {Campaign}: the attempt for contact {Contact} could not be recorded in the client's history")]
    private static partial void LogHistoryFailed(ILogger logger, string campaign, Guid contact, Exception exception);

    [LoggerMessage(EventId = 1506, Level = LogLevel.Information, Message = "Campaign {Campaign}: contact {Contact} talked to agent {Agent}")]
    private static partial void LogAgent(ILogger logger, string campaign, Guid contact, string agent);

    [LoggerMessage(EventId = 1505, Level = LogLevel.Warning, Message = "Campaign {Campaign}: agent {Agent} who took the call of contact {Contact} could not be stored")]
    private static partial void LogAgentFailed(ILogger logger, string campaign, Guid contact, string agent, Exception exception);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Campaign {Campaign}: contact {Contact} attempt {Attempt}: {Outcome} ({Cause})")]
    private static partial void LogAttempt(ILogger logger, string campaign, Guid contact, int attempt, string outcome, string cause);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "Contact {Contact} cannot be dialed: {Reason}")]
    private static partial void LogNotDialable(ILogger logger, Guid contact, string reason);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Error, Message = "Campaign {Campaign}: the attempt for contact {Contact} has no outcome; it stays dialing until the engine's next start marks it unknown")]
    private static partial void LogAttemptFailed(ILogger logger, string campaign, Guid contact, Exception exception);
}
