using System.Globalization;
using LiteDB;

namespace IvrEngine.Profiles;

/// <summary>The dialer's part of the store (<see cref="IDialerStore"/>): outgoing campaigns, their contacts and the
/// do-not-call list, in the same file, through the same writer as the cards. A claim is atomic because the writer is
/// one thread: the contacts it finds due are claimed in the same transaction, and no other write runs meanwhile.</summary>
public sealed partial class LiteDbClientStore : IDialerStore
{
    internal const string OutboundCampaigns = "outbound_campaigns";
    internal const string CampaignContacts = "campaign_contacts";
    internal const string DoNotCall = "do_not_call";

    internal const string ContactPhoneIndex = "campaign_phone";
    internal const string ContactOrderIndex = "campaign_order";
    internal const string ContactClaimIndex = "claim";
    internal const string ContactClaimedByIndex = "claimed_by";

    /// <summary>Contacts added per transaction.</summary>
    internal const int ContactChunk = 500;

    /// <summary>Longest campaign id (it is in channel variables, URLs and index keys).</summary>
    internal const int MaxCampaignIdLength = 64;

    // Fields a contact's document has besides the contact's own: what its indexes are built on. Each key starts with
    // the campaign's id and a separator below every character a campaign id or status holds, so a campaign's keys
    // are one range of the index. The claim key is campaign, status, time zone, due time, order added: a claim reads
    // one range per open time zone, only what it claims.
    private const string SeqField = "Seq";
    private const string PhoneKeyField = "PhoneKey";
    private const string OrderKeyField = "OrderKey";
    private const string ClaimKeyField = "ClaimKey";
    private const char Separator = '\u001f';
    private const string RangeEnd = "\uffff";

    /// <summary>The end of a claim key: the due time and the order added (19 digits each, a separator between).</summary>
    private const int DueAndSeqLength = 19 + 1 + 19;

    private ILiteCollection<OutboundCampaign> OutboundCollection => _db.GetCollection<OutboundCampaign>(OutboundCampaigns);

    private ILiteCollection<BsonDocument> ContactCollection => _db.GetCollection(CampaignContacts);

    private ILiteCollection<BsonDocument> DoNotCallCollection => _db.GetCollection(DoNotCall);

    /// <summary>The dialer's indexes (called once when the file is opened, before the writer starts).</summary>
    private void EnsureDialerIndexes()
    {
        var contacts = ContactCollection;
        contacts.EnsureIndex(ContactPhoneIndex, "$." + PhoneKeyField, unique: true);
        contacts.EnsureIndex(ContactOrderIndex, "$." + OrderKeyField);
        contacts.EnsureIndex(ContactClaimIndex, "$." + ClaimKeyField);
        contacts.EnsureIndex(ContactClaimedByIndex, "$." + nameof(CampaignContact.ClaimedBy));
    }

