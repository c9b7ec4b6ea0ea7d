using System.Text;
using IvrEngine.Hosting;
using IvrEngine.Ivr;
using IvrEngine.Profiles;
using IvrEngine.Tests.Flows;
using IvrEngine.Tests.Ivr;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

using IvrEngine.Tests.Hosting;

namespace IvrEngine.Tests.Profiles;

/// <summary>A damaged store on a real file: one overwritten page fails only the operations that read it (the call goes
/// on as an unknown caller, every other lookup and write works, health says degraded, the error is logged once with
/// what to do); a truncated or garbage file is refused and never filled with demo data.</summary>
public sealed class StoreDamageTests : IDisposable
{
    // A child engine that imports, exports or opens a store: a loaded machine makes it slow.
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(90);

    private const int Page = LiteDbClientStore.StorePageSize;
    private readonly StoreTempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task One_damaged_page_fails_only_its_lookup_and_the_store_serves_on_degraded()
    {
        var (cards, onPage) = await DamagedStoreAsync();

        var logs = new LogCapture();
        await using var services = Services(logs);
        var lookup = services.GetRequiredService<ClientLookup>();
        var store = services.GetRequiredService<IClientStore>();
        var health = services.GetRequiredService<HealthCheckService>();
        (await health.CheckHealthAsync()).Entries[StoreHealthCheck.Name].Status.Should().Be(HealthStatus.Healthy);

        var damaged = await lookup.ByCallerAsync(cards[0].Phones[0], "5000");
        damaged.Found.Should().BeFalse();
        damaged.Code.Should().Be('N');
        damaged.Reason.Should().Be(ClientLookup.StoreFailedReason);
        damaged.CallerNumber.Should().Be(cards[0].Phones[0]);
        StoreFlowDirectory.View(damaged).Found.Should().BeFalse("the flow takes its not-found branch, the general queue");

        var others = cards.Except(onPage).Take(10).ToList();
        others.Should().HaveCount(10);
        foreach (var other in others)
        {
            var found = await lookup.ByCallerAsync(other.Phones[0], "5000");
            found.Client.Should().NotBeNull($"{other.Name} is on an undamaged page");
            found.Client!.Id.Should().Be(other.Id);
            (await lookup.ByAccountAsync(other.AccountNumbers[0], other.Phones[0], "5000")).Client!.Id.Should().Be(other.Id);
        }

        // Interaction records are still written, the damaged client's call included, and read back.
        var calls = Enumerable.Range(0, 5).Select(i => new InteractionRecord
        {
            CallUuid = Guid.NewGuid().ToString(),
            At = DateTimeOffset.UtcNow.AddSeconds(i),
            CallerNumber = cards[0].Phones[0],
            DialedNumber = "5000",
            Outcome = "transferred",
            Queue = "general",
        }).ToList();
        foreach (var call in calls) await store.AddInteractionAsync(call);
        (await store.LastInteractionFromAsync(cards[0].Phones[0]))!.CallUuid.Should().Be(calls[^1].CallUuid);

        // The damaged client fails again, alone; the others still work after it.
        (await lookup.ByCallerAsync(cards[0].Phones[0], "5000")).Reason.Should().Be(ClientLookup.StoreFailedReason);
        (await lookup.ByCallerAsync(others[0].Phones[0], "5000")).Client!.Id.Should().Be(others[0].Id);
        (await store.InsertAsync(StoreCards.New())).Version.Should().Be(1);

        var report = await health.CheckHealthAsync();
        report.Entries[StoreHealthCheck.Name].Status.Should().Be(HealthStatus.Degraded);
        report.Entries[StoreHealthCheck.Name].Description.Should().Contain("export").And.Contain("backup");
        logs.Lines.Where(l => l.Level == LogLevel.Error && l.Message.Contains("is damaged", StringComparison.Ordinal))
            .Should().ContainSingle("the error is logged once").Which.Message.Should().Contain("export").And.Contain(_temp.DbPath);
    }

