using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using IvrEngine.Calls;
using IvrEngine.Hosting;
using IvrEngine.Ivr;
using IvrEngine.Profiles;
using IvrEngine.Routing;
using IvrEngine.Simulator;
using IvrEngine.Tests.EndToEnd;
using IvrEngine.Tests.Profiles;
using IvrEngine.Web;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Web;

/// <summary>What a call's context costs: ids and attached values, never the client's card; the contexts bounded in
/// count and bytes, the oldest dropped first; a shorter life for calls whose end the engine cannot see; a card with
/// thousands of notes shown as its newest few.</summary>
public sealed class ContextMemoryTests
{
    private const int ManyNotes = 4020;

    [Fact]
    public async Task A_call_from_a_client_with_4020_notes_keeps_no_card_in_its_context_once_the_IVR_is_done()
    {
        var folder = Directory.CreateTempSubdirectory("ivrengine-memory-");
        try
        {
            var flows = Directory.CreateDirectory(Path.Combine(folder.FullName, "flows"));
            File.Copy(Path.Combine(AppContext.BaseDirectory, "flows", "default.yaml"), Path.Combine(flows.FullName, "default.yaml"));
            using var inner = new LiteDbClientStore(Path.Combine(folder.FullName, "clients.db"));
            var store = new CardWatchingStore(inner);
            var card = await inner.InsertAsync(CardWithNotes("+15551239001", ManyNotes));
            var contexts = new CallContextRegistry(TimeProvider.System, new CallContextLimits());
            var uuids = await RunCallsAsync(store.Store, contexts, flows.FullName, "+15551239001", calls: 5);

            contexts.Count.Should().Be(5, "without the inbound connection the contexts stay for their time-to-live");
            foreach (var uuid in uuids) contexts.Find(uuid)!.Client!.ClientId.Should().Be(card.Id);
            store.CardsHandedOut.Should().BeGreaterThanOrEqualTo(5, "each call looked the client up");
            CollectEverything();
            store.CardsAlive.Should().Be(0, "a context keeps who was found, not the card the IVR looked up (4,020 notes each)");
            (contexts.Bytes / contexts.Count).Should().BeLessThan(8 * 1024, "a context holds ids and the attached values only");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Contexts_past_the_count_bound_stay_within_it_the_oldest_dropped_with_a_log_line_and_a_count()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var log = new ListLogger();
        var contexts = new CallContextRegistry(clock, new CallContextLimits { MaxContexts = 100 }, null, log);
        var uuids = new List<string>();

        for (var i = 0; i < 150; i++)
        {
            uuids.Add(Open(contexts, i));
            clock.Advance(TimeSpan.FromSeconds(1));
            contexts.Count.Should().BeLessThanOrEqualTo(100);
        }

        contexts.Evicted.Should().Be(50);
        uuids.Take(50).Should().OnlyContain(u => contexts.Find(u) == null, "the oldest go first");
        uuids.Skip(50).Should().OnlyContain(u => contexts.Find(u) != null);
        log.Lines.Should().HaveCount(50).And.Contain(l => l.Contains(uuids[0], StringComparison.Ordinal) && l.Contains("Web:MaxContexts", StringComparison.Ordinal));
    }

    [Fact]
    public void Contexts_past_the_byte_bound_stay_within_it_and_a_context_touched_lately_outlives_an_older_one()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        const long bound = 1024 * 1024;
        var contexts = new CallContextRegistry(clock, new CallContextLimits { MaxBytes = bound });
        var first = Open(contexts, 0);
        var second = Open(contexts, 1);
        clock.Advance(TimeSpan.FromSeconds(1));
        contexts.Attach(contexts.Find(first)!, [new(ContextVariables.NoteLast, "seen again")]);

        for (var i = 2; i < 400; i++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            var entry = contexts.Find(Open(contexts, i))!;
            contexts.Attach(entry, [new(ContextVariables.NoteLast, new string('n', 4000))]);
            contexts.Bytes.Should().BeLessThanOrEqualTo(bound);
        }

        contexts.Evicted.Should().BeGreaterThan(250, "400 contexts of over 8 KB each do not fit in 1 MB");
        contexts.Find(second).Should().BeNull("it was the oldest seen");
        contexts.Find(Uuid(399)).Should().NotBeNull();
        contexts.Count.Should().Be(400 - (int)contexts.Evicted);
    }

    [Fact]
    public void A_call_still_in_its_IVR_outlives_older_contexts_whose_IVR_ended_and_settles_who_was_found_when_it_leaves()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var contexts = new CallContextRegistry(clock, new CallContextLimits { MaxContexts = 100 });
        var found = new CallClientContext(Guid.NewGuid(), "V", "V: category VIP", "phone");
        var lookups = 0;
        var inIvr = contexts.Track(new IdleCall(Uuid(1000)), () =>
        {
            lookups++;
            return found;
        });
        clock.Advance(TimeSpan.FromSeconds(1));

