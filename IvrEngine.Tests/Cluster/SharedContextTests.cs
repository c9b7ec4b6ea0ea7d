using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text.Json;
using IvrEngine.Calls;
using IvrEngine.Cluster;
using IvrEngine.Profiles;
using IvrEngine.Tests.Support;
using IvrEngine.Web;
using IvrEngine.Web.Desk;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace IvrEngine.Tests.Cluster;

/// <summary>Two engines on one PostgreSQL share their call contexts: what one engine's IVR or agents write, the other
/// finds, and the agents on it are told (docs/architecture.md, "Several engines").</summary>
public sealed class SharedContextTests
{
    private static readonly Guid ClientId = Guid.Parse("6f1c2d7e-0000-4000-8000-000000000001");

    [PostgresFact]
    public async Task A_context_written_by_one_engine_is_found_on_the_other()
    {
        var database = await ClusterNode.DatabaseAsync();
        await using var a = await ClusterNode.StartAsync(database, "engine-a");
        await using var b = await ClusterNode.StartAsync(database, "engine-b");
        var seen = a.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-1");

        var served = b.Contexts.Open("call-1", "+995599000001", "5000", () => new CallClientContext(ClientId, "V", "vip", "phone"));
        b.Contexts.Attach(served, [new(ContextVariables.ClientName, "Nino Beridze")]);
        (await seen).Engine.Should().Be("engine-b");

        var mirrored = a.Contexts.Find("call-1");
        mirrored.Should().NotBeNull("engine A heard engine B's notice and read the row");
        mirrored!.ServedBy.Should().Be("engine-b");
        mirrored.ContextId.Should().Be(served.ContextId);
        a.Contexts.Find(served.ContextId).Should().BeSameAs(mirrored);
        (mirrored.Ani, mirrored.Dnis, mirrored.Client?.ClientId, mirrored.Client?.Code).Should().Be(("+995599000001", "5000", ClientId, "V"));
        b.Contexts.Find("call-1")!.ServedBy.Should().BeNull("engine B served it");

        // The notice of the attach may have come with the first one or after it: either way A ends with the name.
        if (mirrored.Variables.GetValueOrDefault(ContextVariables.ClientName) is null)
        {
            await a.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-1");
        }

        a.Contexts.Find("call-1")!.Variables[ContextVariables.ClientName].Should().Be("Nino Beridze");
    }

    [PostgresFact]
    public async Task An_edit_on_one_engine_reaches_the_agent_stream_of_the_other_and_both_keep_every_variable()
    {
        var database = await ClusterNode.DatabaseAsync();
        await using var a = await ClusterNode.StartAsync(database, "engine-a");
        await using var b = await ClusterNode.StartAsync(database, "engine-b");

        // Engine B serves the call; it is offered to agent 1001, whose page is open on engine B.
        var mirroredOnA = a.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-2");
        var served = b.Contexts.Open("call-2", "+995599000002", "5000", () => new CallClientContext(ClientId, "E", "known", "phone"));
        b.Contexts.Attach(served, [new(ContextVariables.Category, "regular")]);
        await mirroredOnA;
        b.Desk.OfferDemo("call-2", "1001@default");
        var desk = new DeskApi(b.Desk, new DeskCommands(IvrEngine.EventSocket.FreeSwitchBoxes.None), b.Contexts, new CallRegistry(), TimeProvider.System);
        var agent = new DeskUser("1001", "Agent 1001", UserRoles.Agent, "1001@default", "1001", null, new HashSet<string>());
        using var stop = new CancellationTokenSource();
        await using var stream = desk.StreamAsync(agent, stop.Token).GetAsyncEnumerator(stop.Token);
        (await stream.MoveNextAsync()).Should().BeTrue();
        await SkipUntilAsync(stream, s => s.Calls.Any(c => c.CallUuid == "call-2"));

        // An agent on engine A edits the card of the call: engine A puts it on its copy of the context.
        var onA = a.Contexts.Find("call-2")!;
        a.Contexts.Attach(onA, [new(ContextVariables.ClientName, "Giorgi Edited"), new(ContextVariables.ClientVersion, "7")]);

        // The agent's stream on engine B sends the desk again, with the new name, well before its 20 s heartbeat.
        var started = TimeProvider.System.GetTimestamp();
        var state = await SkipUntilAsync(stream, s => s.Calls.Any(c => c.CallUuid == "call-2" && c.ClientName == "Giorgi Edited"));
        TimeProvider.System.GetElapsedTime(started).Should().BeLessThan(TimeSpan.FromSeconds(15), "the notice woke the stream, not the heartbeat");
        state.Calls.Single(c => c.CallUuid == "call-2").Category.Should().Be("regular");

        var onB = b.Contexts.Find("call-2")!;
        onB.ServedBy.Should().BeNull();
        onB.Variables.Should().Contain(ContextVariables.ClientName, "Giorgi Edited").And.Contain(ContextVariables.Category, "regular");
        (await RowVariablesAsync(database, "call-2")).Should().Contain(ContextVariables.ClientName, "Giorgi Edited").And.Contain(ContextVariables.Category, "regular")
            .And.Contain(ContextVariables.ClientVersion, "7");
        await stop.CancelAsync();
    }

