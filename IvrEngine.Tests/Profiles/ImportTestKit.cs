using System.Text;
using IvrEngine.Profiles;

namespace IvrEngine.Tests.Profiles;

/// <summary>A LiteDB store in a temporary file, deleted afterwards.</summary>
internal sealed class TempStore : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ivrengine-tests-" + Guid.NewGuid().ToString("N"));

    public TempStore(TimeProvider? time = null)
    {
        Directory.CreateDirectory(_folder);
        Options = new StoreOptions { Path = Path.Combine(_folder, "clients.db") };
        Store = new LiteDbClientStore(Options, time);
    }

    public StoreOptions Options { get; }

    public LiteDbClientStore Store { get; }

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
