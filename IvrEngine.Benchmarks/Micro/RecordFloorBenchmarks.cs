using BenchmarkDotNet.Attributes;
using IvrEngine.Profiles;
using LiteDB;

namespace IvrEngine.Benchmarks.Micro;

/// <summary>What LiteDB itself allocates to write a call record, with no engine code around it but the record's
/// mapping: <see cref="Batch"/> records per transaction (a group commit) into a collection that already holds
/// <see cref="Records"/> records, per record. One file per shape: the record with its <c>_id</c> index only (the least
/// any LiteDB document write costs), with each of the indexes the engine's queries use (<c>client</c> for a card's
/// history, <c>call</c> for a wrap-up), with both, and with both plus the two last-contact summaries a lookup reads
/// (the store's whole write). The floor under the burst's "of which the store's writer" line.</summary>
[MemoryDiagnoser]
public class RecordFloorBenchmarks : IDisposable
{
    private const int Batch = 10;
    private DirectoryInfo _folder = null!;
    private LiteDatabase _idOnly = null!;
    private LiteDatabase _clientOnly = null!;
    private LiteDatabase _callOnly = null!;
    private LiteDatabase _indexed = null!;
    private LiteDatabase _withSummaries = null!;
    private readonly Guid[] _clients = [.. Enumerable.Range(0, 64).Select(_ => Guid.NewGuid())];
    private int _next;

    private LiteDatabase?[] Databases => [_idOnly, _clientOnly, _callOnly, _indexed, _withSummaries];

    [Params(5000)]
    public int Records { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("ivrengine-floor-");
        _idOnly = Open("id-only.db", client: false, call: false);
        _clientOnly = Open("client.db", client: true, call: false);
        _callOnly = Open("call.db", client: false, call: true);
        _indexed = Open("indexed.db", client: true, call: true);
        _withSummaries = Open("summaries.db", client: true, call: true);
        foreach (var db in Databases)
        {
            for (var written = 0; written < Records; written += Batch)
            {
                Write(db!, summaries: db == _withSummaries);
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var db in Databases) db?.Dispose();
        if (_folder is { Exists: true }) _folder.Delete(recursive: true);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing) Cleanup();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch, Description = "a record, _id index only, per record")]
    public void IdOnly() => Write(_idOnly, summaries: false);

    [Benchmark(OperationsPerInvoke = Batch, Description = "a record with the client index only, per record")]
    public void ClientOnly() => Write(_clientOnly, summaries: false);

    [Benchmark(OperationsPerInvoke = Batch, Description = "a record with the call index only, per record")]
    public void CallOnly() => Write(_callOnly, summaries: false);

    [Benchmark(OperationsPerInvoke = Batch, Description = "a record with the client and call indexes, per record")]
    public void Indexed() => Write(_indexed, summaries: false);

    [Benchmark(OperationsPerInvoke = Batch, Description = "that and the two last-contact summaries (the store's write), per record")]
    public void WithSummaries() => Write(_withSummaries, summaries: true);

    private LiteDatabase Open(string name, bool client, bool call)
    {
        var db = new LiteDatabase(new ConnectionString
        {
            Filename = Path.Combine(_folder.FullName, name),
            Collation = new Collation(System.Globalization.CultureInfo.InvariantCulture.LCID, System.Globalization.CompareOptions.Ordinal),
        }, LiteDbMapping.CreateMapper());
        var records = db.GetCollection(LiteDbClientStore.Interactions);
        if (client) records.EnsureIndex(LiteDbMapping.ClientIndex, "$.ClientId");
        if (call) records.EnsureIndex(LiteDbClientStore.CallIndex, "$.CallUuid");

        return db;
    }

    /// <summary>One group commit of <see cref="Batch"/> records: half from a known client (a number it called from
    /// before), half from unknown numbers, as the burst's mix.</summary>
    private void Write(LiteDatabase db, bool summaries)
    {
        db.BeginTrans();
        var records = db.GetCollection(LiteDbClientStore.Interactions);
        var contacts = db.GetCollection(LiteDbClientStore.LastContacts);
        for (var i = 0; i < Batch; i++)
        {
            var n = _next++;
            var record = new InteractionRecord
            {
                Id = Guid.CreateVersion7(),
                ClientId = n % 2 == 0 ? _clients[n % _clients.Length] : null,
                CallUuid = Guid.NewGuid().ToString(),
                At = DateTimeOffset.UtcNow,
                CallerNumber = n % 2 == 0 ? "+1555123" + (n % _clients.Length).ToString("D4", System.Globalization.CultureInfo.InvariantCulture) : "+1555999" + n.ToString("D7", System.Globalization.CultureInfo.InvariantCulture),
                DialedNumber = "5000",
                Flow = "bank",
                Steps = ["welcome", "identify", "route"],
                Collected = new() { ["menu"] = "1" },
                Outcome = "transferred",
                Queue = "vip",
            };

            if (summaries)
            {
                var ticks = record.At.UtcTicks;
                if (record.ClientId is { } client) contacts.Upsert(LiteDbMapping.LastContactDocument(LiteDbMapping.LastContactOfClient(client), record.Id, ticks));
                contacts.Upsert(LiteDbMapping.LastContactDocument(LiteDbMapping.LastContactFrom(record.CallerNumber), record.Id, ticks));
            }

            records.Insert(LiteDbMapping.ToDocument(record));
        }

        db.Commit();
    }
}
