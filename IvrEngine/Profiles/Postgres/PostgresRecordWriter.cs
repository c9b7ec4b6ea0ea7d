using System.Text.Json;
using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;

namespace IvrEngine.Profiles.Postgres;

/// <summary>Writes call records to <c>interactions</c> in groups, as <see cref="LiteDbWriter"/> does in a LiteDB file:
/// the records of calls ending at the same moment go in one transaction (one multi-row <c>INSERT</c>, their
/// <see cref="StoreChangeKinds.Interaction"/> notices in the same transaction), so 500 records are a few durable
/// commits instead of 500. A record is acknowledged (its write returns) once its group is committed. A group the
/// server refuses is written again record by record, each in a transaction of its own: one bad record fails its own
/// write alone. A group that cannot reach the server fails every record of it at once. Either way a record that
/// cannot be written is reported to its caller, never dropped silently.</summary>
internal sealed class PostgresRecordWriter
{
    /// <summary>Most records in one group.</summary>
    public const int MaxGroup = 500;

    private const string InsertSql = """
        INSERT INTO interactions (id, client_id, call_uuid, caller_number, at, record)
        SELECT id, client_id, call_uuid, caller_number, at, record::json
        FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::text[]) AS t(id, client_id, call_uuid, caller_number, at, record)
        """;

    private const string NotifySql = "SELECT pg_notify($1, n) FROM unnest($2::text[]) AS t(n)";

    private readonly NpgsqlDataSource _data;
    private readonly string _engine;
    private readonly TimeSpan _window;
    private readonly TimeProvider _time;
    // Not SingleReader: that channel cannot count what waits, and the window is waited only when nothing does.
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>();
    private readonly Task _loop;
    private long _commits;

    public PostgresRecordWriter(NpgsqlDataSource data, string engine, TimeSpan window, TimeProvider time)
    {
        _data = data;
        _engine = engine;
        _window = window;
        _time = time;
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>Transactions committed (a group is one).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Queues <paramref name="record"/>; completes once it is committed, or throws why it could not be.
    /// Cancelling stops the wait only: a record already queued is still written.</summary>
    public Task WriteAsync(InteractionRecord record, CancellationToken cancellationToken)
    {
        var pending = new Pending(record, JsonSerializer.Serialize(record, PostgresJson.Store.InteractionRecord));
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), typeof(PostgresClientStore));
        return pending.Done.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Takes no more records and returns once every queued one is written (or has failed).</summary>
    public void Complete()
    {
        _queue.Writer.TryComplete();
        _loop.GetAwaiter().GetResult();
    }

    private async Task LoopAsync()
    {
        var reader = _queue.Reader;
        var group = new List<Pending>();
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var first))
            {
                group.Add(first);
                try
                {
                    // Alone in the queue: wait a moment for the records of other calls ending now.
                    if (_window > TimeSpan.Zero && reader.Count == 0) await Task.Delay(_window, _time).ConfigureAwait(false);
                    while (group.Count < MaxGroup && reader.TryRead(out var next)) group.Add(next);
                    await CommitAsync(group).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A last guard: the loop must never die with callers waiting.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    foreach (var pending in group) pending.Done.TrySetException(ex);
                }

                group.Clear();
            }
        }
    }

    private async Task CommitAsync(List<Pending> group)
    {
        try
        {
            await WriteGroupAsync(group).ConfigureAwait(false);
            foreach (var pending in group) pending.Done.TrySetResult();
            return;
        }
        catch (Exception ex) when (group.Count == 1)
        {
            group[0].Done.TrySetException(ex);
            return;
        }
        catch (PostgresException)
        {
            // The server refused the group: written again one by one below, so one bad record (an id that exists)
            // does not fail the others.
        }
#pragma warning disable CA1031 // Every failure goes to the records' callers, who report it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The database cannot be reached (or the connection broke): one by one would only wait as long again for
            // each record. Every caller hears it.
            foreach (var pending in group) pending.Done.TrySetException(ex);
            return;
        }

        foreach (var pending in group)
        {
            try
            {
                await WriteGroupAsync([pending]).ConfigureAwait(false);
                pending.Done.TrySetResult();
            }
#pragma warning disable CA1031 // Every failure goes to the record's caller, who reports it.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                pending.Done.TrySetException(ex);
            }
        }
    }

    private async Task WriteGroupAsync(IReadOnlyList<Pending> group)
    {
        await using var connection = await _data.OpenConnectionAsync().ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            var insert = new NpgsqlBatchCommand(InsertSql);
            insert.Parameters.Add(new NpgsqlParameter { Value = group.Select(p => p.Record.Id).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = group.Select(p => p.Record.ClientId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
            insert.Parameters.Add(new NpgsqlParameter { Value = group.Select(p => p.Record.CallUuid).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = group.Select(p => p.Record.CallerNumber).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = group.Select(p => p.Record.At.ToUniversalTime()).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = group.Select(p => p.Json).ToArray() });
            batch.BatchCommands.Add(insert);
            var notify = new NpgsqlBatchCommand(NotifySql);
            notify.Parameters.Add(new NpgsqlParameter { Value = StoreChange.Channel });
            notify.Parameters.Add(new NpgsqlParameter { Value = group.Select(p => new StoreChange(StoreChangeKinds.Interaction, _engine, p.Record.CallUuid).Format()).ToArray() });
            batch.BatchCommands.Add(notify);
            await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
        }

        await transaction.CommitAsync().ConfigureAwait(false);
        Interlocked.Increment(ref _commits);
    }

    private sealed class Pending(InteractionRecord record, string json)
    {
        public InteractionRecord Record { get; } = record;

        public string Json { get; } = json;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
