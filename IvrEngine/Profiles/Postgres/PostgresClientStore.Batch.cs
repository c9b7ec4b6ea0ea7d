using System.Buffers;
using System.Collections.Concurrent;
using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CommunityToolkit.HighPerformance.Buffers;
using Npgsql;

namespace IvrEngine.Profiles.Postgres;

/// <summary>Batches of new cards, written with PostgreSQL's binary COPY.</summary>
public sealed partial class PostgresClientStore
{
    /// <summary>The start of every binary COPY stream: the signature, no flags, no header extension.</summary>
    private static readonly byte[] CopyHeader = [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xff, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>The end of a binary COPY stream: a tuple of -1 fields.</summary>
    private static readonly byte[] CopyTrailer = [0xff, 0xff];

    /// <summary>Microseconds are counted from 2000-01-01 UTC in a timestamptz.</summary>
    private const long PostgresEpochTicks = 630_822_816_000_000_000;

    /// <summary>The fields of a <c>clients</c> tuple: id, version, search_name, search_company, created_at, card.</summary>
    private const short ClientFields = 6;

    /// <summary>Batches given back, kept with their buffers (an import fills one while one or two are written).</summary>
    private readonly ConcurrentQueue<Batch> _spareBatches = new();

    /// <inheritdoc />
    public PendingClientCollection CreateBatch()
    {
        if (!_spareBatches.TryDequeue(out var batch)) return new Batch(this);
        batch.Reuse();
        return batch;
    }

    /// <summary>A batch held as the binary COPY tuples of its cards (each encoded by <see cref="Prepare"/>, on
    /// whichever thread checks it) and its keys as bytes: a few pooled buffers however many cards it has.</summary>
    private sealed class Batch(PostgresClientStore store) : PendingClientCollection
    {
        /// <summary>Batches kept for reuse: an import's large buffers are then allocated once, not for every batch
        /// (each a new large object the garbage collector would have to reclaim in a full collection).</summary>
        private const int Spares = 4;

        private int _given;

        [ThreadStatic]
        private static ArrayBufferWriter<byte>? t_json;

        [ThreadStatic]
        private static Utf8JsonWriter? t_writer;

        private readonly ArrayPoolBufferWriter<byte> _rows = new();
        private readonly ArrayPoolBufferWriter<int> _starts = new();
        private readonly ArrayPoolBufferWriter<byte> _keyBytes = new();
        private readonly ArrayPoolBufferWriter<KeyRef> _keys = new();

        public override int Count => _starts.WrittenCount;

        /// <summary>Checks the card as <see cref="InsertAsync"/> does, gives it an id and a creation time if it has
        /// none, and encodes its <c>clients</c> tuple.</summary>
        public override object Prepare(ClientCard card)
        {
            ArgumentNullException.ThrowIfNull(card);
            LiteDbClientStore.Validate(card);
            foreach (var account in card.AccountNumbers) NoNul(account, "an account number");
            foreach (var reference in card.Cards) NoNul(reference.Fingerprint, "a card fingerprint");
            if (card.Id == Guid.Empty) card.Id = Guid.CreateVersion7();
            if (card.CreatedAt == default) card.CreatedAt = store._time.GetUtcNow();

            // The JSON as CardJson writes it (version 1, the store's encoder), into this thread's buffer.
            var json = t_json ??= new ArrayBufferWriter<byte>(1024);
            json.ResetWrittenCount();
            var writer = t_writer ??= new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            writer.Reset(json);
            var kept = card.Version;
            card.Version = 1;
            try
            {
                JsonSerializer.Serialize(writer, card, PostgresJson.Store.ClientCard);
            }
            finally
            {
                card.Version = kept;
            }

            var name = Searchable(card.Name);
            var company = SearchableOrNull(card.Company);
            var nameBytes = Encoding.UTF8.GetByteCount(name);
            var companyBytes = company is null ? 0 : Encoding.UTF8.GetByteCount(company);
            var tuple = new byte[2 + (4 + 16) + (4 + 4) + (4 + nameBytes) + (4 + companyBytes) + (4 + 8) + (4 + json.WrittenCount)];
            var span = tuple.AsSpan();
            BinaryPrimitives.WriteInt16BigEndian(span, ClientFields);
            var at = 2;
            BinaryPrimitives.WriteInt32BigEndian(span[at..], 16);
            card.Id.TryWriteBytes(span[(at + 4)..], bigEndian: true, out _);
            at += 4 + 16;
            BinaryPrimitives.WriteInt32BigEndian(span[at..], 4);
            BinaryPrimitives.WriteInt32BigEndian(span[(at + 4)..], 1);
            at += 4 + 4;
            BinaryPrimitives.WriteInt32BigEndian(span[at..], nameBytes);
            at += 4 + Encoding.UTF8.GetBytes(name, span[(at + 4)..]);
            if (company is null)
            {
                BinaryPrimitives.WriteInt32BigEndian(span[at..], -1);
                at += 4;
            }
            else
            {
                BinaryPrimitives.WriteInt32BigEndian(span[at..], companyBytes);
                at += 4 + Encoding.UTF8.GetBytes(company, span[(at + 4)..]);
            }

            // timestamptz: microseconds since 2000-01-01 UTC, as Npgsql writes it.
            BinaryPrimitives.WriteInt32BigEndian(span[at..], 8);
            BinaryPrimitives.WriteInt64BigEndian(span[(at + 4)..], (card.CreatedAt.UtcTicks - PostgresEpochTicks) / 10);
            at += 4 + 8;

            // json's binary form is its text.
            BinaryPrimitives.WriteInt32BigEndian(span[at..], json.WrittenCount);
            json.WrittenSpan.CopyTo(span[(at + 4)..]);
            return tuple;
        }

        public override void Add(ClientCard card, object? prepared = null)
        {
            var tuple = prepared as byte[] ?? Prepare(card) as byte[] ?? throw new InvalidOperationException("Prepare gave no tuple.");
            var row = _starts.WrittenCount;
            _starts.GetSpan(1)[0] = _rows.WrittenCount;
            _starts.Advance(1);
            _rows.Write(tuple);

            var first = _keys.WrittenCount;
            foreach (var phone in card.Phones) AddKey(PhoneKind, phone, row, first);
            foreach (var account in card.AccountNumbers) AddKey(AccountKind, account, row, first);
            foreach (var reference in card.Cards) AddKey(CardKind, reference.Fingerprint, row, first);
        }

        /// <summary>Adds a key of the card at <paramref name="row"/> unless the card named it already (its keys
        /// start at <paramref name="first"/>; a card has a handful).</summary>
        private void AddKey(char kind, string key, int row, int first)
        {
            var length = Encoding.UTF8.GetByteCount(key);
            var bytes = _keyBytes.GetSpan(length)[..length];
            Encoding.UTF8.GetBytes(key, bytes);
            for (var i = first; i < _keys.WrittenCount; i++)
            {
                var earlier = _keys.WrittenSpan[i];
                if (earlier.Kind == kind && KeyOf(earlier).SequenceEqual(bytes)) return;
            }

            _keys.GetSpan(1)[0] = new KeyRef((byte)kind, _keyBytes.WrittenCount, length, row);
            _keys.Advance(1);
            _keyBytes.Advance(length);
        }

        private ReadOnlySpan<byte> KeyOf(KeyRef key) => _keyBytes.WrittenSpan.Slice(key.Offset, key.Length);

        /// <summary>The tuples of the cards, one after the other.</summary>
        public ReadOnlyMemory<byte> Rows => _rows.WrittenMemory;

        /// <summary>The cards' ids, in order.</summary>
        public List<Guid> Ids()
        {
            var ids = new List<Guid>(Count);
            for (var row = 0; row < Count; row++) ids.Add(IdOf(row));
            return ids;
        }

        private Guid IdOf(int row) => new(_rows.WrittenSpan.Slice(_starts.WrittenSpan[row] + 2 + 4, 16), bigEndian: true);

        /// <summary>Sorts the keys into the index's order (kind, then the key byte for byte, which is COLLATE "C"),
        /// so the key index is written page after page instead of all over; null, or the first key two cards share.</summary>
        public (int Row, int OtherRow)? SortKeys()
        {
            var keys = _keys.DangerousGetArray().AsSpan(0, _keys.WrittenCount);
            var bytes = _keyBytes.DangerousGetArray().Array!;
            keys.Sort((a, b) => a.Kind != b.Kind ? a.Kind.CompareTo(b.Kind) : bytes.AsSpan(a.Offset, a.Length).SequenceCompareTo(bytes.AsSpan(b.Offset, b.Length)));
            for (var i = 1; i < keys.Length; i++)
            {
                if (keys[i].Kind == keys[i - 1].Kind && KeyOf(keys[i]).SequenceEqual(KeyOf(keys[i - 1]))) return (keys[i - 1].Row, keys[i].Row);
            }

            return null;
        }

        /// <summary>The <c>client_keys</c> tuples (kind, key, client_id) of the keys, in their present order.</summary>
        public ArrayPoolBufferWriter<byte> KeyTuples()
        {
            var tuples = new ArrayPoolBufferWriter<byte>(_keyBytes.WrittenCount + (_keys.WrittenCount * (2 + 5 + 4 + 20)));
            foreach (var key in _keys.WrittenSpan)
            {
                var span = tuples.GetSpan(2 + 5 + 4 + key.Length + 20);
                BinaryPrimitives.WriteInt16BigEndian(span, 3);
                BinaryPrimitives.WriteInt32BigEndian(span[2..], 1);
                span[6] = key.Kind;
                BinaryPrimitives.WriteInt32BigEndian(span[7..], key.Length);
                KeyOf(key).CopyTo(span[11..]);
                var at = 11 + key.Length;
                BinaryPrimitives.WriteInt32BigEndian(span[at..], 16);
                _rows.WrittenSpan.Slice(_starts.WrittenSpan[key.Row] + 2, 4 + 16)[4..].CopyTo(span[(at + 4)..]);
                tuples.Advance(at + 4 + 16);
            }

            return tuples;
        }

        /// <summary>The card of a row, read back from its JSON (for an error or a retry; not stored yet: version 0).</summary>
        public ClientCard CardAt(int row)
        {
            var span = _rows.WrittenSpan[_starts.WrittenSpan[row]..][2..];
            for (var field = 0; field < ClientFields - 1; field++) span = span[(4 + Math.Max(0, BinaryPrimitives.ReadInt32BigEndian(span)))..];
            var card = JsonSerializer.Deserialize(span.Slice(4, BinaryPrimitives.ReadInt32BigEndian(span)), PostgresJson.Store.ClientCard)!;
            card.Version = 0;
            return card;
        }

        public override IEnumerator<ClientCard> GetEnumerator()
        {
            for (var row = 0; row < Count; row++) yield return CardAt(row);
        }

        /// <summary>Empties a batch taken from the spares.</summary>
        public void Reuse()
        {
            _rows.Clear();
            _starts.Clear();
            _keyBytes.Clear();
            _keys.Clear();
            Volatile.Write(ref _given, 0);
        }

        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _given, 1) == 1) return;
            if (disposing && store._spareBatches.Count < Spares && Volatile.Read(ref store._disposed) == 0)
            {
                store._spareBatches.Enqueue(this);
                return;
            }