    [PostgresFact]
    public async Task A_write_carries_only_what_changed_on_its_engine_so_it_never_puts_back_an_older_value()
    {
        var database = await ClusterNode.DatabaseAsync();
        await using var b = await ClusterNode.StartAsync(database, "engine-b");

        // Engine A writes but does not hear (its listener is not started): it cannot know of B's edit.
        await using var data = NpgsqlDataSource.Create(database);
        using var writer = new PostgresContextWriter(data, "engine-a", TimeProvider.System, NullLogger<PostgresContextWriter>.Instance);
        var contextsA = new CallContextRegistry(TimeProvider.System, new CallContextLimits(), _ => true, shared: writer);
        await writer.StartAsync(CancellationToken.None);
        var opened = b.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-10" && c.Engine == "engine-a");
        var onA = contextsA.Open("call-10", "+995599000010", "5000", () => null);
        contextsA.Attach(onA, [new(ContextVariables.ClientName, "Old Name")]);
        await opened;

        // An agent on B renames; then A's IVR attaches something else.
        var renamed = b.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-10" && c.Engine == "engine-b");
        b.Contexts.Attach(b.Contexts.Find("call-10")!, [new(ContextVariables.ClientName, "New Name")]);
        await renamed;
        var attached = b.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-10" && c.Engine == "engine-a");
        contextsA.Attach(onA, [new(ContextVariables.Category, "vip")]);
        await attached;

        (await RowVariablesAsync(database, "call-10")).Should().Contain(ContextVariables.ClientName, "New Name").And.Contain(ContextVariables.Category, "vip");
        b.Contexts.Find("call-10")!.Variables.Should().Contain(ContextVariables.ClientName, "New Name").And.Contain(ContextVariables.Category, "vip");
        await writer.StopAsync(CancellationToken.None);
    }

    [PostgresFact]
    public async Task A_write_that_fails_never_holds_up_the_call_and_is_written_when_the_database_takes_it_again()
    {
        var database = await ClusterNode.DatabaseAsync();
        await using var a = await ClusterNode.StartAsync(database, "engine-a");
        await using var b = await ClusterNode.StartAsync(database, "engine-b");
        await ScalarAsync(database, "ALTER TABLE call_contexts RENAME TO call_contexts_away");
        var failed = b.Writer.Failures.FirstAsync().Timeout(ClusterNode.Patience).ToTask();

        var entry = b.Contexts.Open("call-11", "+995599000011", "5000", () => null);
        b.Contexts.Attach(entry, [new(ContextVariables.ClientName, "Kept Waiting")]);
        (await failed).Message.Should().Contain("call_contexts");
        b.Contexts.Find("call-11").Should().BeSameAs(entry, "the call goes on with its context on its own engine");
        b.Writer.Pending.Should().BeLessThanOrEqualTo(1);

        var seen = a.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-11");
        await ScalarAsync(database, "ALTER TABLE call_contexts_away RENAME TO call_contexts");
        await seen;
        a.Contexts.Find("call-11")!.Variables.Should().Contain(ContextVariables.ClientName, "Kept Waiting");
    }

    [PostgresFact]
    public async Task An_agent_identifying_the_caller_on_one_engine_identifies_them_on_the_other()
    {
        var database = await ClusterNode.DatabaseAsync();
        await using var a = await ClusterNode.StartAsync(database, "engine-a");
        await using var b = await ClusterNode.StartAsync(database, "engine-b");
        var mirrored = a.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-3");
        b.Contexts.Open("call-3", "+995599000003", "5000", () => null);
        await mirrored;

        var identified = b.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-3" && c.Engine == "engine-a");
        a.Contexts.Identify(a.Contexts.Find("call-3")!, new CallClientContext(ClientId, "N", "created by agent from the caller's number", "agent"));
        await identified;

        b.Contexts.Find("call-3")!.Client.Should().Be(new CallClientContext(ClientId, "N", "created by agent from the caller's number", "agent"));
    }

