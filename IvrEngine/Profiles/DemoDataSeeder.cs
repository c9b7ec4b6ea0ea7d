using System.Globalization;
using Bogus;

namespace IvrEngine.Profiles;

/// <summary>Whether the engine fills an empty store with demo clients at start: <c>Store:SeedDemoData</c>.</summary>
public sealed class DemoDataOptions
{
    /// <summary>Seed the demo clients, history and campaigns when the store holds no client.</summary>
    public bool SeedDemoData { get; set; }
}

/// <summary>What a seed run stored.</summary>
/// <param name="Clients">Client cards added (0 when the store already had clients).</param>
/// <param name="Interactions">Calls added to the history.</param>
/// <param name="Campaigns">Campaigns added or replaced.</param>
/// <param name="Tickets">Tickets added.</param>
public sealed record DemoSeedResult(int Clients, int Interactions, int Campaigns, int Tickets)
{
    /// <summary>True when nothing was stored because the store already had clients.</summary>
    public bool Skipped => Clients == 0;
}

/// <summary>Fills an empty store with demo data: a few fixed, well-known clients (<see cref="WellKnown"/>) and
/// <see cref="GeneratedCount"/> generated with Bogus from a fixed seed, so every run produces the same clients for the
/// same start time. Together they cover every category, every customer-type code a client can have (E, R, V, T; N is
/// a caller without a card, see <see cref="UnknownAnis"/>), overdue balances, the languages en, ru and ka, managers,
/// open orders, and notes in Russian and Georgian; plus the campaigns of the demo numbers 5000 (bank), 5001 (taxi)
/// and 5002 (clinic). Stores nothing when the store already has a client.</summary>
public sealed class DemoDataSeeder
{
    /// <summary>How many clients are generated besides the fixed ones.</summary>
    public const int GeneratedCount = 300;

    /// <summary>The Bogus seed.</summary>
    public const int Seed = 5000;

    private static readonly string[] Managers = ["agent-101", "agent-102", "agent-103", "agent-104", "agent-105", "agent-106"];
    private static readonly string[] UsTimeZones = ["America/New_York", "America/Chicago", "America/Los_Angeles"];
    private static readonly string[] Stages = ["new", "in progress", "shipped", "awaiting payment"];

    private static readonly string[] EnglishNotes =
    [
        "Prefers a call back after 6 pm.",
        "Asked about raising the credit limit.",
        "Complained about waiting time on the line.",
        "Wants paper invoices by mail.",
    ];

    private static readonly string[] RussianNotes =
    [
        "Просит перезванивать после 18:00.",
        "Интересовался увеличением кредитного лимита.",
        "Жаловался на долгое ожидание на линии.",
        "Предпочитает общаться на русском языке.",
    ];

    private static readonly string[] GeorgianNotes =
    [
        "გთხოვთ დაურეკოთ 18:00-ის შემდეგ.",
        "დაინტერესებულია საკრედიტო ლიმიტის გაზრდით.",
        "უჩიოდა ხაზზე ხანგრძლივ ლოდინს.",
        "ურჩევნია ქართულად საუბარი.",
    ];

    private readonly IClientStore _store;
    private readonly CardFingerprints _fingerprints;
    private readonly TimeProvider _time;