        for (var i = 0; i < 150; i++)
        {
            Open(contexts, i);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        contexts.Find(inIvr.Uuid).Should().NotBeNull("the oldest, but its IVR still runs: the ended ones go first");
        contexts.Find(Uuid(149)).Should().NotBeNull();
        contexts.Count.Should().Be(100);

        inIvr.LeftIvr();
        var asked = lookups;
        contexts.Find(inIvr.Uuid)!.Client.Should().Be(found);
        contexts.Find(inIvr.Uuid)!.Client.Should().Be(found);
        lookups.Should().Be(asked, "once the IVR left, the context answers from what it settled, not the IVR's lookup");
        contexts.Find(inIvr.Uuid)!.IvrEnded.Should().BeTrue();
        Open(contexts, 150);
        contexts.Find(inIvr.Uuid).Should().BeNull("now it is the oldest of those whose IVR ended");
    }

    [Fact]
    public void A_call_whose_hangup_the_engine_cannot_hear_is_kept_for_the_shorter_time_to_live()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var hearing = false;
        var contexts = new CallContextRegistry(clock,
            new CallContextLimits { TimeToLive = TimeSpan.FromMinutes(240), UnobservedTimeToLive = TimeSpan.FromMinutes(30) }, _ => hearing);
        var unheard = Open(contexts, 0);
        hearing = true;
        var heard = Open(contexts, 1);

        clock.Advance(TimeSpan.FromMinutes(31));
        contexts.Find(unheard).Should().BeNull("no hangup will ever come for it");
        contexts.Find(heard).Should().NotBeNull("its hangup will be reported; the long time-to-live is a safety net");

