using System.Text.Json;
using IvrEngine.Calls;
using IvrEngine.Profiles;
using IvrEngine.Web;
using Npgsql;
using NpgsqlTypes;

namespace IvrEngine.Cluster;

/// <summary>The <c>call_contexts</c> table (V003__live_state.sql): a context written with its notice in one statement,
/// a call's end, the live rows read back.</summary>
internal static class CallContextRows
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    /// <summary>Upserts a context and, when a row was written, notifies <c>context|writer|uuid</c> in the same statement
    /// (delivered on commit). The same context is merged: the variables a write carries (those attached on the writing
    /// engine since its last write) are set over the row's, so an edit on one engine and an attach on another both
    /// stay; who the caller is and the trail are the newest known, except that an agent's identification is not undone
    /// by an IVR's result; the IVR's end sticks. Another
    /// context of the same call (the call came back to an IVR) replaces the row. A call that ended is not revived.</summary>
    private const string UpsertSql = $"""
        WITH w AS (
          INSERT INTO call_contexts AS c (uuid, context_id, ani, dnis, started_at, engine, box, ivr_ended, client, trail, variables, updated_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now())
          ON CONFLICT (uuid) DO UPDATE SET
            context_id = excluded.context_id,
            ani = excluded.ani, dnis = excluded.dnis, started_at = excluded.started_at,
            engine = CASE WHEN c.context_id = excluded.context_id THEN c.engine ELSE excluded.engine END,
            box = coalesce(excluded.box, c.box),
            ivr_ended = excluded.ivr_ended OR (c.ivr_ended AND c.context_id = excluded.context_id),
            client = CASE WHEN c.context_id <> excluded.context_id THEN excluded.client
                          WHEN c.client->>'matchedBy' = 'agent' AND coalesce(excluded.client->>'matchedBy', '') <> 'agent' THEN c.client
                          ELSE coalesce(excluded.client, c.client) END,
            trail = coalesce(excluded.trail, CASE WHEN c.context_id = excluded.context_id THEN c.trail END),
            variables = CASE WHEN c.context_id = excluded.context_id THEN c.variables || excluded.variables ELSE excluded.variables END,
            updated_at = now(),
            ended_at = NULL
          WHERE c.ended_at IS NULL OR c.context_id <> excluded.context_id
          RETURNING c.uuid)
        SELECT pg_notify('{StoreChange.Channel}', $12 || w.uuid) FROM w
        """;

    private const string EndSql = $"""
        WITH e AS (UPDATE call_contexts SET ended_at = now(), updated_at = now() WHERE uuid = $1 AND ended_at IS NULL RETURNING uuid)
        SELECT pg_notify('{StoreChange.Channel}', $2 || e.uuid) FROM e
        """;

    private const string Columns = "uuid, context_id, ani, dnis, started_at, engine, box, ivr_ended, client::text, trail::text, variables::text";

    /// <summary>The statement that writes <paramref name="context"/> and announces it as written by <paramref name="writer"/>.</summary>
    public static NpgsqlBatchCommand Upsert(CallContextSnapshot context, string writer)
    {
        var command = new NpgsqlBatchCommand(UpsertSql);
        command.Parameters.Add(new NpgsqlParameter { Value = context.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = context.ContextId });
        command.Parameters.Add(new NpgsqlParameter { Value = context.Ani });
        command.Parameters.Add(new NpgsqlParameter { Value = context.Dnis });
        command.Parameters.Add(new NpgsqlParameter { Value = context.StartedAt.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter { Value = context.Engine });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)context.Box ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = context.IvrEnded });
        command.Parameters.Add(JsonParameter(context.Client is null ? null : JsonSerializer.Serialize(context.Client, Json)));
        command.Parameters.Add(JsonParameter(context.Trail is null ? null : JsonSerializer.Serialize(new TrailRow(context.Trail.Steps, context.Trail.Keyed), Json)));
        command.Parameters.Add(JsonParameter(JsonSerializer.Serialize(context.Variables, Json)));
        command.Parameters.Add(new NpgsqlParameter { Value = Prefix(StoreChangeKinds.Context, writer) });
        return command;
    }

    /// <summary>The statement that marks a call ended and announces it (once: a call already ended is left alone).</summary>
    public static NpgsqlBatchCommand End(string uuid, string writer)
    {
        var command = new NpgsqlBatchCommand(EndSql);
        command.Parameters.Add(new NpgsqlParameter { Value = uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = Prefix(StoreChangeKinds.CallEnded, writer) });
        return command;
    }

    /// <summary>The live contexts of these calls (all live ones when <paramref name="uuids"/> is null).</summary>
    public static async Task<IReadOnlyList<CallContextSnapshot>> ReadAsync(NpgsqlDataSource dataSource, IReadOnlyCollection<string>? uuids,
        CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(uuids is null
            ? $"SELECT {Columns} FROM call_contexts WHERE ended_at IS NULL"
            : $"SELECT {Columns} FROM call_contexts WHERE ended_at IS NULL AND uuid = ANY($1)");
        if (uuids is not null) command.Parameters.Add(new NpgsqlParameter { Value = uuids.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<CallContextSnapshot>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var trail = reader.IsDBNull(9) ? null : JsonSerializer.Deserialize<TrailRow>(reader.GetString(9), Json);
            rows.Add(new CallContextSnapshot(reader.GetString(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetBoolean(7),
                reader.IsDBNull(8) ? null : JsonSerializer.Deserialize<CallClientContext>(reader.GetString(8), Json),
                trail is null ? null : new CallIvrTrail(trail.Steps ?? [], trail.Keyed ?? new Dictionary<string, string>()),
                JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(10), Json) ?? []));
        }

        return rows;
    }

    /// <summary>Deletes the rows of calls that ended before <paramref name="before"/>; returns how many.</summary>
    public static async Task<int> DeleteEndedAsync(NpgsqlDataSource dataSource, DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM call_contexts WHERE ended_at < $1");
        command.Parameters.Add(new NpgsqlParameter { Value = before.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Prefix(string kind, string writer) => new StoreChange(kind, writer, string.Empty).Format();

    private static NpgsqlParameter JsonParameter(string? json) => new() { Value = (object?)json ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb };

    private sealed record TrailRow(IReadOnlyList<string>? Steps, IReadOnlyDictionary<string, string>? Keyed);
}
