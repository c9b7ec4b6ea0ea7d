using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;
using IvrEngine.Calls;
using IvrEngine.Web.Desk;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace IvrEngine.Web;

/// <summary>The live desk: each signed-in page holds one server-sent-events stream that carries the user's whole desk
/// state on connect and after every change that concerns them (a page that reconnects is current at once), and the
/// agent's status through mod_callcenter.</summary>
public sealed class DeskApi(DeskService desk, DeskCommands commands, CallContextRegistry contexts, CallRegistry calls, TimeProvider time)
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan IvrTick = TimeSpan.FromSeconds(1);

    /// <summary>A desk as the page sees it.</summary>
    public sealed record DeskState(long Sequence, DeskAgentView? Agent, IReadOnlyList<DeskCallView> Calls, IReadOnlyList<WaitingView> Waiting,
        IReadOnlyList<DeskAgentView> Agents);

    /// <summary>An agent's status (mod_callcenter's Available/On Break/Logged Out) and state (Waiting/Receiving/In a queue call/Idle).</summary>
    public sealed record DeskAgentView(string Agent, string? Status, string? State, DateTimeOffset? Since, int Calls);

    /// <summary>A call on an agent's desk.</summary>
    public sealed record DeskCallView(string CallUuid, string Agent, string State, string? Queue, DateTimeOffset OfferedAt, DateTimeOffset? AnsweredAt,
        DateTimeOffset? EndedAt, DateTimeOffset? QueuedAt, string How, string? Ani, string? Dnis, string? ClientName, string? Category, string? CtiCode);

    /// <summary>A call not with an agent: in the IVR, or waiting in a queue.</summary>
    public sealed record WaitingView(string CallUuid, string Where, string? Queue, DateTimeOffset Since, string? Ani, string? Dnis, string? ClientName,
        string? Category, string? CtiCode);

    /// <summary>A status change.</summary>
    public sealed record StatusInput(string? Status);

    /// <summary>Maps the desk endpoints.</summary>
    public void Map(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("/api/desk").RequireAuthorization(WebSecurity.SignedIn);
        api.MapGet("/stream", async (HttpContext c) =>
        {
            var user = WebSecurity.Require(c.User);
            c.Response.Headers.CacheControl = "no-store";
            // A stream never ends by itself: it ends when the page goes or the web app stops (else the stop waits for it),
            // and when the session it was opened with expires: the page reconnects, and a session that expired meanwhile
            // gets 401 and the sign-in page instead of pops.
            var stopping = c.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
            var ended = CancellationTokenSource.CreateLinkedTokenSource(c.RequestAborted, stopping);
            c.Response.RegisterForDispose(ended);
            if ((await c.AuthenticateAsync()).Properties?.ExpiresUtc is { } expires)
            {
                ended.CancelAfter(TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerSecond, (expires - time.GetUtcNow()).Ticks)));
            }

            return TypedResults.ServerSentEvents(StreamAsync(user, ended.Token), eventType: "desk");
        });
        api.MapGet("/state", (HttpContext c) => Results.Ok(StateOf(WebSecurity.Require(c.User))));
        api.MapPut("/status", (Delegate)SetStatusAsync);
    }

    /// <summary>The desk of a user now.</summary>
    public DeskState StateOf(DeskUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var sequence = desk.Sequence;
        var mine = user.Agent is { } agent ? desk.CallsOf(agent) : [];
        var agentView = user.Agent is { } a ? View(desk.AgentOf(a) ?? new DeskAgent(a, null, null, null), mine.Count) : null;
        if (!user.SeesAll) return new DeskState(sequence, agentView, [.. mine.Select(View)], [], []);
        var all = desk.AllCalls();
        var offered = all.Select(c => c.CallUuid).ToHashSet(StringComparer.Ordinal);
        var waiting = desk.Waiting().Where(w => !offered.Contains(w.CallUuid)).ToList();
        var waitingIds = waiting.Select(w => w.CallUuid).ToHashSet(StringComparer.Ordinal);
        List<WaitingView> others = [.. waiting.Select(w => Waiting(w.CallUuid, "queue", w.Queue, w.Since))];
        // Calls connected to the engine now are in its IVR (unless mod_callcenter already has them).
        others.AddRange(calls.Calls.Where(c => !offered.Contains(c.Uuid) && !waitingIds.Contains(c.Uuid))
            .Select(c => Waiting(c.Uuid, "ivr", null, contexts.Find(c.Uuid)?.StartedAt ?? time.GetUtcNow())));
        var counts = all.GroupBy(c => c.Agent, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        return new DeskState(sequence, agentView, [.. all.Select(View)], [.. others.OrderBy(w => w.Since)],
            [.. desk.Agents().OrderBy(a => a.Agent, StringComparer.Ordinal).Select(a => View(a, counts.GetValueOrDefault(a.Agent)))]);
    }

    /// <summary>The user's desk now, then again after each change that concerns them (changes that come while one is
    /// being sent fold into the next), and every 20 s as a heartbeat.</summary>
    public async IAsyncEnumerable<string> StreamAsync(DeskUser user, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(user);
        var signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
        using var subscription = desk.Changes.Subscribe(
            change => { if (Concerns(user, change)) signal.Writer.TryWrite(true); },
            _ => signal.Writer.TryWrite(true));
        // Supervisors also see the calls in the IVR, which come and go without a desk change: their stream looks at
        // the engine's live calls once a second and sends when that set changed.
        var tick = user.SeesAll ? IvrTick : Heartbeat;
        while (!cancellationToken.IsCancellationRequested)
        {
            var ivr = user.SeesAll ? IvrFingerprint() : 0;
            var sentAt = time.GetTimestamp();
            yield return JsonSerializer.Serialize(StateOf(user), JsonSerializerOptions.Web);
            while (true)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                wait.CancelAfter(tick);
                try
                {
                    await signal.Reader.ReadAsync(wait.Token);
                    break;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The heartbeat (the state again, so proxies keep the stream and the page knows it is current), or
                    // a supervisor's look at the IVR.
                    if (time.GetElapsedTime(sentAt) >= Heartbeat || (user.SeesAll && IvrFingerprint() != ivr)) break;
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
            }
        }
    }

    /// <summary>Which calls are connected to the engine now (order-free), to tell when the IVR's calls changed.</summary>
    private int IvrFingerprint()
    {
        var fingerprint = 0;
        var count = 0;
        foreach (var call in calls.Calls)
        {
            fingerprint ^= StringComparer.Ordinal.GetHashCode(call.Uuid);
            count++;
        }

        return HashCode.Combine(fingerprint, count);
    }

    private static bool Concerns(DeskUser user, DeskChange change) =>
        user.SeesAll || (user.Agent is { } agent
            && (string.Equals(change.Agent, agent, StringComparison.OrdinalIgnoreCase) || string.Equals(change.PreviousAgent, agent, StringComparison.OrdinalIgnoreCase)));

    private Task<IResult> SetStatusAsync(HttpContext context) => WebSecurity.WhenWriting(context, () => SetAgentStatusAsync(context));

    private async Task<IResult> SetAgentStatusAsync(HttpContext context)
    {
        var user = WebSecurity.Require(context.User);
        if (user.Agent is not { } agent) return ContextApi.Problem(409, "you are not a mod_callcenter agent (ask an admin to set your agent)");
        var (input, bad) = await CardApi.ReadAsync<StatusInput>(context);
        if (input is null) return bad!;
        if (input.Status is not { } status || !DeskCommands.Statuses.Contains(status))
        {
            return ContextApi.Problem(400, "status: one of " + string.Join(", ", DeskCommands.Statuses));
        }

        var why = await commands.SetAgentStatusAsync(agent, status, context.RequestAborted);
        return why is null ? Results.Ok(new { status }) : ContextApi.Problem(502, why);
    }

    private DeskCallView View(DeskCall call)
    {
        var v = contexts.Find(call.CallUuid);
        var vars = v?.Variables;
        return new DeskCallView(call.CallUuid, call.Agent, StateName(call.State), call.Queue, call.OfferedAt, call.AnsweredAt, call.EndedAt, call.QueuedAt, call.How, v?.Ani, v?.Dnis,
            vars?.GetValueOrDefault(ContextVariables.ClientName), vars?.GetValueOrDefault(ContextVariables.Category), v?.Client?.Code);
    }

    private WaitingView Waiting(string uuid, string where, string? queue, DateTimeOffset since)
    {
        var v = contexts.Find(uuid);
        var vars = v?.Variables;
        return new WaitingView(uuid, where, queue, since, v?.Ani, v?.Dnis, vars?.GetValueOrDefault(ContextVariables.ClientName),
            vars?.GetValueOrDefault(ContextVariables.Category), v?.Client?.Code);
    }

    /// <summary>A desk call's state as the pages and the card name it.</summary>
    internal static string StateName(DeskCallState state) => state switch
    {
        DeskCallState.Ringing => "ringing",
        DeskCallState.OnCall => "on-call",
        _ => "wrap-up",
    };

    private static DeskAgentView View(DeskAgent agent, int calls) => new(agent.Agent, agent.Status, agent.State, agent.Since, calls);
}