            if (disposing) Release();
            base.Dispose(disposing);
        }

        /// <summary>Gives the buffers back to the pool.</summary>
        public void Release()
        {
            _rows.Dispose();
            _starts.Dispose();
            _keyBytes.Dispose();
            _keys.Dispose();
        }
    }

    /// <summary>A key of a batch: its kind, where its bytes are, and the row of its card.</summary>
    private readonly record struct KeyRef(byte Kind, int Offset, int Length, int Row);

    /// <summary>Stores a batch: its tuples and then its keys' (sorted) copied in PostgreSQL's binary COPY format straight
    /// into <c>clients</c> and <c>client_keys</c>, in one transaction.</summary>
    private async Task<int> InsertBatchAsync(Batch batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0) return 0;

        // The rest runs on the pool: the caller (an import) goes on checking the next batch meanwhile.
        await Task.Yield();
        var ids = batch.Ids();
        if (ids.Count != new HashSet<Guid>(ids).Count)
        {
            var twice = ids.GroupBy(id => id).First(g => g.Count() > 1).Key;
            throw new DuplicateClientException($"Client {twice} appears twice in the batch.");
        }

        if (batch.SortKeys() is var (row, otherRow))
        {
            // Named as LiteDB's batch check names it: the earlier card, then the later.
            var (first, second) = (batch.CardAt(Math.Min(row, otherRow)), batch.CardAt(Math.Max(row, otherRow)));
            var firstKeys = KeysOf(first);
            var shared = KeysOf(second).First(k => firstKeys.Exists(f => f.Kind == k.Kind && f.Key == k.Key));
            throw new DuplicateClientException($"{shared.What} appears on two clients of the batch: {first.Id} and {second.Id}.");
        }

        using var keyTuples = batch.KeyTuples();
        try
        {
            return await WriteAsync(async (connection, _) =>
            {
                await CopyAsync(connection, "COPY clients (id, version, search_name, search_company, created_at, card) FROM STDIN (FORMAT BINARY)", batch.Rows, cancellationToken);
                await CopyAsync(connection, "COPY client_keys (kind, key, client_id) FROM STDIN (FORMAT BINARY)", keyTuples.WrittenMemory, cancellationToken);
                return batch.Count;
            }, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            var keys = new List<ClientKeyRow>(batch.Count * 2);
            foreach (var card in batch) AddKeys(card, keys);
            throw await DuplicateAsync(ex, keys, ids, cancellationToken);
        }
    }

    /// <summary>One binary COPY of ready tuples: the header, the tuples, the trailer; the server's answer (a refused
    /// key, say) is thrown as the stream is closed.</summary>
    private static async Task CopyAsync(NpgsqlConnection connection, string copy, ReadOnlyMemory<byte> tuples, CancellationToken cancellationToken)
    {
        var stream = await connection.BeginRawBinaryCopyAsync(copy, cancellationToken);
        await using (stream)
        {
            await stream.WriteAsync(CopyHeader, cancellationToken);
            await stream.WriteAsync(tuples, cancellationToken);
            await stream.WriteAsync(CopyTrailer, cancellationToken);
        }
    }
}
