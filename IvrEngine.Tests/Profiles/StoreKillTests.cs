using System.Diagnostics;
using IvrEngine.Profiles;

namespace IvrEngine.Tests.Profiles;

/// <summary>The crash test: a child process writes clients one by one and prints each acknowledged id; it is killed
/// at once, mid-stream; every id it printed must be in the file, which must open cleanly.</summary>
public sealed class StoreKillTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly StoreTempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Every_acknowledged_write_survives_the_process_being_killed()
    {
        var acknowledged = new List<Guid>();

        // Three kills at different points, each reopening the file the previous kill left behind.
        foreach (var killAfter in new[] { 100, 2000, 300 })
        {
            var ids = await BurstAndKillAsync(_temp.DbPath, killAfter);
            ids.Count.Should().BeGreaterThanOrEqualTo(killAfter);
            acknowledged.AddRange(ids);

            using var store = _temp.Open();
            var missing = new List<Guid>();
            foreach (var id in acknowledged)
            {
                if (await store.GetAsync(id) is null) missing.Add(id);
            }

            missing.Should().BeEmpty($"every id the writer printed was acknowledged ({acknowledged.Count} so far, killed after {killAfter})");
            (await store.CountAsync()).Should().BeGreaterThanOrEqualTo(acknowledged.Count);

            // The file is usable, not just readable.
            var card = await store.InsertAsync(StoreCards.New());
            (await store.FindByPhoneAsync(card.Phones[0]))!.Id.Should().Be(card.Id);
        }
    }

    [Fact]
    public async Task An_acknowledged_write_is_already_in_the_log_file()
    {
        // LiteDB writes a commit's pages from a background writer; the store acknowledges only once they are written.
        // Right after each acknowledgement the bytes must be in the file, where a killed process would leave them.
        // (LiteDB's writer usually runs inline on the committing thread, so a missing wait shows only when the writer
        // was busy with the previous flush: this catches such a regression sometimes, not every run.)
        using var store = _temp.Open();
        var log = Path.Combine(_temp.Folder, "store-log.db");
        for (var i = 0; i < 100; i++)
        {
            var marker = "durable-" + Guid.NewGuid().ToString("N");
            await store.InsertAsync(StoreCards.New(marker));
            var bytes = File.Exists(log) ? await ReadSharedAsync(log) : [];
            var data = await ReadSharedAsync(_temp.DbPath);
            (Contains(bytes, marker) || Contains(data, marker)).Should().BeTrue($"write {i} was acknowledged, so its page is in the file");
        }
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static bool Contains(byte[] haystack, string marker) =>
        haystack.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(marker)) >= 0;

    private static async Task<List<Guid>> BurstAndKillAsync(string dbPath, int killAfter)
    {
        var engine = Path.Combine(AppContext.BaseDirectory, "IvrEngine.dll");
        File.Exists(engine).Should().BeTrue($"the engine is built next to the tests ({engine})");
        var start = new ProcessStartInfo(Hosting.EngineProcess.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(engine);
        start.ArgumentList.Add("store-burst");
        start.ArgumentList.Add(dbPath);
        start.ArgumentList.Add("100000");

        using var cts = new CancellationTokenSource(Patience);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        var ids = new List<Guid>(killAfter + 64);
        try
        {
            while (ids.Count < killAfter)
            {
                var line = await process.StandardOutput.ReadLineAsync(cts.Token);
                if (line is null)
                {
                    await process.WaitForExitAsync(cts.Token);
                    throw new InvalidOperationException($"store-burst ended (exit {process.ExitCode}) after {ids.Count} ids: {await stderr}");
                }

                ids.Add(Guid.Parse(line));
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync(cts.Token);

        // Whole lines printed before the kill were acknowledged too; a cut last line was not.
        var rest = await process.StandardOutput.ReadToEndAsync(cts.Token);
        var lines = rest.Split('\n');
        ids.AddRange(lines[..^1].Select(l => Guid.Parse(l.TrimEnd('\r'))));
        return ids;
    }
}