    [PostgresFact]
    public async Task A_call_ending_removes_its_context_on_both_engines_and_a_late_edit_does_not_revive_it()
    {
        var database = await ClusterNode.DatabaseAsync();
        await using var a = await ClusterNode.StartAsync(database, "engine-a");
        await using var b = await ClusterNode.StartAsync(database, "engine-b");
        var mirrored = a.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-4");
        var entry = b.Contexts.Open("call-4", "+995599000004", "5000", () => null);
        await mirrored;

        var ended = a.NextApplied(c => c.Kind == StoreChangeKinds.CallEnded && c.Id == "call-4");
        b.Contexts.Remove("call-4");
        (await ended).Engine.Should().Be("engine-b");

        a.Contexts.Find("call-4").Should().BeNull();
        b.Contexts.Find("call-4").Should().BeNull();
        (await ScalarAsync(database, "SELECT ended_at IS NOT NULL FROM call_contexts WHERE uuid = 'call-4'")).Should().Be(true);

        // An edit racing the hangup on engine B's side finds the row ended and leaves it so.
        b.Writer.Changed(entry);
        var marker = a.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-5");
        b.Contexts.Open("call-5", "+995599000005", "5000", () => null);
        await marker;
        a.Contexts.Find("call-4").Should().BeNull();
        (await ScalarAsync(database, "SELECT ended_at IS NOT NULL FROM call_contexts WHERE uuid = 'call-4'")).Should().Be(true);
    }

    [PostgresFact]
    public async Task The_listener_reconnects_after_its_connection_is_killed_and_reads_what_it_missed()
    {
        var database = await ClusterNode.DatabaseAsync();
        await using var a = await ClusterNode.StartAsync(database, "engine-a");
        await using var b = await ClusterNode.StartAsync(database, "engine-b");
        var first = a.Listener.ProcessId;
        first.Should().BePositive();

        // Engine A's listening session is killed; engine B writes a context meanwhile.
        var resynced = a.NextApplied(c => c.Kind == StoreChangeKinds.Resync);
        (await ScalarAsync(database, $"SELECT pg_terminate_backend({first})")).Should().Be(true);
        b.Contexts.Open("call-6", "+995599000006", "5000", () => new CallClientContext(ClientId, "V", "vip", "phone"));
        await resynced;

        a.Listener.ProcessId.Should().NotBe(first);
        if (a.Contexts.Find("call-6") is null)
        {
            // B's write committed after A's resync read the rows: its notice comes on the new connection.
            await a.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-6");
        }

        a.Contexts.Find("call-6")!.Client?.Code.Should().Be("V");

        // And A hears notices again.
        var heard = a.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-7");
        b.Contexts.Open("call-7", "+995599000007", "5000", () => null);
        await heard;
    }

    [PostgresFact]
    public async Task An_engine_starting_late_reads_the_live_contexts_and_not_the_ended_ones()
    {
        var database = await ClusterNode.DatabaseAsync();
        await using var b = await ClusterNode.StartAsync(database, "engine-b");
        var written = b.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-8");
        b.Contexts.Open("call-8", "+995599000008", "5000", () => null);
        await written;
        var ended = b.NextApplied(c => c.Kind == StoreChangeKinds.CallEnded && c.Id == "call-8");
        b.Contexts.Remove("call-8");
        await ended;
        var live = b.NextApplied(c => c.Kind == StoreChangeKinds.Context && c.Id == "call-9");
        b.Contexts.Open("call-9", "+995599000009", "5000", () => null);
        await live;

        await using var a = await ClusterNode.StartAsync(database, "engine-a");

        a.Contexts.Find("call-9")!.ServedBy.Should().Be("engine-b");
        a.Contexts.Find("call-8").Should().BeNull();
        a.Mirror.ServedElsewhere("call-9").Should().BeTrue();
    }

    private static async Task<DeskApi.DeskState> SkipUntilAsync(IAsyncEnumerator<string> stream, Func<DeskApi.DeskState, bool> condition)
    {
        using var timeout = new CancellationTokenSource(ClusterNode.Patience);
        while (true)
        {
            var state = JsonSerializer.Deserialize<DeskApi.DeskState>(stream.Current, JsonSerializerOptions.Web)!;
            if (condition(state)) return state;
            (await stream.MoveNextAsync().AsTask().WaitAsync(timeout.Token)).Should().BeTrue();
        }
    }

    private static async Task<Dictionary<string, string>> RowVariablesAsync(string database, string uuid) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>((string)(await ScalarAsync(database, $"SELECT variables::text FROM call_contexts WHERE uuid = '{uuid}'"))!)!;

    internal static async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var data = NpgsqlDataSource.Create(database);
        await using var command = data.CreateCommand(sql);
        return await command.ExecuteScalarAsync();
    }
}
