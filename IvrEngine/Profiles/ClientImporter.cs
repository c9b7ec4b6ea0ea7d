using System.Globalization;
using System.Text;
using System.Text.Json;
using CsvHelper;
using PhoneNumbers;

namespace IvrEngine.Profiles;

/// <summary>Imports client cards from CSV or JSON into an <see cref="IClientStore"/>. Each row is checked on its own;
/// a bad row is reported with a plain reason and never stops the import. Phones are stored in E.164, card numbers
/// only as a fingerprint and their last four digits. A phone, account or card already held by another client (in
/// the store, or on an earlier row of the same file) rejects the row. Valid rows are stored in batches through
/// <see cref="IClientStore.InsertManyAsync"/>.</summary>
public sealed class ClientImporter
{
    /// <summary>Rows stored per <see cref="IClientStore.InsertManyAsync"/> call (one transaction) unless told
    /// otherwise. Keys in a client list come in random order, so every batch rewrites index pages all over the
    /// store: at a million clients, batches of 5,000 rewrote the whole key index every few batches (13,000
    /// clients/s), of 50,000 about once per batch (28,000 clients/s). Two batches are held in memory at a time.</summary>
    public const int DefaultBatchSize = 50_000;

    private static readonly JsonSerializerOptions JsonOptions = new() { AllowTrailingCommas = true, ReadCommentHandling = JsonCommentHandling.Skip };
    private static readonly HashSet<string> KnownRegions = [.. PhoneNumberUtil.GetInstance().GetSupportedRegions()];

    private readonly IClientStore _store;
    private readonly CardFingerprints _fingerprints;
    private readonly string _defaultRegion;
    private readonly TimeProvider _time;

    /// <summary>Creates an importer writing to <paramref name="store"/>, reading national phone numbers in the
    /// store's default region (or the row's country) and fingerprinting cards with the store's key.</summary>
    public ClientImporter(IClientStore store, StoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        _store = store;
        _fingerprints = new CardFingerprints(options);
        _defaultRegion = options.DefaultRegion.Trim().ToUpperInvariant();
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Rows per batch insert.</summary>
    public int BatchSize { get; init; } = DefaultBatchSize;

    /// <summary>Imports a file; the format comes from its extension unless given. Throws
    /// <see cref="ClientImportException"/> when the file cannot be read as a whole.</summary>
    public async Task<ImportReport> ImportFileAsync(string path, ClientFileFormat? format = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var effective = ClientFileFormats.Resolve(path, format);
        var stream = ClientFileFormats.Open(path, forWriting: false);
        await using (stream)
        {
            return await ImportAsync(stream, effective, cancellationToken);
        }
    }

    /// <summary>Imports from a stream (UTF-8, a BOM is allowed).</summary>
    public Task<ImportReport> ImportAsync(Stream input, ClientFileFormat format, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        return format switch
        {
            ClientFileFormat.Csv => ImportCsvAsync(input, cancellationToken),
            ClientFileFormat.Json => ImportJsonAsync(input, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown format."),
        };
    }

    private async Task<ImportReport> ImportCsvAsync(Stream input, CancellationToken cancellationToken)
    {
        // The separator is fixed: lists inside a field use ';', which detection could mistake for the separator.
        var options = CsvReaderOptions.Default with { Separator = ',', TrackLineNumbers = true, SkipEmptyLines = true };
        await using var reader = CsvReader.Create(input, options, true);
        var run = await Run.StartAsync(this, cancellationToken);

        IReadOnlyList<string> header;
        try
        {
            await reader.ReadHeaderAsync(cancellationToken);
            header = [.. reader.Headers];
        }
        catch (CsvFormatException ex)
        {
            throw new ClientImportException($"The CSV header cannot be read: {ex.Message}", ex);
        }

        if (header.Count == 0) throw new ClientImportException("The file is empty: a CSV import needs a header row (name, phones, ...).");
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < header.Count; i++)
        {
            var name = header[i].Trim().TrimStart('\uFEFF').ToLowerInvariant();
            if (name.Length == 0) continue;
            if (!ClientFileFormats.Columns.Contains(name))
            {
                throw new ClientImportException($"Unknown column '{header[i]}' in the header; the columns are: {string.Join(", ", ClientFileFormats.Columns)}.");
            }

            if (!columns.TryAdd(name, i)) throw new ClientImportException($"The column '{name}' appears twice in the header.");
        }

        if (!columns.ContainsKey("name")) throw new ClientImportException("The header has no 'name' column (the first line must name the columns: name, phones, accounts, ...).");

        while (await ReadCsvAsync(reader, cancellationToken))
        {
            var row = new ClientImportRow { Line = (int)Math.Min(int.MaxValue, reader.LineNumber) };
            var fieldCount = reader.FieldCount;
            string? Field(string column) => columns.TryGetValue(column, out var index) && index < fieldCount ? reader.GetString(index) : null;
            row.Name = Field("name")?.Trim() ?? string.Empty;
            if (fieldCount != header.Count)
            {
                row.ShapeError = $"the row has {fieldCount} fields, the header has {header.Count}";
            }
            else
            {
                row.Company = Field("company");
                ClientImportRow.AddList(row.Phones, Field("phones"));
                ClientImportRow.AddList(row.Accounts, Field("accounts"));
                ClientImportRow.AddList(row.Cards, Field("cards"));
                row.Category = Field("category");
                row.Language = Field("language");
                row.City = Field("city");
                row.Country = Field("country");
                row.TimeZone = Field("timezone");
                row.Manager = Field("manager");
                row.Balance = Field("balance");
                row.Overdue = Field("overdue");
                row.HasContract = Field("has_contract");
                row.AddNoteLines(Field("notes"), run.Now);
                row.AddOrderList(Field("orders"));
            }

            await run.AddAsync(row, cancellationToken);
        }

        return await run.FinishAsync(cancellationToken);
    }

    private static async Task<bool> ReadCsvAsync(CsvReader reader, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadAsync(cancellationToken);
        }
        catch (CsvFormatException ex)
        {
            throw new ClientImportException($"The CSV cannot be read at line {ex.LineNumber}: {ex.Message}", ex);
        }
    }

