using BenchmarkDotNet.Attributes;
using IvrEngine.Profiles;
using Microsoft.Extensions.Options;

namespace IvrEngine.Benchmarks.Micro;

/// <summary>What the lookup of a known caller asks the store, on a store seeded with the demo data and
/// <see cref="Calls"/> earlier calls of the VIP: the time of the last contact from the two newest records (as the
/// lookup did) and from the two last-contact summaries (as it does), the campaign of the dialed number, the whole
/// lookup by caller number (known and unknown, with what the store keeps in memory and with
/// <c>Store:CacheClients=0</c>), and the write of call records, <see cref="RecordBatch"/> at once as a burst
/// writes them (group commits), per record.</summary>
[MemoryDiagnoser]
public class LookupBenchmarks : IDisposable
{
    private DirectoryInfo _folder = null!;
    private const int RecordBatch = 100;

    private LiteDbClientStore _store = null!;
    private LiteDbClientStore _uncached = null!;
    private ClientLookup _lookup = null!;
    private ClientLookup _uncachedLookup = null!;
    private Guid _vip;

    [Params(1000)]
    public int Calls { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("ivrengine-micro-");
        _store = new LiteDbClientStore(Path.Combine(_folder.FullName, "clients.db"));
        var cards = new CardFingerprints("micro-benchmark-key");
        new DemoDataSeeder(_store, cards).SeedAsync().GetAwaiter().GetResult();
        _vip = _store.FindByPhoneAsync(DemoDataSeeder.WellKnown.VipPhone).GetAwaiter().GetResult()!.Id;
        var at = DateTimeOffset.UtcNow.AddDays(-30);
        var writes = new List<Task>(Calls);
        for (var i = 0; i < Calls; i++)
        {
            writes.Add(_store.AddInteractionAsync(BankCall(_vip, DemoDataSeeder.WellKnown.VipPhone, at.AddMinutes(i))));
        }

        Task.WaitAll(writes);
        var classifier = new ClientClassifier(Options.Create(new ClassificationOptions()), TimeProvider.System);
        _lookup = new ClientLookup(_store, new PhoneNormalizer(), cards, classifier);

        // The same file's data in a store that keeps nothing in memory (every lookup reads the file).
        _uncached = new LiteDbClientStore(Path.Combine(_folder.FullName, "uncached.db"), cacheClients: 0);
        new DemoDataSeeder(_uncached, cards).SeedAsync().GetAwaiter().GetResult();
        _uncachedLookup = new ClientLookup(_uncached, new PhoneNormalizer(), cards, classifier);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _store?.Dispose();
        _uncached?.Dispose();
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

    [Benchmark(Baseline = true, Description = "last contact: the two newest records (before)")]
    public async Task<DateTimeOffset?> LastContactFromRecords()
    {
        var fromNumber = await _store.LastInteractionFromAsync(DemoDataSeeder.WellKnown.VipPhone);
        var ofClient = await _store.GetInteractionsAsync(_vip, 1);
        return fromNumber is null || (ofClient.Count > 0 && ofClient[0].At > fromNumber.At) ? (ofClient.Count > 0 ? ofClient[0].At : null) : fromNumber.At;
    }

    [Benchmark(Description = "last contact: the two summaries (LastContactAtAsync)")]
    public Task<DateTimeOffset?> LastContactFromSummaries() => _store.LastContactAtAsync(_vip, DemoDataSeeder.WellKnown.VipPhone);

    [Benchmark(Description = "campaign of 5000 (FindCampaignAsync, kept once read)")]
    public Task<Campaign?> Campaign() => _store.FindCampaignAsync("5000");

    [Benchmark(Description = "lookup of a known caller (ClientLookup.ByCallerAsync)")]
    public Task<LookupResult> ByCaller() => _lookup.ByCallerAsync("15551230001", "5000");

    [Benchmark(Description = "lookup of an unknown caller (ClientLookup.ByCallerAsync)")]
    public Task<LookupResult> ByUnknownCaller() => _lookup.ByCallerAsync("15559990001", "5000");

    [Benchmark(Description = "lookup of a known caller, Store:CacheClients=0 (every seek in LiteDB)")]
    public Task<LookupResult> ByCallerUncached() => _uncachedLookup.ByCallerAsync("15551230001", "5000");

    [Benchmark(OperationsPerInvoke = RecordBatch, Description = "record a call (AddInteractionAsync), 100 at once, per record")]
    public async Task RecordCalls()
    {
        var at = DateTimeOffset.UtcNow;
        var writes = new Task[RecordBatch];
        for (var i = 0; i < RecordBatch; i++)
        {
            writes[i] = _store.AddInteractionAsync(i % 2 == 0 ? BankCall(_vip, DemoDataSeeder.WellKnown.VipPhone, at) : BankCall(null, "+15559990001", at));
        }

        await Task.WhenAll(writes);
    }

    /// <summary>A bank call's record as the engine writes it: the flow's steps, a key collected, transferred to vip.</summary>
    private static InteractionRecord BankCall(Guid? client, string callerNumber, DateTimeOffset at) => new()
    {
        ClientId = client,
        CallUuid = Guid.NewGuid().ToString(),
        At = at,
        CallerNumber = callerNumber,
        DialedNumber = "5000",
        Flow = "bank",
        Steps = ["welcome", "identify", "route"],
        Collected = new() { ["menu"] = "1" },
        Outcome = "transferred",
        Queue = "vip",
    };
}
