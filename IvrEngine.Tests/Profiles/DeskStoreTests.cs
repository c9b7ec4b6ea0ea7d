using IvrEngine.Profiles;
using IvrEngine.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace IvrEngine.Tests.Profiles;

/// <summary>The agent desktop's part of the store (<see cref="IDeskStore"/>), run on each store by its subclass,
/// reopened where what was written must survive.</summary>
public abstract class DeskStoreTests<TStorage> : IAsyncLifetime
    where TStorage : IStoreStorage, new()
{
    private static readonly DateTimeOffset Start = new(2026, 5, 4, 9, 30, 0, TimeSpan.FromHours(4));
    private readonly FakeTimeProvider _time = new(Start);
    private IClientStore _clients = null!;
    private IDeskStore _store = null!;

    protected TStorage Storage { get; } = new();

    protected IClientStore Clients => _clients;

    public async Task InitializeAsync()
    {
        await Storage.InitializeAsync();
        Reopen();
    }

    public async Task DisposeAsync()
    {
        _clients?.Dispose();
        await Storage.DisposeAsync();
    }

    private void Reopen()
    {
        _clients?.Dispose();
        _clients = Storage.Open(_time);
        _store = (IDeskStore)_clients;
    }

    private static UserAccount User(string name, string? agent = null) => new()
    {
        UserName = name,
        DisplayName = name + " display",
        Role = UserRoles.Agent,
        PasswordHash = "hash-of-" + name,
        Agent = agent,
        Extension = agent?.Split('@')[0],
    };

    [StoreFact]
    public async Task Users_are_found_by_name_in_any_case_and_by_agent_and_survive_a_reopen()
    {
        var anna = await _store.AddUserAsync(User("Anna.Petrova", "1001@default"));
        await _store.AddUserAsync(User("supervisor"));

        anna.Id.Should().NotBe(Guid.Empty);
        anna.CreatedAt.Should().Be(Start);
        Reopen();

        var found = await _store.FindUserAsync("anna.petrova");
        found.Should().BeEquivalentTo(anna);
        found!.UserName.Should().Be("Anna.Petrova", "the name is stored as typed");
        (await _store.FindUserAsync("ANNA.PETROVA"))!.Id.Should().Be(anna.Id);
        (await _store.FindUserByAgentAsync("1001@default"))!.Id.Should().Be(anna.Id);
        (await _store.FindUserByAgentAsync("1002@default")).Should().BeNull();
        (await _store.FindUserAsync("nobody")).Should().BeNull();
        (await _store.FindUserAsync(string.Empty)).Should().BeNull();
        (await _store.CountUsersAsync()).Should().Be(2);
        (await _store.UsersAsync()).Select(u => u.UserName).Should().Equal("Anna.Petrova", "supervisor");
    }

    [StoreFact]
    public async Task A_taken_name_in_another_case_or_a_taken_agent_is_refused()
    {
        await _store.AddUserAsync(User("anna", "1001@default"));
        var bob = await _store.AddUserAsync(User("bob"));

        await _store.Invoking(s => s.AddUserAsync(User("ANNA"))).Should().ThrowAsync<DuplicateClientException>().WithMessage("*anna*taken*");
        await _store.Invoking(s => s.AddUserAsync(User("carol", "1001@default"))).Should().ThrowAsync<DuplicateClientException>().WithMessage("*1001@default*anna*");

        bob.UserName = "Anna";
        await _store.Invoking(s => s.UpdateUserAsync(bob)).Should().ThrowAsync<DuplicateClientException>();
        bob.UserName = "bob";
        bob.Agent = "1001@default";
        await _store.Invoking(s => s.UpdateUserAsync(bob)).Should().ThrowAsync<DuplicateClientException>();

        (await _store.CountUsersAsync()).Should().Be(2);
        (await _store.FindUserAsync("bob"))!.Agent.Should().BeNull("a refused update stores nothing");
    }

    [StoreFact]
    public async Task An_update_replaces_the_user_and_an_unknown_user_cannot_be_updated()
    {
        var anna = await _store.AddUserAsync(User("anna"));
        anna.Role = UserRoles.Supervisor;
        anna.Disabled = true;
        anna.SecurityStamp = 7;
        anna.UserName = "Anna";
        await _store.UpdateUserAsync(anna);
        Reopen();

        var stored = await _store.FindUserAsync("anna");
        stored!.Role.Should().Be(UserRoles.Supervisor);
        stored.Disabled.Should().BeTrue();
        stored.SecurityStamp.Should().Be(7);
        stored.UserName.Should().Be("Anna", "a user may change the case of their own name");

        await _store.Invoking(s => s.UpdateUserAsync(User("ghost"))).Should().ThrowAsync<KeyNotFoundException>();
    }

    [StoreFact]
    public async Task Tokens_are_found_by_hash_listed_and_revoked_once()
    {
        var first = new ApiToken { Name = "crm", UserName = "anna", Hash = new string('a', 64), Scopes = ["read"] };
        await _store.AddTokenAsync(first);
        _time.Advance(TimeSpan.FromMinutes(1));
        var second = new ApiToken { Name = "bi", UserName = "anna", Hash = new string('b', 64), Scopes = ["read", "write"] };
        await _store.AddTokenAsync(second);
        await _store.Invoking(s => s.AddTokenAsync(new ApiToken { Name = "copy", UserName = "x", Hash = new string('a', 64) }))
            .Should().ThrowAsync<DuplicateClientException>();
        Reopen();

        (await _store.FindTokenAsync(new string('b', 64))).Should().BeEquivalentTo(second);
        (await _store.FindTokenAsync(new string('c', 64))).Should().BeNull();
        (await _store.TokensAsync()).Select(t => t.Name).Should().Equal("crm", "bi");

        var revokedAt = Start.AddHours(1);
        (await _store.RevokeTokenAsync(first.Id, revokedAt)).Should().BeTrue();
        (await _store.RevokeTokenAsync(first.Id, revokedAt.AddHours(1))).Should().BeTrue();
        (await _store.RevokeTokenAsync(Guid.NewGuid(), revokedAt)).Should().BeFalse();
        Reopen();

        (await _store.FindTokenAsync(first.Hash))!.RevokedAt.Should().Be(revokedAt, "a revoked token is still found, with the first revoke's time");
        (await _store.FindTokenAsync(second.Hash))!.RevokedAt.Should().BeNull();
    }

    [StoreFact]
    public async Task A_cards_audit_is_its_own_newest_first_at_most_max()
    {
        var client = Guid.NewGuid();
        for (var i = 1; i <= 5; i++)
        {
            await _store.AddAuditAsync(new CardAuditEntry { ClientId = client, By = "anna", What = "name", Old = $"v{i - 1}", New = $"v{i}", Version = i + 1, CallUuid = "call-1" });
            _time.Advance(TimeSpan.FromSeconds(10));
        }

        await _store.AddAuditAsync(new CardAuditEntry { ClientId = Guid.NewGuid(), By = "bob", What = "note", New = "other card" });
        Reopen();

        var audit = await _store.AuditAsync(client);
        audit.Select(e => e.New).Should().Equal("v5", "v4", "v3", "v2", "v1");
        audit[0].At.Should().Be(Start.AddSeconds(40));
        audit[0].Should().BeEquivalentTo(new { By = "anna", What = "name", Old = "v4", CallUuid = "call-1", Version = 6 });
        (await _store.AuditAsync(client, max: 2)).Select(e => e.New).Should().Equal("v5", "v4");
        (await _store.AuditAsync(client, max: 0)).Should().BeEmpty();
        (await _store.AuditAsync(Guid.NewGuid())).Should().BeEmpty();
    }

    [StoreFact]
    public async Task A_new_ticket_is_version_1_and_an_update_from_a_stale_version_is_refused()
    {
        var ticket = new Ticket { ClientId = Guid.NewGuid(), CallUuid = "call-9", Subject = "Card blocked", Status = "open", Version = 42 };
        await _clients.AddTicketAsync(ticket);
        ticket.Version.Should().Be(1);
        Reopen();

        var read = (await _store.GetTicketAsync(ticket.Id))!;
        read.Version.Should().Be(1);
        var other = (await _store.GetTicketAsync(ticket.Id))!;

        _time.Advance(TimeSpan.FromMinutes(5));
        read.Status = "in-progress";
        read.Owner = "anna";
        read.ClientId = Guid.NewGuid(); // not the owner's to change
        var updated = await _store.UpdateTicketAsync(read);
        updated.Version.Should().Be(2);
        updated.UpdatedAt.Should().Be(Start.AddMinutes(5));
        read.Version.Should().Be(2, "the caller's copy is bumped too");

        other.Status = "closed";
        var conflict = await _store.Invoking(s => s.UpdateTicketAsync(other)).Should().ThrowAsync<ConcurrencyConflictException>();
        conflict.Which.ClientId.Should().Be(ticket.Id);
        conflict.Which.ExpectedVersion.Should().Be(1);
        conflict.Which.ActualVersion.Should().Be(2);
        Reopen();

        var stored = (await _store.GetTicketAsync(ticket.Id))!;
        stored.Should().BeEquivalentTo(new { Status = "in-progress", Owner = "anna", Version = 2, ticket.ClientId, CallUuid = "call-9", Subject = "Card blocked" });
        (await _store.GetTicketAsync(Guid.NewGuid())).Should().BeNull();
        await _store.Invoking(s => s.UpdateTicketAsync(new Ticket { Id = Guid.NewGuid(), Version = 1 })).Should().ThrowAsync<KeyNotFoundException>();
    }

    [StoreFact]
    public async Task Search_finds_by_name_company_phone_and_account()
    {
        var anna = StoreCards.New("Анна Петрова");
        anna.Company = "Tbilisi Logistics";
        var nino = StoreCards.New("Nino Beridze");
        nino.Phones = ["+995322123456"];
        nino.AccountNumbers = ["40007"];
        var john = StoreCards.New("John Petrovsky");
        john.Company = "ACME";
        await _clients.InsertManyAsync([anna, nino, john]);
        await _clients.InsertManyAsync(Enumerable.Range(0, 50).Select(_ => StoreCards.New()).ToList());
        Reopen();

        async Task<IEnumerable<string>> Names(string text, int max = 20) => (await _store.SearchClientsAsync(text, max)).Select(c => c.Name);

        (await Names("анна")).Should().Equal("Анна Петрова");
        (await Names("PETROV")).Should().Equal("John Petrovsky");
        (await Names("logistics")).Should().Equal("Анна Петрова");
        (await Names("acme")).Should().Equal("John Petrovsky");
        (await Names("+995322123456")).Should().Equal("Nino Beridze");
        (await Names("995322123456")).Should().Equal("Nino Beridze");
        (await Names("+995 (322) 12-34-56")).Should().Equal("Nino Beridze");
        (await Names("40007")).Should().Equal("Nino Beridze");
        (await Names("  40007 ")).Should().Equal("Nino Beridze");
        (await Names("client ")).Should().HaveCount(20, "at most max");
        (await Names("client", 3)).Should().HaveCount(3);
        (await Names("nobody at all")).Should().BeEmpty();
        (await Names("   ")).Should().BeEmpty();
        (await _store.SearchClientsAsync("Nino", 5)).Single().Should().BeEquivalentTo(nino, o => o.Excluding(c => c.Version));
    }

    [StoreFact]
    public async Task Search_reads_every_page_of_a_store_larger_than_one()
    {
        var cards = Enumerable.Range(0, LiteDbClientStore.SearchPage + 10).Select(_ => StoreCards.New()).ToList();
        cards[^1].Company = "The Last One Ltd";
        cards[5].Company = "The Last One Ltd";
        await _clients.InsertManyAsync(cards);

        var found = await _store.SearchClientsAsync("last one");
        found.Select(c => c.Id).Should().BeEquivalentTo([cards[5].Id, cards[^1].Id]);
    }

    [StoreFact]
    public async Task A_wrap_up_updates_the_calls_record_or_creates_one()
    {
        var client = Guid.NewGuid();
        await _clients.AddInteractionAsync(new InteractionRecord
        {
            ClientId = client, CallUuid = "call-1", At = Start, CallerNumber = "+15550100", DialedNumber = "5000", Outcome = "transferred", Queue = "vip",
        });
        (await _store.FindInteractionAsync("call-1"))!.Disposition.Should().BeNull();

        var wrapped = await _store.SetWrapUpAsync("call-1", new WrapUp("resolved", "Card unblocked", "1001@default", Start.AddMinutes(7)));
        wrapped.Should().BeEquivalentTo(new { ClientId = client, Outcome = "transferred", Disposition = "resolved", WrapUpNote = "Card unblocked", Agent = "1001@default" });
        await _store.SetWrapUpAsync("call-1", new WrapUp("callback", null, "1001@default", Start.AddMinutes(8)));

        var created = await _store.SetWrapUpAsync("call-2", new WrapUp("escalated", "No IVR record", "1002@default", Start.AddMinutes(9)));
        created.Id.Should().NotBe(Guid.Empty);
        Reopen();

        var first = (await _store.FindInteractionAsync("call-1"))!;
        first.Should().BeEquivalentTo(new { Id = wrapped.Id, Disposition = "callback", WrapUpNote = (string?)null, WrapUpAt = Start.AddMinutes(8), Queue = "vip" });
        (await _clients.GetInteractionsAsync(client)).Should().ContainSingle("the wrap-up changed the record, it added none");

        var second = (await _store.FindInteractionAsync("call-2"))!;
        second.Should().BeEquivalentTo(new { created.Id, CallUuid = "call-2", Disposition = "escalated", Agent = "1002@default", At = Start.AddMinutes(9) });
        (await _store.FindInteractionAsync("call-3")).Should().BeNull();
        await _store.Invoking(s => s.SetWrapUpAsync("call-1", new WrapUp(" ", null, "x", Start))).Should().ThrowAsync<ArgumentException>();
    }

    [StoreFact]
    public async Task A_call_whose_record_names_no_client_gets_the_client_an_agent_made_and_joins_their_history()
    {
        await _clients.AddInteractionAsync(new InteractionRecord
        {
            CallUuid = "call-1", At = Start, CallerNumber = "+15550100", DialedNumber = "5000", Outcome = "transferred",
        });
        var client = Guid.NewGuid();

        (await _store.SetInteractionClientAsync("call-1", client)).Should().BeTrue();
        (await _store.SetInteractionClientAsync("call-1", client)).Should().BeTrue("it names that client already");
        (await _store.SetInteractionClientAsync("call-1", Guid.NewGuid())).Should().BeFalse("it names another client");
        (await _store.SetInteractionClientAsync("call-2", client)).Should().BeFalse("there is no record of call-2");
        Reopen();

        (await _store.FindInteractionAsync("call-1"))!.ClientId.Should().Be(client);
        (await _clients.GetInteractionsAsync(client)).Should().ContainSingle().Which.CallUuid.Should().Be("call-1");
        (await _clients.GetInteractionsAsync(client, 1)).Should().ContainSingle("the client's last-contact summary names the call too")
            .Which.CallUuid.Should().Be("call-1");
    }

    [StoreFact]
    public async Task Campaigns_are_listed_by_dialed_number()
    {
        await _clients.UpsertCampaignAsync(new Campaign { Dnis = "5002", Name = "Clinic", Hints = "Ask for the policy number.", Direction = "incoming" });
        await _clients.UpsertCampaignAsync(new Campaign { Dnis = "5000", Name = "Bank", Service = "bank" });
        await _clients.UpsertCampaignAsync(new Campaign { Dnis = "7000", Name = "Survey", Direction = "outgoing" });
        Reopen();

        var campaigns = await _store.CampaignsAsync();
        campaigns.Select(c => c.Dnis).Should().Equal("5000", "5002", "7000");
        campaigns[1].Hints.Should().Be("Ask for the policy number.");
        campaigns[2].Direction.Should().Be("outgoing");
    }
}

