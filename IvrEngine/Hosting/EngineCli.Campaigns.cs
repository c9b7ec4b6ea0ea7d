using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IvrEngine.Dialer;
using IvrEngine.Profiles;

namespace IvrEngine.Hosting;

/// <summary>The <c>campaign</c> and <c>dnc</c> commands: outgoing campaigns and the do-not-call list, in the store the
/// engine uses (docs/dialer.md).</summary>
public static partial class EngineCli
{
    private static Command CampaignCommand(string[] configArgs, TextWriter output, TextWriter error)
    {
        var campaign = new Command("campaign", "Outgoing campaigns: save, contacts, start, pause, resume, stop, list, show, results (docs/dialer.md).");

        var file = new Argument<string>("file") { Description = "The campaign as JSON (docs/dialer.md shows one)." };
        var save = new Command("save", "Add a campaign, or replace the settings of one (its state and contacts stay).") { file };
        save.SetAction((result, ct) => SaveCampaignAsync(configArgs, result.GetValue(file)!, output, error, ct));
        campaign.Subcommands.Add(save);

        var contactsId = new Argument<string>("id") { Description = "The campaign." };
        var query = new Option<string?>("--query") { Description = "The clients to call: a condition over Client, as in flows (Client.Overdue > 0 && Client.Language == \"en\")." };
        var csv = new Option<string?>("--csv") { Description = "A CSV file of contacts: phone (required), name, timezone." };
        var contacts = new Command("contacts", "Add contacts to a campaign from the store's clients (--query) or a file (--csv); a number the campaign has is skipped.")
        {
            contactsId, query, csv,
        };
        contacts.SetAction((result, ct) => AddContactsAsync(configArgs, result.GetValue(contactsId)!, result.GetValue(query), result.GetValue(csv), output, error, ct));
        campaign.Subcommands.Add(contacts);

        foreach (var action in CampaignStates.Actions)
        {
            var id = new Argument<string>("id") { Description = "The campaign." };
            var command = new Command(action, $"{char.ToUpperInvariant(action[0])}{action[1..]} a campaign (running engines with Dialer:Enabled follow within seconds).") { id };
            command.SetAction((result, ct) => ChangeCampaignAsync(configArgs, result.GetValue(id)!, action, output, error, ct));
            campaign.Subcommands.Add(command);
        }

        var list = new Command("list", "List the campaigns with their figures.");
        list.SetAction((_, ct) => ListCampaignsAsync(configArgs, output, error, ct));
        campaign.Subcommands.Add(list);

        var showId = new Argument<string>("id") { Description = "The campaign." };
        var show = new Command("show", "Print a campaign's settings (as save reads them) and its figures.") { showId };
        show.SetAction((result, ct) => ShowCampaignAsync(configArgs, result.GetValue(showId)!, output, error, ct));
        campaign.Subcommands.Add(show);

        var resultsId = new Argument<string>("id") { Description = "The campaign." };
        var results = new Command("results", "Print every contact's result as CSV: phone, name, status, attempts, last outcome and cause, result, agent, answers.") { resultsId };
        results.SetAction((result, ct) => CampaignResultsAsync(configArgs, result.GetValue(resultsId)!, output, error, ct));
        campaign.Subcommands.Add(results);
        return campaign;
    }

    private static Command DoNotCallCommand(string[] configArgs, TextWriter output, TextWriter error)
    {
        var dnc = new Command("dnc", "The do-not-call list: numbers no campaign dials. add, remove, check.");
        var addPhone = new Argument<string>("phone") { Description = "The number (any usual writing; stored in E.164, or as an extension)." };
        var reason = new Option<string?>("--reason") { Description = "Why (default: added by an admin)." };
        var add = new Command("add", "Put a number on the list.") { addPhone, reason };
        add.SetAction((result, ct) => DoNotCallAsync(configArgs, "add", result.GetValue(addPhone)!, result.GetValue(reason), output, error, ct));
        dnc.Subcommands.Add(add);
        foreach (var verb in new[] { "remove", "check" })
        {
            var phone = new Argument<string>("phone") { Description = "The number." };
            var command = new Command(verb, verb == "remove" ? "Take a number off the list." : "Say whether a number is on the list (exit 1 when not).") { phone };
            command.SetAction((result, ct) => DoNotCallAsync(configArgs, verb, result.GetValue(phone)!, null, output, error, ct));
            dnc.Subcommands.Add(command);
        }

        return dnc;
    }