    /// <summary>Creates a seeder for <paramref name="store"/>; demo cards are fingerprinted with <paramref name="fingerprints"/>.</summary>
    public DemoDataSeeder(IClientStore store, CardFingerprints fingerprints, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(fingerprints);
        _store = store;
        _fingerprints = fingerprints;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The fixed demo clients, by what they show (the README lists them).</summary>
    public static class WellKnown
    {
        /// <summary>A VIP (code V), English, with a test card 4111 1111 1111 1111 and an open order.</summary>
        public const string VipPhone = "+15551230001";

        /// <summary>The VIP's account.</summary>
        public const string VipAccount = "40001";

        /// <summary>The VIP's test card (Visa test number; only its fingerprint and last four are stored).</summary>
        public const string VipCard = "4111111111111111";

        /// <summary>A regular client with an overdue balance (code E).</summary>
        public const string OverduePhone = "+15551230002";

        /// <summary>The overdue client's account.</summary>
        public const string OverdueAccount = "40002";

        /// <summary>A prospect: no contract, no orders (code T).</summary>
        public const string ProspectPhone = "+15551230003";

        /// <summary>A client who called ten minutes before the seed (code R while that call is recent).</summary>
        public const string RepeatPhone = "+15551230004";

        /// <summary>The repeat caller's account.</summary>
        public const string RepeatAccount = "40004";

        /// <summary>An ordinary client with a contract (code E).</summary>
        public const string ExistingPhone = "+15551230005";

        /// <summary>The ordinary client's account.</summary>
        public const string ExistingAccount = "40005";

        /// <summary>A problem client, Russian-speaking, Moscow, notes in Russian (code E, category problem).</summary>
        public const string ProblemPhone = "+79161230006";

        /// <summary>The problem client's account.</summary>
        public const string ProblemAccount = "40006";

        /// <summary>A Georgian-speaking VIP in Tbilisi, notes in Georgian (code V).</summary>
        public const string GeorgianVipPhone = "+995322123007";

        /// <summary>The Georgian VIP's account.</summary>
        public const string GeorgianVipAccount = "40007";
    }

    /// <summary>Caller numbers and an account that belong to no demo client (code N).</summary>
    public static IReadOnlyList<string> UnknownAnis { get; } = ["+15559990001", "+15559990002", "+995322999003"];

    /// <summary>An account number no demo client has.</summary>
    public const string UnknownAccount = "49999";

    /// <summary>Seeds when the store holds no client; otherwise stores nothing.</summary>
    public async Task<DemoSeedResult> SeedAsync(CancellationToken cancellationToken = default)
    {
        if (await _store.CountAsync(cancellationToken) > 0) return new DemoSeedResult(0, 0, 0, 0);

        var now = _time.GetUtcNow();
        var fixedClients = FixedClients(now);
        var generated = Generate(now, out var recentCallers);
        var all = new List<ClientCard>(fixedClients.Count + generated.Count);
        all.AddRange(fixedClients);
        all.AddRange(generated);
        var stored = await _store.InsertManyAsync(all, cancellationToken);

        var interactions = 0;
        var byPhone = fixedClients.ToDictionary(c => c.Phones[0], StringComparer.Ordinal);
        var fixedRandom = new Randomizer(Seed + 1);

        // History: older calls for the fixed clients, the repeat caller's call ten minutes ago.
        foreach (var card in fixedClients)
        {
            if (card.Phones[0] == WellKnown.ProspectPhone) continue;
            var daysAgo = fixedRandom.Int(3, 40);
            await AddCallAsync(card, now - TimeSpan.FromDays(daysAgo) - TimeSpan.FromMinutes(fixedRandom.Int(0, 600)), "5000", "transferred", cancellationToken);
            interactions++;
        }

        await AddCallAsync(byPhone[WellKnown.RepeatPhone], now - TimeSpan.FromMinutes(10), "5000", "hung-up", cancellationToken);
        interactions++;
        foreach (var (card, minutesAgo) in recentCallers)
        {
            await AddCallAsync(card, now - TimeSpan.FromMinutes(minutesAgo), "5001", "transferred", cancellationToken);
            interactions++;
        }

        var campaigns = new[]
        {
            new Campaign
            {
                Dnis = "5000", Name = "Demo Bank", Service = "bank", Language = "en",
                Hints = "Greet by name. Verify with the last four digits of the card, never the whole number. "
                    + "Overdue balance: offer a payment plan before anything else. Lost card: block it first, then open a ticket.",
            },
            new Campaign
            {
                Dnis = "5001", Name = "Demo Taxi", Service = "taxi", Language = "ru",
                Hints = "Ask for the pickup address and the time. A complaint about a driver: take the order number and open a ticket.",
            },
            new Campaign
            {
                Dnis = "5002", Name = "Demo Clinic", Service = "clinic", Language = "ka",
                Hints = "Never discuss results on the phone. Appointments: offer the first free slot, then the doctor the patient asks for.",
            },
            new Campaign
            {
                Dnis = "7000", Name = "Payment reminder", Service = "bank", Language = "en", Direction = "outgoing",
                Hints = "We called them: say so first. The reminder told them the overdue amount. Offer a payment plan; "
                    + "never threaten. If they ask not to be called again, say it is done (the engine has added them to the do-not-call list).",
            },
            new Campaign
            {
                Dnis = "7001", Name = "Satisfaction survey", Service = "bank", Language = "en", Direction = "outgoing",
                Hints = "We called them for a short survey about their last call. Thank them; take any complaint as a ticket.",
            },
        };
        foreach (var campaign in campaigns) await _store.UpsertCampaignAsync(campaign, cancellationToken);

        var problem = byPhone[WellKnown.ProblemPhone];
        var tickets = new[]
        {
            new Ticket { Id = fixedRandom.Guid(), ClientId = problem.Id, Subject = "Disputed card charge", Status = "open", Owner = problem.ManagerId, CreatedAt = now - TimeSpan.FromDays(5) },
            new Ticket { Id = fixedRandom.Guid(), ClientId = byPhone[WellKnown.OverduePhone].Id, Subject = "Payment plan for the overdue balance", Status = "in-progress", Owner = "agent-102", CreatedAt = now - TimeSpan.FromDays(12) },
        };
        foreach (var ticket in tickets) await _store.AddTicketAsync(ticket, cancellationToken);

        return new DemoSeedResult(stored, interactions, campaigns.Length, tickets.Length);
    }

    private Task AddCallAsync(ClientCard card, DateTimeOffset at, string dnis, string outcome, CancellationToken cancellationToken) =>
        _store.AddInteractionAsync(new InteractionRecord
        {
            Id = DeterministicGuid(card.Id, at),
            ClientId = card.Id,
            CallUuid = DeterministicGuid(card.Id, at.AddTicks(1)).ToString(),
            At = at,
            CallerNumber = card.Phones[0],
            DialedNumber = dnis,
            Flow = "basic",
            Steps = ["answer", "greeting", "account", "transfer"],
            Outcome = outcome,
            Queue = "queue_general",
            Agent = card.ManagerId,
            IvrDuration = TimeSpan.FromSeconds(35),
            TotalDuration = TimeSpan.FromMinutes(4),
        }, cancellationToken);

    private static Guid DeterministicGuid(Guid client, DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        client.TryWriteBytes(bytes);
        var ticks = BitConverter.GetBytes(at.UtcTicks);
        for (var i = 0; i < 8; i++) bytes[8 + i] ^= ticks[i];
        return new Guid(bytes);
    }

    private List<ClientCard> FixedClients(DateTimeOffset now)
    {
        var random = new Randomizer(Seed + 2);
        ClientCard Card(string name, string phone, string? account, string category, string language, string city, string country, string timeZone) => new()
        {
            Id = random.Guid(),
            Name = name,
            Phones = [phone],
            AccountNumbers = account is null ? [] : [account],
            Category = category,
            Language = language,
            Location = new ClientLocation { City = city, Country = country, TimeZone = timeZone },
            CreatedAt = now - TimeSpan.FromDays(400),
            HasContract = true,
            ManagerId = "agent-101",
        };

        var vip = Card("Eleanor Vance", WellKnown.VipPhone, WellKnown.VipAccount, ClientCategories.Vip, "en", "New York", "US", "America/New_York");
        vip.Company = "Vance Capital";
        vip.Cards.Add(_fingerprints.Create(WellKnown.VipCard));
        vip.Balance = 0;
        vip.OpenOrders.Add(new OpenOrder { Number = "ORD-90001", Stage = "in progress", Responsible = "agent-101", Debt = 0 });
        vip.Notes.Add(new ClientNote { Text = "Private banking client; greet by name.", Author = "agent-101", At = now - TimeSpan.FromDays(30) });

        var overdue = Card("Marcus Reed", WellKnown.OverduePhone, WellKnown.OverdueAccount, ClientCategories.Regular, "en", "Chicago", "US", "America/Chicago");
        overdue.ManagerId = "agent-102";
        overdue.Balance = 1830.50m;
        overdue.OverdueAmount = 1250.00m;
        overdue.OpenOrders.Add(new OpenOrder { Number = "ORD-90002", Stage = "awaiting payment", Responsible = "agent-102", Debt = 1250.00m });
        overdue.Notes.Add(new ClientNote { Text = "Promised to pay the overdue part by the end of the month.", Author = "agent-102", At = now - TimeSpan.FromDays(8) });

        var prospect = Card("Sofia Lane", WellKnown.ProspectPhone, null, ClientCategories.Prospect, "en", "Austin", "US", "America/Chicago");
        prospect.HasContract = false;
        prospect.ManagerId = "agent-103";
        prospect.Notes.Add(new ClientNote { Text = "Asked for a quote for a business account.", Author = "agent-103", At = now - TimeSpan.FromDays(2) });

        var repeat = Card("Daniel Brooks", WellKnown.RepeatPhone, WellKnown.RepeatAccount, ClientCategories.Regular, "en", "Seattle", "US", "America/Los_Angeles");
        repeat.ManagerId = "agent-104";
        repeat.LastContactAt = now - TimeSpan.FromMinutes(10);

        var existing = Card("Olivia Grant", WellKnown.ExistingPhone, WellKnown.ExistingAccount, ClientCategories.Regular, "en", "Boston", "US", "America/New_York");
        existing.Balance = 120.00m;
        existing.OpenOrders.Add(new OpenOrder { Number = "ORD-90005", Stage = "shipped", Responsible = "agent-105", Debt = 120.00m });

        var problem = Card("Виктор Соколов", WellKnown.ProblemPhone, WellKnown.ProblemAccount, ClientCategories.Problem, "ru", "Москва", "RU", "Europe/Moscow");
        problem.ManagerId = "agent-106";
        problem.Balance = 300m;
        problem.OverdueAmount = 300m;
        problem.Notes.Add(new ClientNote { Text = "Оспаривает списание по карте, требует руководителя.", Author = "agent-106", At = now - TimeSpan.FromDays(5) });
        problem.Notes.Add(new ClientNote { Text = "Говорит резко; не переводить на автоответчик.", Author = "agent-106", At = now - TimeSpan.FromDays(4) });

        var georgian = Card("ნინო ბერიძე", WellKnown.GeorgianVipPhone, WellKnown.GeorgianVipAccount, ClientCategories.Vip, "ka", "თბილისი", "GE", "Asia/Tbilisi");
        georgian.ManagerId = "agent-103";
        georgian.OpenOrders.Add(new OpenOrder { Number = "ORD-90007", Stage = "new", Responsible = "agent-103", Debt = 45.00m });
        georgian.Notes.Add(new ClientNote { Text = "VIP კლიენტი; მიმართეთ სახელით.", Author = "agent-103", At = now - TimeSpan.FromDays(20) });

        foreach (var card in new[] { vip, overdue, existing, problem, georgian })
        {
            card.LastContactAt ??= now - TimeSpan.FromDays(random.Int(3, 40));
        }

        return [vip, overdue, prospect, repeat, existing, problem, georgian];
    }

    private List<ClientCard> Generate(DateTimeOffset now, out List<(ClientCard Card, int MinutesAgo)> recentCallers)
    {
        var fakers = new Dictionary<string, Faker>(StringComparer.Ordinal)
        {
            ["en"] = new("en") { Random = new Randomizer(Seed + 10) },
            ["ru"] = new("ru") { Random = new Randomizer(Seed + 11) },
            ["ka"] = new("ge") { Random = new Randomizer(Seed + 12) },
        };
        var random = new Randomizer(Seed);
        recentCallers = [];
        var cards = new List<ClientCard>(GeneratedCount);
        for (var i = 0; i < GeneratedCount; i++)
        {
            // Every fourth client speaks Russian, every fourth Georgian, the rest English.
            var language = (i % 4) switch { 1 => "ru", 2 => "ka", _ => "en" };
            var faker = fakers[language];
            var (phone, country, timeZone, city) = language switch
            {
                "ru" => (string.Create(CultureInfo.InvariantCulture, $"+7916{2000000 + i:D7}"), "RU", "Europe/Moscow", faker.Address.City()),
                "ka" => (string.Create(CultureInfo.InvariantCulture, $"+99559{1000000 + i:D7}"), "GE", "Asia/Tbilisi", faker.Address.City()),
                _ => (string.Create(CultureInfo.InvariantCulture, $"+1555{2000000 + i:D7}"), "US", random.ArrayElement(UsTimeZones), faker.Address.City()),
            };

            var roll = random.Int(0, 99);
            var category = roll switch
            {
                < 60 => ClientCategories.Regular,
                < 72 => ClientCategories.Vip,
                < 82 => ClientCategories.Problem,
                _ => ClientCategories.Prospect,
            };

            var card = new ClientCard
            {
                Id = random.Guid(),
                Name = faker.Name.FullName(),
                Company = random.Bool(0.25f) ? faker.Company.CompanyName() : null,
                Phones = [phone],
                Category = category,
                Language = language,
                Location = new ClientLocation { City = city, Country = country, TimeZone = timeZone },
                ManagerId = random.ArrayElement(Managers),
                CreatedAt = now - TimeSpan.FromDays(random.Int(30, 1500)),
            };

            if (category == ClientCategories.Prospect)
            {
                card.HasContract = false;
                card.LastContactAt = random.Bool(0.5f) ? now - TimeSpan.FromDays(random.Int(3, 60)) : null;
            }
            else
            {
                card.AccountNumbers.Add((50001 + i).ToString(CultureInfo.InvariantCulture));
                card.HasContract = true;
                card.LastContactAt = now - TimeSpan.FromDays(random.Int(2, 120)) - TimeSpan.FromMinutes(random.Int(0, 1440));
                if (random.Bool(0.3f)) card.Cards.Add(_fingerprints.Create(TestCardNumber(i)));
                var orders = random.Bool(0.4f) ? random.Int(1, 3) : 0;
                for (var o = 0; o < orders; o++)
                {
                    card.OpenOrders.Add(new OpenOrder
                    {
                        Number = string.Create(CultureInfo.InvariantCulture, $"ORD-{10000 + (i * 3) + o}"),
                        Stage = random.ArrayElement(Stages),
                        Responsible = random.ArrayElement(Managers),
                        Debt = Math.Round(random.Decimal(0m, 900m), 2),
                    });
                }

                card.Balance = card.OpenOrders.Sum(o => o.Debt);
                if (random.Bool(0.2f))
                {
                    card.OverdueAmount = Math.Round(random.Decimal(50m, 5000m), 2);
                    card.Balance += card.OverdueAmount;
                }

                // Some clients called a few minutes ago (R); the rest last called days ago (E, V).
                if (category != ClientCategories.Vip && random.Bool(0.08f))
                {
                    var minutesAgo = random.Int(3, 55);
                    card.LastContactAt = now - TimeSpan.FromMinutes(minutesAgo);
                    recentCallers.Add((card, minutesAgo));
                }
            }

            if (random.Bool(0.35f))
            {
                var notes = language switch { "ru" => RussianNotes, "ka" => GeorgianNotes, _ => EnglishNotes };
                card.Notes.Add(new ClientNote { Text = random.ArrayElement(notes), Author = card.ManagerId!, At = now - TimeSpan.FromDays(random.Int(1, 90)) });
            }

            cards.Add(card);
        }

        return cards;
    }

    /// <summary>A Luhn-valid 16-digit test number (prefix 4000 00) unique to <paramref name="index"/>.</summary>
    internal static string TestCardNumber(int index)
    {
        var body = string.Create(CultureInfo.InvariantCulture, $"400000{index:D9}");
        for (var check = 0; check <= 9; check++)
        {
            var candidate = body + check.ToString(CultureInfo.InvariantCulture);
            if (CardFingerprints.IsLuhnValid(candidate)) return candidate;
        }

        throw new InvalidOperationException("unreachable: one check digit always fits");
    }
}