        clock.Advance(TimeSpan.FromMinutes(210));
        contexts.Find(heard).Should().BeNull();
        contexts.Count.Should().Be(0);
        contexts.Bytes.Should().Be(0);
    }

    [Fact]
    public async Task A_card_with_4020_notes_shows_the_newest_50_cut_to_1000_characters_and_says_how_many_more()
    {
        await using var engine = await EngineUnderTest.StartAsync();
        var store = engine.Host.Services.GetRequiredService<IClientStore>();
        var card = await store.InsertAsync(CardWithNotes("+15551239002", ManyNotes));
        await DeskWeb.AddUsersAsync(engine.Host.Services);
        using var http = await DeskWeb.SignInAsync(DeskWeb.Base(engine), "supervisor");

        var response = await http.GetAsync(new Uri($"/api/clients/{card.Id:D}", UriKind.Relative)).WaitAsync(EngineUnderTest.Patience);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var notes = body.RootElement.GetProperty("notes").EnumerateArray().ToList();
        notes.Should().HaveCount(50);
        notes[0].GetProperty("text").GetString().Should().StartWith($"note {ManyNotes - 1} ", "the newest first");
        notes.Should().OnlyContain(n => n.GetProperty("text").GetString()!.Length <= 1000);
        notes.Should().Contain(n => n.GetProperty("text").GetString()!.EndsWith('…'));
        body.RootElement.GetProperty("moreNotes").GetInt32().Should().Be(ManyNotes - 50);
    }

    [Theory]
    [InlineData("--Web:MaxContexts=0", "Web:MaxContexts must be 100 to 1000000")]
    [InlineData("--Web:MaxContextMegabytes=0", "Web:MaxContextMegabytes must be 1 to 4096")]
    [InlineData("--Web:UnobservedContextTtlMinutes=0", "Web:UnobservedContextTtlMinutes must be 1 to 10080")]
    [InlineData("--Web:CardNotes=0", "Web:CardNotes must be 1 to 1000")]
    [InlineData("--Web:CardNoteChars=5000", "Web:CardNoteChars must be 100 to 4000")]
    public async Task A_wrong_context_or_card_setting_stops_the_start_with_a_plain_message(string setting, string message)
    {
        var start = () => EngineUnderTest.StartAsync(null, null, setting);

        (await start.Should().ThrowAsync<OptionsValidationException>()).Which.Message.Should().Contain(message);
    }

    private static string Uuid(int i) => $"00000000-0000-4000-8000-{i:D12}";

    private static string Open(CallContextRegistry contexts, int i)
    {
        var uuid = Uuid(i);
        var entry = contexts.Open(uuid, "+15551230000", "5000", static () => null);
        contexts.Attach(entry, [new(ContextVariables.Flow, "bank"), new(ContextVariables.CtiCode, "E")]);
        return uuid;
    }

    /// <summary>Runs calls through the real IVR (default flow) over real TCP from the simulator; returns their ids.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<List<string>> RunCallsAsync(IClientStore store, CallContextRegistry contexts, string flowsFolder, string ani, int calls)
    {
        var cards = new CardFingerprints("test-key");
        var lookup = new ClientLookup(store, new PhoneNormalizer(), cards,
            new ClientClassifier(Options.Create(new ClassificationOptions()), TimeProvider.System));
        var flowsOptions = Options.Create(new FlowsOptions { Path = flowsFolder });
        using var catalog = new FlowCatalog(flowsOptions, NullLogger<FlowCatalog>.Instance, TimeProvider.System);
        catalog.Start();
        var log = new ListLogger();
        using var factory = LoggerFactory.Create(b => b.AddProvider(new ListProvider(log)));
        // The shipped routing rules, as the engine starts with them.
        var routingOptions = new RoutingOptions();
        new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json")).Build()
            .GetSection(RoutingOptions.Section).Bind(routingOptions);
        var handler = new ScriptedCallHandler(catalog, lookup, store, cards, flowsOptions, factory.CreateLogger<ScriptedCallHandler>(),
            TimeProvider.System, new RoutingRules(Options.Create(routingOptions)), contexts);
        await using var service = new OutboundCallService(Options.Create(new EngineOptions { ListenPort = 0 }), handler, new CallRegistry(),
            NullLoggerFactory.Instance, TimeProvider.System);
        await service.StartingAsync(CancellationToken.None);
        await service.StartedAsync(CancellationToken.None);
        await using var simulator = new FreeSwitchSimulator();
        var uuids = new List<string>();
        for (var i = 0; i < calls; i++)
        {
            var call = await simulator.StartCallAsync(service.LocalEndPoint, new CallerScript { Ani = ani, Dnis = "5999" });
            var record = await call.Completion.WaitAsync(EngineUnderTest.Patience);
            record.TransferredTo.Should().NotBeNull(string.Join(" / ", log.Lines));
            uuids.Add(record.Uuid);
        }

        await service.WhenLiveCallsAtMostAsync(0).WaitAsync(EngineUnderTest.Patience);
        await service.StopAsync(CancellationToken.None);
        return uuids;
    }

    private static void CollectEverything()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
    }

    private static ClientCard CardWithNotes(string phone, int count)
    {
        var at = DateTimeOffset.UtcNow.AddDays(-count);
        return new ClientCard
        {
            Id = Guid.NewGuid(),
            Name = "Noted Client",
            Phones = [phone],
            HasContract = true,
            CreatedAt = at,
            Notes = [.. Enumerable.Range(0, count).Select(i => new ClientNote
            {
                Text = $"note {i} " + new string('x', i % 2 == 0 ? 1200 : 300),
                Author = "agent-101",
                At = at.AddDays(i),
            })],
        };
    }

    /// <summary>A call that does nothing: the registry only reads its ids.</summary>
    private sealed class IdleCall(string uuid) : ICall
    {
        public string Uuid => uuid;

        public string Ani => "+15551230000";

        public string Dnis => "5000";

        public string? CallerName => null;

        public string? CoreUuid => null;

        public CallState State => CallState.Answered;

        public CancellationToken HungUp => CancellationToken.None;

        public string? GetVariable(string name) => null;

        public Task<CollectResult> PlayAndCollectAsync(CollectRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> UnsetVariablesAsync(IEnumerable<string> names, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> AnswerAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> PlayAsync(string prompt, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> SayAsync(SayRequest request, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> SetVariablesAsync(IEnumerable<KeyValuePair<string, string>> variables, bool exported = false, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<CallResult> TransferAsync(string destination, string dialplan = "XML", string context = "default", CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<CallResult> BridgeAsync(string dialString, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> HangupAsync(string cause = "NORMAL_CLEARING", CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> SleepAsync(TimeSpan duration, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<CallResult> BreakAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    /// <summary>The store, counting the cards its lookups hand out and how many of them are still reachable.</summary>
    private sealed class CardWatchingStore
    {
        private static readonly HashSet<string> Lookups = [nameof(IClientStore.GetAsync), nameof(IClientStore.FindByPhoneAsync),
            nameof(IClientStore.FindByAccountAsync), nameof(IClientStore.FindByCardFingerprintAsync)];

        private readonly Lock _gate = new();
        private readonly List<WeakReference<ClientCard>> _cards = [];

        public CardWatchingStore(LiteDbClientStore inner)
        {
            // The test disposes the store it wraps.
            Store = StoreStandIn.Over(inner, (method, _, forward) =>
                method.Name == nameof(IDisposable.Dispose) ? null
                : method.DeclaringType == typeof(IClientStore) && Lookups.Contains(method.Name) ? Watch((Task<ClientCard?>)forward()!)
                : forward());
        }

        /// <summary>The store to give the engine.</summary>
        public IClientStore Store { get; }

        public int CardsHandedOut
        {
            get
            {
                lock (_gate) return _cards.Count;
            }
        }

        public int CardsAlive
        {
            get
            {
                lock (_gate) return _cards.Count(w => w.TryGetTarget(out _));
            }
        }

        private async Task<ClientCard?> Watch(Task<ClientCard?> found)
        {
            var card = await found;
            if (card is not null)
            {
                lock (_gate) _cards.Add(new WeakReference<ClientCard>(card));
            }

            return card;
        }
    }

    private sealed class ListProvider(ListLogger logger) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => logger;

        public void Dispose()
        {
        }
    }

    /// <summary>Keeps the warnings logged.</summary>
    private sealed class ListLogger : ILogger
    {
        private readonly Lock _gate = new();
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_gate) return [.. _lines];
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel < LogLevel.Warning) return;
            lock (_gate) _lines.Add(formatter(state, exception));
        }
    }
}
