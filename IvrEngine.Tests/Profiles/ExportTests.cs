using IvrEngine.Profiles;
using IvrEngine.Tests.Support;

namespace IvrEngine.Tests.Profiles;

/// <summary>Exports that import again, run on each store by its subclass.</summary>
public abstract class ExportContract<TStorage>
    where TStorage : IStoreStorage, new()
{
    private const string Source = """
        [
          { "name": "Anna Smith", "company": "Smith, LLC", "phones": ["+15551234567", "+995322000000"], "accounts": ["1001", "1002"],
            "cards": ["4111111111111111"], "category": "vip", "language": "en", "city": "Boston", "country": "US",
            "timezone": "America/New_York", "manager": "agent-7", "balance": 100.5, "overdue": 20, "has_contract": true,
            "notes": [ { "text": "first; note, with \"quotes\"", "author": "agent-7", "at": "2026-01-02T03:04:05+00:00" }, { "text": "Просит перезвонить", "author": "ivr", "at": "2026-01-03T00:00:00+00:00" } ],
            "orders": [ { "number": "A-1", "stage": "in progress", "responsible": "agent-2", "debt": 10.25 }, { "number": "A-2", "stage": "new", "debt": 0 } ] },
          { "name": "ნინო ბერიძე", "phones": ["+995599123456"], "accounts": ["5001"], "category": "prospect", "language": "ka",
            "has_contract": false, "notes": [ { "text": "ურჩევნია ქართულად", "author": "agent-1", "at": "2026-01-02T03:04:05+00:00" } ] },
          { "name": "Bare" }
        ]
        """;

    [StoreTheory]
    [InlineData(ClientFileFormat.Csv)]
    [InlineData(ClientFileFormat.Json)]
    public async Task An_export_imports_again_into_the_same_cards_except_card_numbers(ClientFileFormat format)
    {
        using var original = await TempStore.OpenAsync(new TStorage());
        (await original.Importer().ImportAsync(ImportText.Utf8(Source), ClientFileFormat.Json)).Imported.Should().Be(3);

        using var exported = new MemoryStream();
        (await new ClientExporter(original.Store).ExportAsync(exported, format)).Should().Be(3);
        var text = System.Text.Encoding.UTF8.GetString(exported.ToArray());
        text.Should().Contain("****1111").And.NotContain("4111111111111111");

        using var copy = await TempStore.OpenAsync(new TStorage());
        exported.Position = 0;
        var report = await copy.Importer().ImportAsync(exported, format);
        report.Should().BeEquivalentTo(new ImportReport(3, 3, []));

        var before = (await original.AllAsync()).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var after = (await copy.AllAsync()).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        after.Should().BeEquivalentTo(before, o => o
            .Excluding(c => c.Id).Excluding(c => c.CreatedAt).Excluding(c => c.Cards).Excluding(c => c.Version)
            .Excluding(c => c.Notes)
            .WithStrictOrdering());
        after.Should().AllSatisfy(c => c.Cards.Should().BeEmpty("an export carries only the last four digits"));
        for (var i = 0; i < before.Count; i++)
        {
            after[i].Notes.Select(n => n.Text).Should().Equal(before[i].Notes.Select(n => n.Text));
            if (format == ClientFileFormat.Json)
            {
                after[i].Notes.Should().BeEquivalentTo(before[i].Notes, "JSON keeps each note's author and time");
            }
        }
    }

    [StoreFact]
    public async Task The_csv_has_the_import_columns_and_lists_separated_by_semicolons()
    {
        using var temp = await TempStore.OpenAsync(new TStorage());
        await temp.Importer().ImportAsync(ImportText.Utf8(Source), ClientFileFormat.Json);
        var file = temp.PathOf("clients.csv");

        (await new ClientExporter(temp.Store).ExportFileAsync(file)).Should().Be(3);

        var lines = await File.ReadAllLinesAsync(file);
        lines[0].Should().Be(string.Join(',', ClientFileFormats.Columns));
        lines.Should().Contain(l => l.Contains("+15551234567;+995322000000,1001;1002,****1111,vip", StringComparison.Ordinal));
        lines.Should().Contain(l => l.Contains("A-1|in progress|agent-2|10.25;A-2|new||0", StringComparison.Ordinal));
    }
}

/// <summary>Exports from a LiteDB file.</summary>
public sealed class LiteDbExportTests : ExportContract<LiteDbStorage>;

/// <summary>Exports from PostgreSQL.</summary>
public sealed class PostgresExportTests : ExportContract<PostgresStorage>;