    [Fact]
    public async Task A_call_whose_lookup_meets_the_damaged_page_goes_to_the_general_queue_as_unknown_with_the_reason()
    {
        var (cards, _) = await DamagedStoreAsync();

        // The bank flow as the engine runs it (simulate: the same lookup, flow runner and variables); the unknown
        // caller presses 0 for an agent at the identification menu.
        var run = await FlowCliKit.RunAsync(["simulate", "bank", "--ani", cards[0].Phones[0], "--dnis", "5000", "--keys", "0", "--json",
            "--Store:Path=" + _temp.DbPath, "--Store:SeedDemoData=false", "--Logging:LogLevel:Default=None"]);

        run.Code.Should().Be(0, run.Error + run.Output);
        var result = SimulatedRun.Parse(run.Output);
        result.TransferKind.Should().Be("queue");
        result.TransferTarget.Should().Be("general");
        result.ClientCode.Should().Be("N");
        result.Attached.Should().ContainKey("ivr_cti_reason").WhoseValue.Should().Contain(ClientLookup.StoreFailedReason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(4096)]
    [InlineData(8191)]
    public async Task A_truncated_store_is_refused_left_as_it_is_and_never_seeded(int length)
    {
        using (var store = _temp.Open())
        {
            await store.InsertAsync(StoreCards.New("Real client"));
        }

        await using (var file = new FileStream(_temp.DbPath, FileMode.Open, FileAccess.Write)) file.SetLength(length);
        var before = await File.ReadAllBytesAsync(_temp.DbPath);

        var open = () => _temp.Open();
        open.Should().Throw<ClientStoreException>().WithMessage($"*{_temp.DbPath} is {length} bytes*truncated*backup*");

        // The engine's start (demo data on) refuses it with exit 2 and a plain message, and leaves the file as it was.
        var (code, _, error) = await EngineProcess.RunAsync(["--Store:Path=" + _temp.DbPath, "--Store:SeedDemoData=true", "--Engine:ListenPort=0",
            "--Web:Urls=http://127.0.0.1:0"], patience: Slow);
        code.Should().Be(2, error);
        error.Should().Contain($"{_temp.DbPath} is {length} bytes").And.Contain("truncated");
        (await File.ReadAllBytesAsync(_temp.DbPath)).Should().Equal(before, "nothing was written into it, no demo data above all");
    }

    [Fact]
    public async Task Demo_data_goes_only_into_a_store_this_start_created()
    {
        using (_temp.Open())
        {
            // An existing store with no client (someone's, emptied): not a place for fake VIPs and test cards.
        }

        await using (var services = Services(new LogCapture(), seed: true))
        {
            await services.GetRequiredService<ClientProfilesStartup>().StartingAsync(CancellationToken.None);
            (await services.GetRequiredService<IClientStore>().CountAsync()).Should().Be(0);
        }

        File.Delete(_temp.DbPath);
        await using (var services = Services(new LogCapture(), seed: true))
        {
            await services.GetRequiredService<ClientProfilesStartup>().StartingAsync(CancellationToken.None);
            (await services.GetRequiredService<IClientStore>().CountAsync()).Should().BeGreaterThan(300, "a store created now gets the demo data");
        }
    }

    [Fact]
    public async Task A_store_path_naming_a_folder_stops_the_start_with_exit_2_and_a_plain_message()
    {
        var (code, _, error) = await EngineProcess.RunAsync(["--Store:Path=" + _temp.Folder, "--Engine:ListenPort=0", "--Web:Urls=http://127.0.0.1:0"], patience: Slow);
        code.Should().Be(2, error);
        error.Should().Contain(_temp.Folder).And.Contain("is a folder");
    }

    [Fact]
    public async Task A_store_whose_header_is_garbage_stops_the_start_with_exit_2_and_a_plain_message()
    {
        var garbage = new byte[3 * Page];
        new Random(12).NextBytes(garbage);
        await File.WriteAllBytesAsync(_temp.DbPath, garbage);

        var (code, _, error) = await EngineProcess.RunAsync(["--Store:Path=" + _temp.DbPath, "--Engine:ListenPort=0", "--Web:Urls=http://127.0.0.1:0"], patience: Slow);
        code.Should().Be(2, error);
        error.Should().Contain(_temp.DbPath).And.Contain("cannot be opened");
        (await File.ReadAllBytesAsync(_temp.DbPath)).Should().Equal(garbage);

        // The commands say the same.
        (code, _, error) = await EngineProcess.RunAsync(["export", Path.Combine(_temp.Folder, "out.json"), "--Store:Path=" + _temp.DbPath], patience: Slow);
        code.Should().Be(2, error);
        error.Should().Contain(_temp.DbPath).And.Contain("cannot be opened");
    }

    /// <summary>A store of 60 clients whose data page holding the first one is overwritten (zeros) while it is closed;
    /// the clients, and those on the damaged page.</summary>
    private async Task<(List<ClientCard> Cards, List<ClientCard> OnPage)> DamagedStoreAsync()
    {
        var cards = new List<ClientCard>();
        using (var writing = _temp.Open())
        {
            for (var i = 0; i < 60; i++) cards.Add(await writing.InsertAsync(StoreCards.New($"Damage-{i:D3}-marker")));
        }

        // Closed, the store's pages are in the data file: overwrite the data page that holds the first client.
        var bytes = await File.ReadAllBytesAsync(_temp.DbPath);
        var page = DataPageHolding(bytes, cards[0].Name);
        var onPage = cards.Where(c => Holds(bytes.AsSpan(page * Page, Page), c.Name)).ToList();
        await using (var file = new FileStream(_temp.DbPath, FileMode.Open, FileAccess.Write))
        {
            file.Position = (long)page * Page;
            await file.WriteAsync(new byte[Page]);
        }

        return (cards, onPage);
    }

    private ServiceProvider Services(LogCapture logs, bool seed = false)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Store:Path"] = _temp.DbPath,
            ["Store:SeedDemoData"] = seed ? "true" : "false",
        }).Build();
        return new ServiceCollection()
            .AddLogging(builder => builder.AddProvider(logs))
            .AddSingleton(new StartupConsole(TextWriter.Null))
            .AddClientProfiles(configuration)
            .AddClientClassification(configuration)
            .BuildServiceProvider();
    }

    /// <summary>The number of the data page (LiteDB page type 4 at byte 4 of the page) that holds <paramref name="marker"/>.</summary>
    private static int DataPageHolding(byte[] file, string marker)
    {
        for (var page = 1; (page + 1) * Page <= file.Length; page++)
        {
            var span = file.AsSpan(page * Page, Page);
            if (span[4] == 4 && Holds(span, marker)) return page;
        }

        throw new InvalidOperationException($"no data page holds '{marker}'");
    }

    private static bool Holds(ReadOnlySpan<byte> page, string marker) => page.IndexOf(Encoding.UTF8.GetBytes(marker)) >= 0;
}
