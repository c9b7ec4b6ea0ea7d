using IvrEngine.Profiles;
using IvrEngine.Tests.Hosting;

namespace IvrEngine.Tests.Profiles;

/// <summary>One process per store: while one holds it (the engine, an import), another process's import is refused
/// with a plain message naming the store and exit 2, and nothing of either is lost.</summary>
public sealed class StoreLockTests : IDisposable
{
    // A child engine that imports, exports or opens a store: a loaded machine makes it slow.
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(90);

    private readonly StoreTempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_second_process_is_refused_while_a_store_is_held_and_nothing_is_lost()
    {
        var csv = Path.Combine(_temp.Folder, "clients.csv");
        await File.WriteAllTextAsync(csv, "name,phones,accounts\nImported One,+15557770001,77001\nImported Two,+15557770002,77002\n");
        var held = new List<ClientCard>();
        using (var store = _temp.Open())
        {
            for (var i = 0; i < 20; i++) held.Add(await store.InsertAsync(StoreCards.New()));

            var (code, output, error) = await EngineProcess.RunAsync(["import", csv, "--Store:Path=" + _temp.DbPath], patience: Slow);
            code.Should().Be(2, output + error);
            error.Should().Contain(_temp.DbPath).And.Contain("in use by another process");
            output.Should().NotContain("imported");

            // The holder goes on writing and reading as if nothing happened.
            held.Add(await store.InsertAsync(StoreCards.New()));
            foreach (var card in held) (await store.GetAsync(card.Id)).Should().NotBeNull();
            (await store.FindByPhoneAsync("+15557770001")).Should().BeNull("the refused import wrote nothing");
        }

        // Released, the same import goes in, and every client of the holder is still there.
        var done = await EngineProcess.RunAsync(["import", csv, "--Store:Path=" + _temp.DbPath], patience: Slow);
        done.ExitCode.Should().Be(0, done.Error);
        done.Output.Should().Contain("read 2, imported 2, rejected 0");
        using var reopened = _temp.Open();
        (await reopened.CountAsync()).Should().Be(held.Count + 2);
    }

    [Fact]
    public async Task The_lock_is_the_operating_systems_and_goes_with_a_killed_process()
    {
        // A writer in another process holds the store; the test's open is refused, and once the writer is killed
        // (no clean close) the store opens again with every acknowledged write in it.
        var start = EngineProcess.StartInfo(["store-burst", _temp.DbPath, "100000"]);
        using var process = System.Diagnostics.Process.Start(start)!;
        using var cts = new CancellationTokenSource(Slow);
        var ids = new List<Guid>();
        try
        {
            while (ids.Count < 50)
            {
                var line = await process.StandardOutput.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException("store-burst ended early: "
                    + await process.StandardError.ReadToEndAsync(cts.Token));
                ids.Add(Guid.Parse(line));
            }

            var open = () => _temp.Open();
            open.Should().Throw<ClientStoreException>().Where(e => e.InUse).WithMessage($"*{_temp.DbPath}*in use by another process*");
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync(cts.Token);
        using var store = _temp.Open();
        foreach (var id in ids) (await store.GetAsync(id)).Should().NotBeNull();
    }
}