/// <summary>The desk's part of a LiteDB file, and its query plans.</summary>
public sealed class LiteDbDeskStoreTests : DeskStoreTests<LiteDbStorage>
{
    private static readonly DateTimeOffset Start = new(2026, 5, 4, 9, 30, 0, TimeSpan.FromHours(4));

    private LiteDbClientStore Lite => (LiteDbClientStore)Clients;

    private static UserAccount User(string name) => new() { UserName = name, DisplayName = name, Role = UserRoles.Agent, PasswordHash = "hash-of-" + name };

    [Fact]
    public async Task User_and_call_lookups_seek_their_indexes()
    {
        await Lite.AddUserAsync(User("anna"));
        await Clients.AddInteractionAsync(new InteractionRecord { CallUuid = "call-1", At = Start });

        var user = Lite.ExplainUserLookup("Anna");
        user["index"]["name"].AsString.Should().Be(LiteDbClientStore.UserNameIndex, user.ToString());
        user["index"]["mode"].AsString.Should().StartWith("INDEX SEEK(name = ", user.ToString());

        var call = Lite.ExplainInteractionOfCall("call-1");
        call["index"]["name"].AsString.Should().Be(LiteDbClientStore.CallIndex, call.ToString());
        call["index"]["mode"].AsString.Should().StartWith("INDEX SEEK(call = ", call.ToString());
    }

    [Fact]
    public void Phone_candidates_are_the_text_and_its_digits_behind_a_plus()
    {
        LiteDbClientStore.PhoneCandidates("+15551230001").Should().Equal("+15551230001");
        LiteDbClientStore.PhoneCandidates("15551230001").Should().Equal("15551230001", "+15551230001");
        LiteDbClientStore.PhoneCandidates("+1 (555) 123-0001").Should().Equal("+1 (555) 123-0001", "+15551230001");
        LiteDbClientStore.PhoneCandidates("40007").Should().BeEmpty("too short for a phone");
        LiteDbClientStore.PhoneCandidates("Anna 5551230001").Should().BeEmpty();
    }
}

/// <summary>The desk's part of PostgreSQL.</summary>
public sealed class PostgresDeskStoreTests : DeskStoreTests<PostgresStorage>;
