using System.Text;
using IvrEngine.Profiles;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.Profiles;

/// <summary>A LiteDB store in a temporary file (or a store on a contract test's storage), and a temporary folder for
/// files, deleted afterwards.</summary>
internal sealed class TempStore : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ivrengine-tests-" + Guid.NewGuid().ToString("N"));
    private readonly IStoreStorage? _storage;

    public TempStore(TimeProvider? time = null)
    {
        Directory.CreateDirectory(_folder);
        Options = new StoreOptions { Path = Path.Combine(_folder, "clients.db") };
        Store = new LiteDbClientStore(Options, time);
    }

    private TempStore(IStoreStorage storage, IClientStore store)
    {
        Directory.CreateDirectory(_folder);
        _storage = storage;
        Options = storage.Options;
        Store = store;
    }

    /// <summary>A store on <paramref name="storage"/> (made now).</summary>
    public static async Task<TempStore> OpenAsync(IStoreStorage storage, TimeProvider? time = null)
    {
        await storage.InitializeAsync();
        return new TempStore(storage, storage.Open(time));
    }

    public StoreOptions Options { get; }

    public IClientStore Store { get; }

    public string Folder => _folder;

    public string PathOf(string name) => Path.Combine(_folder, name);

    public ClientImporter Importer(int batchSize = ClientImporter.DefaultBatchSize) => new(Store, Options) { BatchSize = batchSize };

    public async Task<List<ClientCard>> AllAsync()
    {
        var all = new List<ClientCard>();
        await foreach (var card in Store.AllAsync()) all.Add(card);
        return all;
    }

    public void Dispose()
    {
        Store.Dispose();
        _storage?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class ImportText
{
    public const string Header = "name,company,phones,accounts,cards,category,language,city,country,timezone,manager,balance,overdue,has_contract,notes";

    public static MemoryStream Utf8(string text) => new(Encoding.UTF8.GetBytes(text));

    public static string Csv(params string[] rows) => Header + "\n" + string.Join("\n", rows) + "\n";
}