    private async Task<ImportReport> ImportJsonAsync(Stream input, CancellationToken cancellationToken)
    {
        var run = await Run.StartAsync(this, cancellationToken);
        var position = 0;
        try
        {
            await foreach (var item in JsonSerializer.DeserializeAsyncEnumerable<JsonElement>(input, topLevelValues: false, JsonOptions, cancellationToken))
            {
                position++;
                await run.AddAsync(ClientImportRow.FromJson(item, position, run.Now), cancellationToken);
            }
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" at line {line + 1}" : string.Empty;
            throw new ClientImportException(
                $"The JSON cannot be read{where} (after {position} item(s)): it must be one array of client objects. {ex.Message.Split(" Path:")[0]}", ex);
        }

        return await run.FinishAsync(cancellationToken);
    }

    /// <summary>Checks a row and builds its card; null with a reason when the row is not acceptable on its own.</summary>
    private ClientCard? Build(ClientImportRow row, DateTimeOffset now, out string? reason)
    {
        reason = row.ShapeError;
        if (reason is not null) return null;
        if (string.IsNullOrWhiteSpace(row.Name))
        {
            reason = "name is missing";
            return null;
        }

        string? country = null;
        if (!string.IsNullOrWhiteSpace(row.Country))
        {
            country = row.Country.Trim().ToUpperInvariant();
            if (country.Length != 2 || !char.IsAsciiLetter(country[0]) || !char.IsAsciiLetter(country[1]))
            {
                reason = $"country '{row.Country}' is not a two-letter ISO 3166 code (e.g. US, GE)";
                return null;
            }
        }

        var region = country is not null && KnownRegions.Contains(country) ? country : _defaultRegion;
        var card = new ClientCard
        {
            // Time-ordered: the clients' _id index then grows at its end instead of at random places.
            Id = Guid.CreateVersion7(),
            Name = row.Name.Trim(),
            Company = Blank(row.Company),
            CreatedAt = now,
        };

        foreach (var raw in row.Phones)
        {
            var result = PhoneNormalizer.Normalize(raw, region);
            if (!result.Success)
            {
                reason = $"phone '{raw}' is not a phone number ({Plain(result.Error)})";
                return null;
            }

            if (!card.Phones.Contains(result.E164)) card.Phones.Add(result.E164);
        }

        foreach (var raw in row.Accounts)
        {
            if (raw.Length > 32 || !raw.All(char.IsAsciiDigit))
            {
                reason = $"account '{raw}' is not an account number (digits only)";
                return null;
            }

            if (!card.AccountNumbers.Contains(raw)) card.AccountNumbers.Add(raw);
        }

        foreach (var raw in row.Cards)
        {
            if (IsMasked(raw)) continue; // an export's "****1111": the number is not in the file, so there is nothing to store
            var digits = CardFingerprints.DigitsOf(raw);
            if (digits is null)
            {
                reason = $"card '{MaskCard(raw)}' is not a card number ({CardFingerprints.MinDigits} to {CardFingerprints.MaxDigits} digits)";
                return null;
            }

            if (!CardFingerprints.IsLuhnValid(digits))
            {
                reason = $"card ending {digits[^4..]} fails the Luhn check";
                return null;
            }

            var reference = new CardReference { Fingerprint = _fingerprints.Fingerprint(digits), Last4 = digits[^4..] };
            if (!card.Cards.Exists(c => c.Fingerprint == reference.Fingerprint)) card.Cards.Add(reference);
        }

        card.Category = Blank(row.Category)?.ToLowerInvariant() ?? ClientCategories.Regular;
        card.Language = Blank(row.Language)?.ToLowerInvariant();
        if (card.Language is { Length: > 16 })
        {
            reason = $"language '{row.Language}' is not a language code (e.g. en, ru, ka)";
            return null;
        }

        var timeZone = Blank(row.TimeZone);
        if (timeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
        {
            reason = $"time zone '{timeZone}' unknown";
            return null;
        }

        var city = Blank(row.City);
        if (city is not null || country is not null || timeZone is not null)
        {
            card.Location = new ClientLocation { City = city, Country = country, TimeZone = timeZone };
        }

        card.ManagerId = Blank(row.Manager);
        if (!TryAmount("balance", row.Balance, allowNegative: true, out var balance, ref reason)) return null;
        if (!TryAmount("overdue", row.Overdue, allowNegative: false, out var overdue, ref reason)) return null;
        card.Balance = balance;
        card.OverdueAmount = overdue;

        switch (Blank(row.HasContract)?.ToLowerInvariant())
        {
            case null or "false" or "no" or "n" or "0": card.HasContract = false; break;
            case "true" or "yes" or "y" or "1": card.HasContract = true; break;
            default:
                reason = $"has_contract '{row.HasContract}' is not yes or no";
                return null;
        }

        card.Notes.AddRange(row.Notes);
        foreach (var order in row.Orders)
        {
            if (string.IsNullOrWhiteSpace(order.Number))
            {
                reason = "an order has no number";
                return null;
            }

            if (!TryAmount($"order {order.Number} debt", order.Debt, allowNegative: false, out var debt, ref reason)) return null;
            card.OpenOrders.Add(new OpenOrder
            {
                Number = order.Number.Trim(),
                Stage = Blank(order.Stage) ?? "new",
                Responsible = Blank(order.Responsible),
                Debt = debt,
            });
        }

        return card;
    }

    private static bool TryAmount(string what, string? text, bool allowNegative, out decimal value, ref string? reason)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text)) return true;
        const NumberStyles styles = NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite | NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint;
        if (!decimal.TryParse(text, styles, CultureInfo.InvariantCulture, out value))
        {
            reason = $"{what} '{text}' is not a number";
            return false;
        }

        if (!allowNegative && value < 0)
        {
            reason = $"{what} '{text}' is negative";
            return false;
        }

        return true;
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    private static string Plain(string? error)
    {
        if (string.IsNullOrEmpty(error)) return "not a phone number";
        var text = error.TrimEnd('.');
        return char.ToLowerInvariant(text[0]) + text[1..];
    }

    private static bool IsMasked(string raw)
    {
        var text = raw.Trim();
        var stars = 0;
        while (stars < text.Length && text[stars] is '*' or '•' or 'X' or 'x') stars++;
        return stars > 0 && text.Length - stars == 4 && !text.AsSpan(stars).ContainsAnyExceptInRange('0', '9');
    }

    /// <summary>A card number never goes whole into a report or a log.</summary>
    private static string MaskCard(string raw)
    {
        var text = raw.Trim();
        if (text.Length <= 4) return new string('*', text.Length);
        return new string('*', Math.Min(text.Length - 4, 12)) + text[^4..];
    }

    /// <summary>One import: duplicate tracking, the pending batch, the rejected rows.</summary>
    private sealed class Run
    {
        /// <summary>Rows built at once, in parallel. Small: a chunk's rows and cards live until the chunk is checked,
        /// and whatever lives when the garbage collector runs (every few megabytes allocated) is copied into an older
        /// generation. Chunks of 4,096 rows made nearly every collection a generation-1 one and one in three a full
        /// one (2.5 s of a million rows' import spent collecting); chunks of 256, 0.2 s (docs/benchmarks.md).</summary>
        private const int BuildChunk = 256;

        private readonly ClientImporter _importer;
        private readonly bool _storeWasEmpty;
        // The keys of the rows taken so far, each with the line of the row holding it: numbers where the key is one
        // (an E.164 phone, an account of up to 17 digits), so a million rows' keys are a few arrays, not millions of
        // strings the garbage collector must go through again and again for the whole import.
        private readonly Dictionary<long, int> _phones = [];
        private readonly Dictionary<long, int> _accounts = [];
        private readonly Dictionary<string, int> _longAccounts = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _cards = new(StringComparer.Ordinal);

        // Rows refused for a key an earlier row of the file holds: the owner is named once everything is stored.
        private readonly List<(int Rejected, ClientKeyLookup Key, string What, int OwnerLine)> _fileDuplicates = [];
        private readonly Queue<(Task<int> Insert, PendingClientCollection Batch, List<int> Lines)> _inFlight = new();

        // The batch holds the cards as the store will write them (a PostgreSQL batch: their encoded rows, not the
        // cards); the lines say which row each came from, for a rejection should the store refuse it later.
        private PendingClientCollection _batch;
        private List<int> _lines = [];
        private readonly List<RejectedRow> _rejected = [];

        // Rows read and not yet built (see AddRowsAsync).
        private List<ClientImportRow> _rows = new(BuildChunk);

        // While a chunk is checked: the names of the clients the store says hold the chunk's keys.
        private IReadOnlyDictionary<ClientKeyLookup, string>? _owners;
        private int _read;
        private int _imported;

        private Run(ClientImporter importer, bool storeWasEmpty)
        {
            _importer = importer;
            _storeWasEmpty = storeWasEmpty;
            _batch = importer._store.CreateBatch();
            Now = importer._time.GetUtcNow();
        }

        public DateTimeOffset Now { get; }

        public static async Task<Run> StartAsync(ClientImporter importer, CancellationToken cancellationToken) =>
            new(importer, await importer._store.CountAsync(cancellationToken) == 0);

        public async Task AddAsync(ClientImportRow row, CancellationToken cancellationToken)
        {
            _read++;
            _rows.Add(row);
            if (_rows.Count >= BuildChunk) await AddRowsAsync(cancellationToken);
        }

        /// <summary>The rows read so far, each checked and built on its own on the machine's cores (phone numbers and
        /// card fingerprints are most of an import's work), then taken in file order: duplicates within the file and
        /// against the store are found exactly as one row at a time would find them.</summary>
        private async Task AddRowsAsync(CancellationToken cancellationToken)
        {
            var rows = _rows;
            _rows = new List<ClientImportRow>(BuildChunk);
            var built = new (ClientCard? Card, string? Reason, object? Prepared)[rows.Count];
            var batch = _batch;
            Parallel.For(0, rows.Count, new ParallelOptions { CancellationToken = cancellationToken }, i =>
            {
                var card = _importer.Build(rows[i], Now, out var reason);
                object? prepared = null;
                try
                {
                    // The store's share of the row (a PostgreSQL batch encodes it) on this core too.
                    if (card is not null) prepared = batch.Prepare(card);
                }
                catch (ArgumentException ex)
                {
                    (card, reason) = (null, $"the store refuses it: {ex.Message}");
                }

                built[i] = (card, reason, prepared);
            });

            // A store that answers for many keys at once (PostgreSQL: one query instead of a round trip per key) is
            // asked once for the whole chunk; the rows are then checked against its answer in the same order.
            if (!_storeWasEmpty && _importer._store is IClientKeyOwners bulk)
            {
                var keys = new List<ClientKeyLookup>();
                foreach (var (card, _, _) in built)
                {
                    if (card is null) continue;
                    foreach (var phone in card.Phones) keys.Add(new ClientKeyLookup(StoreLookupKind.Phone, phone));
                    foreach (var account in card.AccountNumbers) keys.Add(new ClientKeyLookup(StoreLookupKind.Account, account));
                    foreach (var reference in card.Cards) keys.Add(new ClientKeyLookup(StoreLookupKind.CardFingerprint, reference.Fingerprint));
                }

                _owners = keys.Count == 0 ? new Dictionary<ClientKeyLookup, string>() : await bulk.OwnersAsync(keys, cancellationToken);
            }

            try
            {
                for (var i = 0; i < rows.Count; i++) await AddBuiltAsync(rows[i], built[i].Card, built[i].Reason, built[i].Prepared, cancellationToken);
            }
            finally
            {
                _owners = null;
            }
        }

        private async Task AddBuiltAsync(ClientImportRow row, ClientCard? card, string? reason, object? prepared, CancellationToken cancellationToken)
        {
            if (card is null)
            {
                Reject(row, reason ?? "invalid row");
                return;
            }

            if (FileDuplicate(card) is { } duplicate)
            {
                _fileDuplicates.Add((_rejected.Count, duplicate.Key, duplicate.What, duplicate.OwnerLine));
                Reject(row, $"{duplicate.What} already belongs to the client on line {duplicate.OwnerLine}");
                return;
            }

            reason = _storeWasEmpty ? null : await StoreDuplicateAsync(card, cancellationToken);
            if (reason is not null)
            {
                Reject(row, reason);
                return;
            }

            foreach (var phone in card.Phones) _phones[PhoneNumber(phone)] = row.Line;
            foreach (var account in card.AccountNumbers)
            {
                if (AccountNumber(account) is { } number) _accounts[number] = row.Line;
                else _longAccounts[account] = row.Line;
            }

            foreach (var reference in card.Cards) _cards[reference.Fingerprint] = row.Line;
            _batch.Add(card, prepared);
            _lines.Add(row.Line);
            if (_batch.Count >= Math.Max(1, _importer.BatchSize)) await FlushAsync(cancellationToken);
        }

        public async Task<ImportReport> FinishAsync(CancellationToken cancellationToken)
        {
            await AddRowsAsync(cancellationToken);
            await FlushAsync(cancellationToken);
            while (_inFlight.Count > 0) await CompleteOldestAsync(cancellationToken);
            _batch.Dispose();
            await NameFileDuplicateOwnersAsync(cancellationToken);
            _rejected.Sort((a, b) => a.Line.CompareTo(b.Line));
            return new ImportReport(_read, _imported, _rejected);
        }

        private void Reject(ClientImportRow row, string reason) => _rejected.Add(new RejectedRow(row.Line, row.Name, reason));

        /// <summary>A key of the card that an earlier row of the file holds: which, how a rejection names it, and the
        /// line of that row.</summary>
        private (ClientKeyLookup Key, string What, int OwnerLine)? FileDuplicate(ClientCard card)
        {
            foreach (var phone in card.Phones)
            {
                if (_phones.TryGetValue(PhoneNumber(phone), out var line)) return (new(StoreLookupKind.Phone, phone), $"phone {phone}", line);
            }

            foreach (var account in card.AccountNumbers)
            {
                var held = AccountNumber(account) is { } number ? _accounts.TryGetValue(number, out var line) : _longAccounts.TryGetValue(account, out line);
                if (held) return (new(StoreLookupKind.Account, account), $"account {account}", line);
            }

            foreach (var reference in card.Cards)
            {
                if (_cards.TryGetValue(reference.Fingerprint, out var line)) return (new(StoreLookupKind.CardFingerprint, reference.Fingerprint), $"card ending {reference.Last4}", line);
            }

            return null;
        }

        /// <summary>An E.164 phone (+ and up to 15 digits, the first not 0) as the number its digits spell.</summary>
        private static long PhoneNumber(string e164) => long.Parse(e164.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture);

        /// <summary>An account of up to 17 digits as one number that keeps its length (so 007 and 7 differ); null
        /// for a longer one.</summary>
        private static long? AccountNumber(string digits) =>
            digits.Length is > 0 and <= 17 ? (long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture) * 32) + digits.Length : null;

        /// <summary>Names, in the rejections of rows whose key an earlier row holds, the client now holding it (the
        /// earlier row's, once stored): asked of the store once for all of them where it can, else key by key.
        /// A key nobody holds in the end (its row was refused later) keeps the earlier row's line.</summary>
        private async Task NameFileDuplicateOwnersAsync(CancellationToken cancellationToken)
        {
            if (_fileDuplicates.Count == 0) return;
            IReadOnlyDictionary<ClientKeyLookup, string> owners;
            if (_importer._store is IClientKeyOwners bulk)
            {
                owners = await bulk.OwnersAsync([.. _fileDuplicates.Select(d => d.Key).Distinct()], cancellationToken);
            }
            else
            {
                var found = new Dictionary<ClientKeyLookup, string>();
                foreach (var key in _fileDuplicates.Select(d => d.Key).Distinct())
                {
                    var store = _importer._store;
                    var owner = key.Kind switch
                    {
                        StoreLookupKind.Phone => await store.FindByPhoneAsync(key.Value, cancellationToken),
                        StoreLookupKind.Account => await store.FindByAccountAsync(key.Value, cancellationToken),
                        _ => await store.FindByCardFingerprintAsync(key.Value, cancellationToken),
                    };
                    if (owner is not null) found[key] = owner.Name;
                }

                owners = found;
            }

            foreach (var (index, key, what, _) in _fileDuplicates)
            {
                if (owners.TryGetValue(key, out var name)) _rejected[index] = _rejected[index] with { Reason = $"{what} already belongs to client {name}" };
            }
        }

        private async Task<string?> StoreDuplicateAsync(ClientCard card, CancellationToken cancellationToken)
        {
            if (_owners is { } owners) return KnownDuplicate(card, owners);
            var store = _importer._store;
            foreach (var phone in card.Phones)
            {
                if (await store.FindByPhoneAsync(phone, cancellationToken) is { } owner) return $"phone {phone} already belongs to client {owner.Name}";
            }

            foreach (var account in card.AccountNumbers)
            {
                if (await store.FindByAccountAsync(account, cancellationToken) is { } owner) return $"account {account} already belongs to client {owner.Name}";
            }

            foreach (var reference in card.Cards)
            {
                if (await store.FindByCardFingerprintAsync(reference.Fingerprint, cancellationToken) is { } owner)
                {
                    return $"card ending {reference.Last4} already belongs to client {owner.Name}";
                }
            }

            return null;
        }

        /// <summary>What <see cref="StoreDuplicateAsync"/> says, from the owners the store named for the chunk.</summary>
        private static string? KnownDuplicate(ClientCard card, IReadOnlyDictionary<ClientKeyLookup, string> owners)
        {
            foreach (var phone in card.Phones)
            {
                if (owners.TryGetValue(new ClientKeyLookup(StoreLookupKind.Phone, phone), out var owner)) return $"phone {phone} already belongs to client {owner}";
            }

            foreach (var account in card.AccountNumbers)
            {
                if (owners.TryGetValue(new ClientKeyLookup(StoreLookupKind.Account, account), out var owner)) return $"account {account} already belongs to client {owner}";
            }

            foreach (var reference in card.Cards)
            {
                if (owners.TryGetValue(new ClientKeyLookup(StoreLookupKind.CardFingerprint, reference.Fingerprint), out var owner))
                {
                    return $"card ending {reference.Last4} already belongs to client {owner}";
                }
            }

            return null;
        }

        /// <summary>Hands the batch to the store and goes on reading while it is written: the next batch is read
        /// and checked (and mapped, inside InsertManyAsync) while the store writes this one. At most one batch waits
        /// behind the one being written.</summary>
        private async Task FlushAsync(CancellationToken cancellationToken)
        {
            if (_batch.Count == 0) return;
            var (batch, lines) = (_batch, _lines);
            (_batch, _lines) = (_importer._store.CreateBatch(), []);
            Task<int> insert;
            try
            {
                insert = _importer._store.InsertManyAsync(batch, cancellationToken);
            }
            catch (DuplicateClientException ex)
            {
                insert = Task.FromException<int>(ex);
            }

            _inFlight.Enqueue((insert, batch, lines));
            while (_inFlight.Count > 1) await CompleteOldestAsync(cancellationToken);
        }

        /// <summary>Rejects the batch's rows whose keys the store now says another client holds and stores the others
        /// as one batch; returns the rows still to store one by one (none, unless the store refused again).</summary>
        private async Task<List<(ClientCard Card, int Line, string Name)>> RetryWithoutClashesAsync(
            IClientKeyOwners bulk, List<(ClientCard Card, int Line, string Name)> batch, CancellationToken cancellationToken)
        {
            var keys = new List<ClientKeyLookup>();
            foreach (var (card, _, _) in batch)
            {
                foreach (var phone in card.Phones) keys.Add(new ClientKeyLookup(StoreLookupKind.Phone, phone));
                foreach (var account in card.AccountNumbers) keys.Add(new ClientKeyLookup(StoreLookupKind.Account, account));
                foreach (var reference in card.Cards) keys.Add(new ClientKeyLookup(StoreLookupKind.CardFingerprint, reference.Fingerprint));
            }

            var owners = await bulk.OwnersAsync(keys, cancellationToken);
            var rest = new List<(ClientCard Card, int Line, string Name)>(batch.Count);
            foreach (var row in batch)
            {
                if (KnownDuplicate(row.Card, owners) is { } reason) _rejected.Add(new RejectedRow(row.Line, row.Name, reason));
                else rest.Add(row);
            }

            if (rest.Count == batch.Count || rest.Count == 0) return rest;
            try
            {
                _imported += await _importer._store.InsertManyAsync(rest.ConvertAll(r => r.Card), cancellationToken);
                return [];
            }
            catch (DuplicateClientException)
            {
                return rest;
            }
        }

        private async Task CompleteOldestAsync(CancellationToken cancellationToken)
        {
            var (insert, pending, lines) = _inFlight.Dequeue();
            try
            {
                _imported += await insert;
            }
            catch (DuplicateClientException)
            {
                // The cards as the batch holds them (read back from a store's encoding), with their rows.
                var batch = pending.Select((card, i) => (Card: card, Line: lines[i], card.Name)).ToList();
                // Someone wrote a clashing card since the rows were checked (another engine, say). A store that names
                // many keys' owners at once is asked again for the batch's: the clashing rows are rejected as the check
                // words it and the rest is stored as one batch again. Whatever is left (or every row, for other
                // stores) is stored one by one, which names the clashing row.
                if (_importer._store is IClientKeyOwners bulk) batch = await RetryWithoutClashesAsync(bulk, batch, cancellationToken);
                foreach (var (card, line, name) in batch)
                {
                    try
                    {
                        await _importer._store.InsertAsync(card, cancellationToken);
                        _imported++;
                    }
                    catch (DuplicateClientException ex)
                    {
                        _rejected.Add(new RejectedRow(line, name, ex.Message));
                    }
                }
            }
            catch
            {
                // The import stops: let the batch still in flight finish before the error goes up.
                while (_inFlight.Count > 0)
                {
                    try
                    {
                        var (next, nextBatch, _) = _inFlight.Dequeue();
                        using (nextBatch) await next;
                    }
                    catch (Exception ex) when (ex is not OutOfMemoryException)
                    {
                        // The first error is the one reported.
                    }
                }

                throw;
            }
            finally
            {
                pending.Dispose();
            }
        }
    }
}

/// <summary>A store that names the owners of many keys in one request (the importer asks it once per chunk of rows
/// instead of once per key).</summary>
public interface IClientKeyOwners
{
    /// <summary>The name of the client holding each of <paramref name="keys"/> that some client holds.</summary>
    Task<IReadOnlyDictionary<ClientKeyLookup, string>> OwnersAsync(IReadOnlyCollection<ClientKeyLookup> keys, CancellationToken cancellationToken = default);
}

/// <summary>A phone (E.164), account number or card fingerprint.</summary>
/// <param name="Kind">Which of them.</param>
/// <param name="Value">The key as stored.</param>
public readonly record struct ClientKeyLookup(StoreLookupKind Kind, string Value);

/// <summary>The kinds of a client's keys.</summary>
public enum StoreLookupKind
{
    /// <summary>A phone number in E.164.</summary>
    Phone,

    /// <summary>An account number.</summary>
    Account,

    /// <summary>A payment card's fingerprint.</summary>
    CardFingerprint,
}