    /// <inheritdoc />
    public async Task<OutboundCampaign> SaveCampaignAsync(OutboundCampaign campaign, CancellationToken cancellationToken = default)
    {
        ValidateCampaign(campaign);
        var now = _time.GetUtcNow();
        return await WriteAsync(() =>
        {
            var current = OutboundCollection.FindById(campaign.Id);
            CheckCampaignVersion(campaign, current?.Version);
            campaign.CreatedAt = current?.CreatedAt ?? (campaign.CreatedAt == default ? now : campaign.CreatedAt);
            campaign.Version = (current?.Version ?? 0) + 1;
            try
            {
                OutboundCollection.Upsert(campaign);
            }
            catch
            {
                campaign.Version = current?.Version ?? 0;
                throw;
            }

            return campaign;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<OutboundCampaign?> GetCampaignAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        return id.Length is 0 or > MaxCampaignIdLength ? null : await ReadAsync(() => OutboundCollection.FindById(id));
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<OutboundCampaign>> ListCampaignsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var campaigns = await ReadAsync(() => OutboundCollection.FindAll().ToList());
        return NewestFirst(campaigns);
    }

    /// <inheritdoc />
    /// <remarks>Written <see cref="ContactChunk"/> contacts per transaction: the writer writes the calls' records too,
    /// and they must not wait for a whole list (10,000 contacts take about a second). A list cut short by an error
    /// is added again whole: the numbers already in are skipped.</remarks>
    public async Task<int> AddContactsAsync(string campaignId, IReadOnlyCollection<CampaignContact> contacts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        ArgumentNullException.ThrowIfNull(contacts);
        foreach (var contact in contacts) ValidateContact(contact);
        if (contacts.Count == 0) return 0;
        var campaign = await GetCampaignAsync(campaignId, cancellationToken) ?? throw new KeyNotFoundException($"Campaign {campaignId} does not exist.");
        var added = 0;
        foreach (var chunk in NewContacts(campaign, contacts).Chunk(ContactChunk))
        {
            added += await WriteAsync(() =>
            {
                if (OutboundCollection.FindById(campaignId) is null) throw new KeyNotFoundException($"Campaign {campaignId} does not exist.");
                var collection = ContactCollection;
                var seq = LastSeq(campaignId);
                var inserted = 0;

                // One expression for the chunk, its parameter set per contact: parsing it per contact took as long as
                // the inserts.
                var taken = BsonExpression.Create("$." + PhoneKeyField + " = @0", string.Empty);
                foreach (var contact in chunk)
                {
                    taken.Parameters["0"] = PhoneKey(campaignId, contact.Phone);
                    if (collection.Exists(taken)) continue;
                    collection.Insert(ContactDocument(contact, ++seq));
                    inserted++;
                }

                return inserted;
            }, cancellationToken);
        }

        return added;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CampaignContact>> ContactsAsync(string campaignId, int skip, int take, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        cancellationToken.ThrowIfCancellationRequested();
        if (take == 0) return [];
        var documents = await ReadAsync(() => ContactCollection.Query()
            .Where(CampaignRange(OrderKeyField, campaignId))
            .OrderBy("$." + OrderKeyField)
            .Offset(skip)
            .Limit(take)
            .ToList());
        return documents.ConvertAll(ToContact);
    }

    /// <inheritdoc />
    public async Task<CampaignContact?> GetContactAsync(Guid id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var document = await ReadAsync(() => ContactCollection.FindById(id));
        return document is null ? null : ToContact(document);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<string>> PendingTimeZonesAsync(string campaignId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        var zones = new List<string>();
        var prefix = ClaimPrefix(campaignId, ContactStatus.Pending);
        var from = prefix;

        // The claim index holds a campaign's pending contacts by time zone: one seek per zone finds the first contact of
        // the next zone, however many contacts each has (each seek a short hold of the engine lock, not a scan).
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var lower = from;
            var first = await ReadAsync(() => ContactCollection.Query()
                .Where(BsonExpression.Create("$." + ClaimKeyField + " BETWEEN @0 AND @1", lower, prefix + RangeEnd))
                .OrderBy("$." + ClaimKeyField)
                .Limit(1)
                .FirstOrDefault());
            if (first is null) break;
            var zone = first[nameof(CampaignContact.TimeZone)].AsString;
            zones.Add(zone);
            from = string.Concat(prefix, zone, Separator.ToString(), RangeEnd);
        }

        zones.Sort(StringComparer.Ordinal);
        return zones;
    }

    /// <inheritdoc />
    /// <remarks>Run by the writer: the due contacts are read from the claim index (campaign, status, due time, order
    /// added) and claimed in the same transaction, and no other write runs in between, so two claims never get one
    /// contact.</remarks>
    public async Task<IReadOnlyList<CampaignContact>> ClaimDueAsync(string campaignId, string engine, DateTimeOffset now, int max, IReadOnlyCollection<string> openTimeZones,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        ArgumentException.ThrowIfNullOrEmpty(engine);
        ArgumentNullException.ThrowIfNull(openTimeZones);
        ArgumentOutOfRangeException.ThrowIfNegative(max);
        if (max == 0 || openTimeZones.Count == 0) return [];
        var zones = openTimeZones.Distinct(StringComparer.Ordinal).ToList();
        return await WriteAsync(() =>
        {
            var collection = ContactCollection;
            var claimed = new List<CampaignContact>(max);
            while (claimed.Count < max)
            {
                // The due contacts, oldest first: the oldest of each open zone (one range of the claim index each),
                // merged. A number on the do-not-call list is not claimed, and the next ones are read.
                var wanted = max - claimed.Count;
                var due = zones.SelectMany(zone => DueQuery(collection, campaignId, zone, now, wanted).ToList())
                    .OrderBy(d => d[ClaimKeyField].AsString[^DueAndSeqLength..], StringComparer.Ordinal)
                    .Take(wanted)
                    .ToList();
                foreach (var document in due)
                {
                    var seq = document[SeqField].AsInt64;
                    var contact = ToContact(document);
                    if (DoNotCallCollection.FindById(contact.Phone) is not null)
                    {
                        contact.Status = ContactStatus.DoNotCall;
                        contact.ClaimedBy = null;
                    }
                    else
                    {
                        Claim(contact, engine, now);
                        claimed.Add(contact);
                    }

                    contact.Version++;
                    collection.Update(ContactDocument(contact, seq));
                }

                if (due.Count < wanted) break;
            }

            return claimed;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> RecordAttemptAsync(Guid contactId, string callUuid, string outcome, string? hangupCause, ContactStatus status, DateTimeOffset? nextAttemptAt,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callUuid);
        ArgumentException.ThrowIfNullOrEmpty(outcome);
        return await WriteAsync(() =>
        {
            var document = ContactCollection.FindById(contactId);
            if (document is null) return false;
            var contact = ToContact(document);
            if (!ApplyAttempt(contact, callUuid, outcome, hangupCause, status, nextAttemptAt)) return false;
            ContactCollection.Update(ContactDocument(contact, document[SeqField].AsInt64));
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task RecordResultAsync(Guid contactId, string callUuid, string result, IReadOnlyDictionary<string, string> answers, string? agent,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(callUuid);
        ArgumentException.ThrowIfNullOrEmpty(result);
        ArgumentNullException.ThrowIfNull(answers);
        var now = _time.GetUtcNow();
        await WriteAsync(() =>
        {
            var document = ContactCollection.FindById(contactId);
            if (document is null) return false;
            var contact = ToContact(document);
            if (!ApplyResult(contact, callUuid, result, answers, agent)) return false;
            ContactCollection.Update(ContactDocument(contact, document[SeqField].AsInt64));
            if (string.Equals(result, ContactResults.OptedOut, StringComparison.Ordinal) && DoNotCallCollection.FindById(contact.Phone) is null)
            {
                DoNotCallCollection.Insert(DoNotCallDocument(OptedOutEntry(contact, now)));
            }

            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> RecordAgentAsync(Guid contactId, string callUuid, string agent, CancellationToken cancellationToken = default)
    {
        CheckKey(callUuid, "callUuid", allowEmpty: false);
        ArgumentException.ThrowIfNullOrEmpty(agent);
        return await WriteAsync(() =>
        {
            var document = ContactCollection.FindById(contactId);
            if (document is null) return false;
            var contact = ToContact(document);
            if (!ApplyAgent(contact, callUuid, agent)) return false;
            ContactCollection.Update(ContactDocument(contact, document[SeqField].AsInt64));
            if (InteractionOfCall(callUuid) is { } record)
            {
                record.Agent = agent;
                _interactions.Update(record);
            }

            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CampaignContact>> DialingAsync(string engine, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        cancellationToken.ThrowIfCancellationRequested();
        if (engine.Length == 0) return [];
        var documents = await ReadAsync(() => ContactCollection.Query()
            .Where(BsonExpression.Create("$." + nameof(CampaignContact.ClaimedBy) + " = @0", engine))
            .ToList());
        return [.. documents.ConvertAll(ToContact).Where(c => c.Status == ContactStatus.Dialing).OrderBy(c => c.LastAttemptAt)];
    }

    /// <inheritdoc />
    public async Task<CampaignTotals> TotalsAsync(string campaignId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(campaignId);
        var contacts = new List<CampaignContact>();
        var prefix = campaignId + Separator;
        var from = prefix;

        // A page of contacts per hold of the engine lock: a call's lookup waits for one page at most.
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var lower = from;
            var page = await ReadAsync(() => ContactCollection.Query()
                .Where(BsonExpression.Create("$." + OrderKeyField + " BETWEEN @0 AND @1", lower, prefix + RangeEnd))
                .OrderBy("$." + OrderKeyField)
                .Limit(SearchPage)
                .ToList());
            contacts.AddRange(page.Select(ToContact));
            if (page.Count < SearchPage) break;
            from = string.Concat(prefix, Sortable(page[^1][SeqField].AsInt64 + 1));
        }

        return TotalsOf(contacts);
    }

    /// <inheritdoc />
    public async Task AddDoNotCallAsync(DoNotCallEntry entry, CancellationToken cancellationToken = default)
    {
        ValidateDoNotCall(entry);
        await WriteAsync(() =>
        {
            if (DoNotCallCollection.FindById(entry.Phone) is not null) return false;
            DoNotCallCollection.Insert(DoNotCallDocument(entry));
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> RemoveDoNotCallAsync(string phone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(phone);
        if (phone.Length is 0 or > MaxKeyLength) return false;
        return await WriteAsync(() => DoNotCallCollection.Delete(phone), cancellationToken);
    }

    /// <inheritdoc />
    public async Task<DoNotCallEntry?> FindDoNotCallAsync(string phone, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(phone);
        cancellationToken.ThrowIfCancellationRequested();
        if (phone.Length is 0 or > MaxKeyLength) return null;
        var document = await ReadAsync(() => DoNotCallCollection.FindById(phone));
        return document is null ? null : DoNotCallEntryOf(document);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DoNotCallEntry>> DoNotCallAsync(int skip, int take, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfDisposed();
        if (take == 0) return [];
        // The numbers are the key: the _id index gives them in order, a page read without a sort.
        return await ReadAsync(() => DoNotCallCollection.Query().OrderBy("_id").Skip(skip).Limit(take).ToEnumerable().Select(DoNotCallEntryOf).ToList());
    }

    private DoNotCallEntry DoNotCallEntryOf(BsonDocument document) =>
        new(document["_id"].AsString, document[nameof(DoNotCallEntry.Reason)].AsString, _db.Mapper.Deserialize<DateTimeOffset>(document[nameof(DoNotCallEntry.At)]));

    /// <summary>The query plan of a claim's read (tests: it reads the claim index).</summary>
    internal BsonDocument ExplainClaim(string campaignId, DateTimeOffset now, string timeZone) =>
        Read(() => DueQuery(ContactCollection, campaignId, timeZone, now, 10).GetPlan());

    /// <summary>A claim's read in one time zone: up to <paramref name="max"/> pending contacts due at
    /// <paramref name="now"/>, oldest due first, as one range of the claim index.</summary>
    private static ILiteQueryableResult<BsonDocument> DueQuery(ILiteCollection<BsonDocument> contacts, string campaignId, string timeZone, DateTimeOffset now, int max)
    {
        var prefix = string.Concat(ClaimPrefix(campaignId, ContactStatus.Pending), timeZone, Separator.ToString());
        return contacts.Query()
            .Where(BsonExpression.Create("$." + ClaimKeyField + " BETWEEN @0 AND @1", prefix, string.Concat(prefix, Sortable(now.UtcTicks), Separator.ToString(), RangeEnd)))
            .OrderBy("$." + ClaimKeyField)
            .Limit(max);
    }

    /// <summary>The highest order number of a campaign's contacts (0 when it has none), under the engine lock.</summary>
    private long LastSeq(string campaignId)
    {
        var last = ContactCollection.Query().Where(CampaignRange(OrderKeyField, campaignId)).OrderByDescending("$." + OrderKeyField).Limit(1).FirstOrDefault();
        return last is null ? 0 : last[SeqField].AsInt64;
    }

    private CampaignContact ToContact(BsonDocument document) => _db.Mapper.ToObject<CampaignContact>(document);

    /// <summary>A contact's document: the contact as the mapper writes it, and the keys of its indexes.</summary>
    private BsonDocument ContactDocument(CampaignContact contact, long seq)
    {
        var document = _db.Mapper.ToDocument(contact);
        document[SeqField] = seq;
        document[PhoneKeyField] = PhoneKey(contact.CampaignId, contact.Phone);
        document[OrderKeyField] = string.Concat(contact.CampaignId, Separator.ToString(), Sortable(seq));
        document[ClaimKeyField] = string.Concat(ClaimPrefix(contact.CampaignId, contact.Status), contact.TimeZone, Separator.ToString(),
            Sortable(DueTicks(contact.NextAttemptAt)), Separator.ToString(), Sortable(seq));
        return document;
    }

    private BsonDocument DoNotCallDocument(DoNotCallEntry entry) => new()
    {
        ["_id"] = entry.Phone,
        [nameof(DoNotCallEntry.Reason)] = entry.Reason,
        [nameof(DoNotCallEntry.At)] = _db.Mapper.Serialize(entry.At),
    };

    private static string PhoneKey(string campaignId, string phone) => string.Concat(campaignId, Separator.ToString(), phone);

    private static string ClaimPrefix(string campaignId, ContactStatus status) =>
        string.Concat(campaignId, Separator.ToString(), status.ToString(), Separator.ToString());

    /// <summary>A contact is due from its next attempt's time; one without is due from the start.</summary>
    private static long DueTicks(DateTimeOffset? nextAttemptAt) => nextAttemptAt?.UtcTicks ?? 0;

    private static string Sortable(long value) => value.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>A campaign's keys of <paramref name="field"/>, as one range of its index.</summary>
    private static BsonExpression CampaignRange(string field, string campaignId)
    {
        var prefix = campaignId + Separator;
        return BsonExpression.Create("$." + field + " BETWEEN @0 AND @1", prefix, prefix + RangeEnd);
    }

    /// <summary>Checks a campaign before it is saved (both stores).</summary>
    internal static void ValidateCampaign(OutboundCampaign campaign)
    {
        ArgumentNullException.ThrowIfNull(campaign);
        ValidateCampaignId(campaign.Id);
        ArgumentNullException.ThrowIfNull(campaign.Name, "OutboundCampaign.Name");
        ArgumentNullException.ThrowIfNull(campaign.CardDnis, "OutboundCampaign.CardDnis");
        ArgumentNullException.ThrowIfNull(campaign.CallerIdNumber, "OutboundCampaign.CallerIdNumber");
        ArgumentNullException.ThrowIfNull(campaign.DialString, "OutboundCampaign.DialString");
        ArgumentNullException.ThrowIfNull(campaign.Hours, "OutboundCampaign.Hours");
        ArgumentNullException.ThrowIfNull(campaign.Hours.Days, "OutboundCampaign.Hours.Days");
        ArgumentNullException.ThrowIfNull(campaign.Hours.DefaultTimeZone, "OutboundCampaign.Hours.DefaultTimeZone");
        ArgumentNullException.ThrowIfNull(campaign.Pacing, "OutboundCampaign.Pacing");
        ArgumentNullException.ThrowIfNull(campaign.Busy, "OutboundCampaign.Busy");
        ArgumentNullException.ThrowIfNull(campaign.NoAnswer, "OutboundCampaign.NoAnswer");
        ArgumentNullException.ThrowIfNull(campaign.Failed, "OutboundCampaign.Failed");
        ArgumentOutOfRangeException.ThrowIfNegative(campaign.Version, "OutboundCampaign.Version");
    }

    /// <summary>A campaign id: 1 to <see cref="MaxCampaignIdLength"/> letters, digits, '-' and '_'.</summary>
    internal static void ValidateCampaignId(string? id)
    {
        ArgumentNullException.ThrowIfNull(id, "OutboundCampaign.Id");
        if (id.Length is 0 or > MaxCampaignIdLength || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException($"The campaign id '{id}' is not 1 to {MaxCampaignIdLength} letters, digits, '-' and '_'.");
        }
    }

    /// <summary>Refuses a save from a version other than the stored one (0: a new campaign, none stored).</summary>
    internal static void CheckCampaignVersion(OutboundCampaign campaign, int? stored)
    {
        if (campaign.Version == (stored ?? 0)) return;
        throw new InvalidOperationException(stored is null
            ? $"Campaign {campaign.Id} does not exist (it was saved as version {campaign.Version}); save a new campaign as version 0."
            : campaign.Version == 0
                ? $"Campaign {campaign.Id} already exists (version {stored}); read it and change that one."
                : $"Campaign {campaign.Id} was changed by someone else (you edited version {campaign.Version}, it is now {stored}); reload it and apply your change again.");
    }

    /// <summary>Checks a contact before it is added (both stores).</summary>
    internal static void ValidateContact(CampaignContact contact)
    {
        ArgumentNullException.ThrowIfNull(contact);
        CheckKey(contact.Phone, "CampaignContact.Phone", allowEmpty: false);
        if (contact.Phone.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException("CampaignContact.Phone contains a NUL character.");
        ArgumentNullException.ThrowIfNull(contact.Answers, "CampaignContact.Answers");
    }

    /// <summary>Checks a do-not-call entry (both stores).</summary>
    internal static void ValidateDoNotCall(DoNotCallEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        CheckKey(entry.Phone, "DoNotCallEntry.Phone", allowEmpty: false);
        if (entry.Phone.Contains('\0', StringComparison.Ordinal)) throw new ArgumentException("DoNotCallEntry.Phone contains a NUL character.");
        ArgumentNullException.ThrowIfNull(entry.Reason, "DoNotCallEntry.Reason");
    }

    /// <summary>The contacts as a campaign adds them (both stores): each number once, in the campaign, pending, with
    /// an id and a time zone (the campaign's default when it has none), no attempt yet.</summary>
    internal static List<CampaignContact> NewContacts(OutboundCampaign campaign, IEnumerable<CampaignContact> contacts)
    {
        var phones = new HashSet<string>(StringComparer.Ordinal);
        var added = new List<CampaignContact>();
        foreach (var contact in contacts)
        {
            if (!phones.Add(contact.Phone)) continue;
            if (contact.Id == Guid.Empty) contact.Id = Guid.CreateVersion7();
            contact.CampaignId = campaign.Id;
            if (string.IsNullOrEmpty(contact.TimeZone)) contact.TimeZone = campaign.Hours.DefaultTimeZone;
            contact.Status = ContactStatus.Pending;
            contact.Attempts = 0;
            contact.CallUuid = null;
            contact.ClaimedBy = null;
            contact.Version = 1;
            added.Add(contact);
        }

        return added;
    }

    /// <summary>A contact claimed for an attempt by <paramref name="engine"/> at <paramref name="now"/>.</summary>
    private static void Claim(CampaignContact contact, string engine, DateTimeOffset now)
    {
        contact.Status = ContactStatus.Dialing;
        contact.Attempts++;
        contact.LastAttemptAt = now;
        contact.CallUuid = Guid.NewGuid().ToString();
        contact.ClaimedBy = engine;
    }

    /// <summary>Applies an attempt's outcome (both stores' rule): only to the attempt in progress (the contact is
    /// dialing that call); false otherwise.</summary>
    internal static bool ApplyAttempt(CampaignContact contact, string callUuid, string outcome, string? hangupCause, ContactStatus status, DateTimeOffset? nextAttemptAt)
    {
        if (contact.Status != ContactStatus.Dialing || !string.Equals(contact.CallUuid, callUuid, StringComparison.Ordinal)) return false;
        contact.LastOutcome = outcome;
        contact.LastHangupCause = hangupCause;
        contact.Status = status;
        contact.NextAttemptAt = status == ContactStatus.Pending ? nextAttemptAt : contact.NextAttemptAt;
        if (status != ContactStatus.Dialing) contact.ClaimedBy = null;
        contact.Version++;
        return true;
    }

    /// <summary>Applies an answered call's result (both stores' rule): to the contact's last attempt only; answers
    /// join the ones stored (a later answer to a question replaces the earlier); an agent replaces the stored one.</summary>
    internal static bool ApplyResult(CampaignContact contact, string callUuid, string result, IReadOnlyDictionary<string, string> answers, string? agent)
    {
        if (!string.Equals(contact.CallUuid, callUuid, StringComparison.Ordinal)) return false;
        contact.Result = result;
        foreach (var (question, answer) in answers) contact.Answers[question] = answer;
        if (agent is not null) contact.Agent = agent;
        contact.Version++;
        return true;
    }

    /// <summary>Applies the agent who took an answered call to the contact's last attempt only (the PostgreSQL store's
    /// update has the same condition: the contact's call uuid is the call's).</summary>
    private static bool ApplyAgent(CampaignContact contact, string callUuid, string agent)
    {
        if (!string.Equals(contact.CallUuid, callUuid, StringComparison.Ordinal)) return false;
        contact.Agent = agent;
        contact.Version++;
        return true;
    }

    /// <summary>The do-not-call entry of a contact who opted out.</summary>
    internal static DoNotCallEntry OptedOutEntry(CampaignContact contact, DateTimeOffset at) =>
        new(contact.Phone, $"opted out (campaign {contact.CampaignId})", at);

    /// <summary>Newest first, then by id.</summary>
    internal static List<OutboundCampaign> NewestFirst(List<OutboundCampaign> campaigns)
    {
        campaigns.Sort((a, b) => b.CreatedAt != a.CreatedAt ? b.CreatedAt.CompareTo(a.CreatedAt) : string.CompareOrdinal(a.Id, b.Id));
        return campaigns;
    }

    /// <summary>A campaign's figures from its contacts (the LiteDB store's; PostgreSQL counts the same in SQL).</summary>
    private static CampaignTotals TotalsOf(IEnumerable<CampaignContact> contacts)
    {
        int count = 0, pending = 0, dialing = 0, attempts = 0, answered = 0, completed = 0, transferred = 0, optedOut = 0, exhausted = 0, doNotCall = 0, unknown = 0;
        int dialed = 0, busy = 0, noAnswer = 0, failed = 0;
        foreach (var contact in contacts)
        {
            count++;
            attempts += contact.Attempts;
            if (contact.Attempts > 0) dialed++;
            if (IsAnswered(contact))
            {
                answered++;
            }
            else
            {
                switch (contact.LastOutcome)
                {
                    case AttemptOutcomes.Busy: busy++; break;
                    case AttemptOutcomes.NoAnswer: noAnswer++; break;
                    case AttemptOutcomes.Failed: failed++; break;
                }
            }

            switch (contact.Result)
            {
                case ContactResults.Completed: completed++; break;
                case ContactResults.Transferred: transferred++; break;
                case ContactResults.OptedOut: optedOut++; break;
            }

            switch (contact.Status)
            {
                case ContactStatus.Pending: pending++; break;
                case ContactStatus.Dialing: dialing++; break;
                case ContactStatus.Exhausted: exhausted++; break;
                case ContactStatus.DoNotCall: doNotCall++; break;
                case ContactStatus.Unknown: unknown++; break;
            }
        }

        return new CampaignTotals(count, pending, dialing, attempts, answered, completed, transferred, optedOut, exhausted, doNotCall, unknown,
            dialed, busy, noAnswer, failed);
    }

    /// <summary>A contact counts as answered once an attempt's outcome was <see cref="AttemptOutcomes.Answered"/>, it
    /// is done, or its call has a result.</summary>
    private static bool IsAnswered(CampaignContact contact) =>
        contact.Status == ContactStatus.Done || contact.Result is not null || string.Equals(contact.LastOutcome, AttemptOutcomes.Answered, StringComparison.Ordinal);
}