    private static async Task<int> SaveCampaignAsync(string[] configArgs, string file, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        OutboundCampaign? campaign;
        try
        {
            await using var stream = File.OpenRead(file);
            campaign = await JsonSerializer.DeserializeAsync<OutboundCampaign>(stream, CampaignJson.Options, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return await UsageAsync(error, $"cannot read '{file}': {ex.Message}");
        }
        catch (JsonException ex)
        {
            return await UsageAsync(error, $"'{file}' is not a campaign: {ex.Message}");
        }

        if (campaign is null) return await UsageAsync(error, $"'{file}' is not a campaign (null).");
        return await WithDialerAsync(configArgs, error, async (clients, dialer) =>
        {
            // The flows are the engine's business: a campaign's flow name is checked by the admin page (the running
            // engine knows its flows), not here.
            var save = await CampaignEdits.SaveAsync(clients, dialer, campaign, expectedVersion: null, flows: null, cancellationToken);
            if (save.Saved is not { } saved)
            {
                foreach (var problem in save.Problems) await error.WriteLineAsync("error: " + problem);
                return UsageError;
            }

            await output.WriteLineAsync($"Campaign {saved.Id} {(save.Added ? "added" : "saved")} ({CampaignStates.Word(saved.State)}), card {save.Card!.Dnis} \"{save.Card.Name}\".");
            if (save.Note is { } note) await output.WriteLineAsync("Note: " + note);
            return Ok;
        });
    }

    private static async Task<int> AddContactsAsync(string[] configArgs, string id, string? query, string? csv, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        if ((query is null) == (csv is null)) return await UsageAsync(error, "give either --query or --csv.");
        return await WithDialerAsync(configArgs, error, async (options, clients, dialer) =>
        {
            if (await dialer.GetCampaignAsync(id, cancellationToken) is not { } campaign) return await UsageAsync(error, $"There is no campaign {id}.");
            IReadOnlyList<CampaignContact> found;
            IReadOnlyList<ContactRejection> rejected = [];
            try
            {
                if (query is not null)
                {
                    found = await ContactSources.FromQueryAsync(clients, query, campaign, TimeProvider.System.GetUtcNow(), cancellationToken);
                }
                else
                {
                    await using var stream = File.OpenRead(csv!);
                    (found, rejected) = await ContactSources.FromCsvAsync(stream, campaign, new PhoneNormalizer(options), clients, cancellationToken);
                }
            }
            catch (FormatException ex)
            {
                return await UsageAsync(error, ex.Message);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return await UsageAsync(error, $"cannot read '{csv}': {ex.Message}");
            }

            var added = await CampaignEdits.AddContactsAsync(dialer, campaign, found, rejected, cancellationToken);
            foreach (var rejection in added.Rejected) await output.WriteLineAsync($"line {rejection.Line}: {rejection.Reason}");
            await output.WriteLineAsync($"Campaign {campaign.Id}: {added.Summary}.");
            return Ok;
        });
    }

    private static Task<int> ChangeCampaignAsync(string[] configArgs, string id, string action, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        WithDialerAsync(configArgs, error, async (_, dialer) =>
        {
            var change = await CampaignEdits.ChangeStateAsync(dialer, id, action, cancellationToken);
            if (!change.Found) return await UsageAsync(error, $"There is no campaign {id}.");
            if (change.Campaign is not { } changed) return await UsageAsync(error, $"campaign {id}: {change.Refusal}.");
            await output.WriteLineAsync($"Campaign {id} is {CampaignStates.Word(changed.State)}.");
            return Ok;
        });

    private static Task<int> ListCampaignsAsync(string[] configArgs, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        WithDialerAsync(configArgs, error, async (_, dialer) =>
        {
            var campaigns = await dialer.ListCampaignsAsync(cancellationToken);
            if (campaigns.Count == 0)
            {
                await output.WriteLineAsync("No campaigns.");
                return Ok;
            }

            var rows = new List<string[]>();
            foreach (var c in campaigns)
            {
                var t = await dialer.TotalsAsync(c.Id, cancellationToken);
                rows.Add([c.Id, c.Name, CampaignStates.Word(c.State), Count(t.Contacts), Count(t.Pending), Count(t.Attempts), Count(t.Answered), Count(t.Completed),
                    Count(t.Transferred), Count(t.OptedOut)]);
            }

            await WriteTableAsync(output, ["ID", "NAME", "STATE", "CONTACTS", "PENDING", "DIALED", "ANSWERED", "COMPLETED", "TRANSFERRED", "OPTED OUT"], rows);
            return Ok;
        });

    private static Task<int> ShowCampaignAsync(string[] configArgs, string id, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        WithDialerAsync(configArgs, error, async (_, dialer) =>
        {
            if (await dialer.GetCampaignAsync(id, cancellationToken) is not { } campaign) return await UsageAsync(error, $"There is no campaign {id}.");
            await output.WriteLineAsync(JsonSerializer.Serialize(campaign, CampaignJson.Options));
            var t = await dialer.TotalsAsync(id, cancellationToken);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"contacts {t.Contacts}: pending {t.Pending}, dialing {t.Dialing}, attempts {t.Attempts}, answered {t.Answered} (completed {t.Completed}, transferred {t.Transferred}, opted out {t.OptedOut}), exhausted {t.Exhausted}, do not call {t.DoNotCall}, unknown {t.Unknown}"));
            return Ok;
        });

    private static Task<int> CampaignResultsAsync(string[] configArgs, string id, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        WithDialerAsync(configArgs, error, async (_, dialer) =>
        {
            if (await dialer.GetCampaignAsync(id, cancellationToken) is null) return await UsageAsync(error, $"There is no campaign {id}.");
            await WriteCsvAsync(output, stream => CampaignResults.WriteCsvAsync(stream, dialer, id, cancellationToken));
            return Ok;
        });

    private static async Task<int> DoNotCallAsync(string[] configArgs, string verb, string raw, string? reason, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var options = await StoreOptionsAsync(configArgs, error);
        if (options is null) return UsageError;
        if (!ContactSources.TryReadNumber(raw, new PhoneNormalizer(options), out var phone, out var problem))
        {
            return await UsageAsync(error, $"'{raw}' is not a phone number ({problem}).");
        }

        return await WithDialerAsync(configArgs, error, async (_, dialer) =>
        {
            switch (verb)
            {
                case "add":
                    await dialer.AddDoNotCallAsync(new DoNotCallEntry(phone, string.IsNullOrWhiteSpace(reason) ? "added by an admin" : reason.Trim(), TimeProvider.System.GetUtcNow()), cancellationToken);
                    await output.WriteLineAsync($"{phone} is on the do-not-call list.");
                    return Ok;
                case "remove":
                    if (!await dialer.RemoveDoNotCallAsync(phone, cancellationToken)) return await UsageAsync(error, $"{phone} is not on the do-not-call list.");
                    await output.WriteLineAsync($"{phone} is off the do-not-call list.");
                    return Ok;
                default:
                    if (await dialer.FindDoNotCallAsync(phone, cancellationToken) is { } entry)
                    {
                        await output.WriteLineAsync($"{phone} is on the do-not-call list since {Time(entry.At)}: {entry.Reason}.");
                        return Ok;
                    }

                    await output.WriteLineAsync($"{phone} is not on the do-not-call list.");
                    return Failed;
            }
        });
    }

    /// <summary>Opens the store as import does and runs <paramref name="work"/> on it as a client store and a dialer store.</summary>
    private static Task<int> WithDialerAsync(string[] configArgs, TextWriter error, Func<IClientStore, IDialerStore, Task<int>> work) =>
        WithDialerAsync(configArgs, error, (_, clients, dialer) => work(clients, dialer));

    /// <summary>As above, <paramref name="work"/> also given the store settings read (the region phone numbers are read in).</summary>
    private static async Task<int> WithDialerAsync(string[] configArgs, TextWriter error, Func<StoreOptions, IClientStore, IDialerStore, Task<int>> work)
    {
        var options = await StoreOptionsAsync(configArgs, error);
        if (options is null) return UsageError;
        var (opened, code) = await OpenStoreAsync(options, error);
        if (opened is null) return code;
        using var store = opened;
        if (store is not IDialerStore dialer) return await UsageAsync(error, "this store keeps no campaigns.");
        return await work(options, store, dialer);
    }

    private static string Count(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
