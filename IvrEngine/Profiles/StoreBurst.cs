using System.Globalization;

namespace IvrEngine.Profiles;

/// <summary>The writer of the store's crash test (hidden command <c>store-burst &lt;db&gt; &lt;count&gt;</c>): inserts
/// clients one by one, each its own write, and prints each id on its own line once the write is acknowledged. The
/// test kills the process at some point and checks that every printed id is in the file.</summary>
public static class StoreBurst
{
    /// <summary>Inserts <paramref name="count"/> clients into the store at <paramref name="dbPath"/>, printing and
    /// flushing each acknowledged id; returns 0.</summary>
    public static async Task<int> RunAsync(string dbPath, int count, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dbPath);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(output);

        using var store = new LiteDbClientStore(dbPath);
        var start = Random.Shared.NextInt64(1_000_000_000, 9_000_000_000);
        for (var i = 0; i < count; i++)
        {
            var number = (start + i).ToString(CultureInfo.InvariantCulture);
            var card = await store.InsertAsync(new ClientCard
            {
                Id = Guid.NewGuid(),
                Name = "Burst client " + number,
                Phones = ["+1" + number],
                AccountNumbers = ["B" + number],
                Notes = [new ClientNote { Text = "written by store-burst", Author = "burst", At = DateTimeOffset.UtcNow }],
            }, cancellationToken);
            await output.WriteLineAsync(card.Id.ToString("D", CultureInfo.InvariantCulture).AsMemory(), cancellationToken);
            await output.FlushAsync(cancellationToken);
        }

        return 0;
    }
}
