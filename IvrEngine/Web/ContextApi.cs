using System.Buffers;
using System.Globalization;
using System.Text.RegularExpressions;
using IvrEngine.Calls;
using IvrEngine.EventSocket;
using IvrEngine.Profiles;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IvrEngine.Web;

/// <summary>The call-context endpoints: read a call's context, apply an agent's edit to the store and the live channel.</summary>
public sealed partial class ContextApi(
    CallContextRegistry contexts,
    IClientStore store,
    PhoneNormalizer phones,
    FreeSwitchBoxes boxes,
    TimeProvider time,
    ILogger<ContextApi> logger,
    WebOptions? options = null)
{
    private readonly WebOptions _options = options ?? new WebOptions();

    /// <summary><c>GET /calls/{uuid}/context</c>.</summary>
    public async Task<IResult> GetByCallAsync(string uuid, CancellationToken cancellationToken)
    {
        if (!IsUuid(uuid)) return Problem(400, "the call id is not a FreeSWITCH Unique-ID");
        var entry = contexts.Find(uuid);
        return entry is null ? Problem(404, $"no live call {uuid} is known to this engine") : Results.Ok(await ViewAsync(entry, cancellationToken));
    }

    /// <summary><c>GET /contexts/{id}</c> (the channel's <c>ivr_context_id</c>).</summary>
    public async Task<IResult> GetByIdAsync(string id, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out var contextId)) return Problem(400, "the context id is not a GUID");
        var entry = contexts.Find(contextId);
        return entry is null ? Problem(404, $"no live call has context {contextId}") : Results.Ok(await ViewAsync(entry, cancellationToken));
    }

    /// <summary><c>PATCH /calls/{uuid}/context</c>: updates the client card (optimistic version), then the live channel.</summary>
    public async Task<IResult> PatchAsync(string uuid, HttpRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!IsUuid(uuid)) return Problem(400, "the call id is not a FreeSWITCH Unique-ID");
        var body = await ReadBodyAsync(request, cancellationToken);
        if (body is null)
        {
            // The rest of the body is not read: close the connection after the answer rather than drain it.
            request.HttpContext.Response.Headers.Connection = "close";
            return Problem(413, $"the body is larger than {ContextPatchRules.MaxBodyBytes / 1024} KB");
        }

        var (patch, parseError) = ContextPatchRules.Parse(body);
        if (patch is null) return Problem(400, parseError!);
        var errors = ContextPatchRules.Check(patch, phones, out var e164);
        if (errors.Count > 0) return Problem(400, string.Join("; ", errors));

        var entry = contexts.Find(uuid);
        if (entry is null) return Problem(404, $"no live call {uuid} is known to this engine");
        if (entry.Client?.ClientId is not { } clientId) return Problem(404, $"call {uuid} has no identified client to edit");
        var card = await store.GetAsync(clientId, cancellationToken);
        if (card is null) return Problem(404, $"client {clientId} of call {uuid} is not in the store");

        var live = new List<KeyValuePair<string, string>>();
        if (e164 is not null && !card.Phones.Contains(e164, StringComparer.Ordinal))
        {
            card.Phones.Add(e164);
            live.Add(new(ContextVariables.PhoneAdded, e164));
        }

        if (patch.Note is { } note)
        {
            card.Notes.Add(new ClientNote { Text = note.Text!, Author = note.Author!, At = time.GetUtcNow() });
            live.Add(new(ContextVariables.NoteLast, note.Text!));
            live.Add(new(ContextVariables.NoteAuthor, note.Author!));
        }

        if (patch.Category is { } category && category != card.Category)
        {
            card.Category = category;
            live.Add(new(ContextVariables.Category, category));
        }

        if (patch.Language is { } language && language != card.Language)
        {
            card.Language = language;
            live.Add(new(ContextVariables.Language, language));
        }

        card.Version = patch.Version!.Value;
        ClientCard saved;
        try
        {
            saved = await store.UpdateAsync(card, cancellationToken);
        }
        catch (ConcurrencyConflictException ex)
        {
            LogConflict(logger, uuid, clientId, patch.Version.Value);
            return Problem(409, ex.Message);
        }
        catch (DuplicateClientException ex)
        {
            return Problem(409, ex.Message);
        }

        live.Add(new(ContextVariables.ClientVersion, saved.Version.ToString(CultureInfo.InvariantCulture)));
        var (why, safe) = await LiveChannel.PutOnCallAsync(boxes, contexts, entry, live, cancellationToken);
        LogEdited(logger, uuid, clientId, saved.Version, string.Join(", ", safe.Select(v => v.Key)), why ?? "live channel updated");
        var result = new PatchResult(saved.Version, why is null, why, [.. safe.Select(v => v.Key)], ClientView.Of(saved, _options.CardNotes, _options.CardNoteChars));
        return why is null ? Results.Ok(result) : Results.Json(result, statusCode: StatusCodes.Status202Accepted);
    }

    private async Task<ContextView> ViewAsync(CallContextEntry entry, CancellationToken cancellationToken)
    {
        var client = entry.Client;
        var card = client?.ClientId is { } id ? await store.GetAsync(id, cancellationToken) : null;
        return new ContextView(entry.Uuid, entry.ContextId, entry.Ani, entry.Dnis, entry.StartedAt, client?.Code, client?.Reason,
            client?.MatchedBy, card is null ? null : ClientView.Of(card, _options.CardNotes, _options.CardNoteChars), entry.Variables);
    }

    /// <summary>The request's body, at most <see cref="ContextPatchRules.MaxBodyBytes"/>; null when it is larger, also
    /// when the server's own body limit stops a chunked body first (its length unknown until read).</summary>
    internal static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > ContextPatchRules.MaxBodyBytes) return null;
        var buffer = new ArrayBufferWriter<byte>();
        var chunk = new byte[16 * 1024];
        int read;
        try
        {
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.WrittenCount + read > ContextPatchRules.MaxBodyBytes) return null;
                buffer.Write(chunk.AsSpan(0, read));
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A plain refusal: <c>{"error": "..."}</c>.</summary>
    public static IResult Problem(int status, string message) => Results.Json(new ErrorBody(message), statusCode: status);

    /// <summary>Looks like a FreeSWITCH Unique-ID (what a call id in a path may be).</summary>
    internal static bool IsUuid(string uuid) => UuidPattern().IsMatch(uuid);

    [GeneratedRegex(@"^[A-Za-z0-9-]{1,64}\z")]
    private static partial Regex UuidPattern();

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "Call {CallUuid}: client {ClientId} edited, now version {Version} ({Variables}): {Live}")]
    private static partial void LogEdited(ILogger logger, string callUuid, Guid clientId, int version, string variables, string live);

    [LoggerMessage(EventId = 602, Level = LogLevel.Information, Message = "Call {CallUuid}: edit of client {ClientId} refused, version {Version} is stale")]
    private static partial void LogConflict(ILogger logger, string callUuid, Guid clientId, int version);
}

/// <summary>A refusal.</summary>
public sealed record ErrorBody(string Error);

/// <summary>The outcome of an edit.</summary>
/// <param name="Version">The card's new version.</param>
/// <param name="LiveUpdated">The live channel carries the edit.</param>
/// <param name="LiveError">Why not, when it does not.</param>
/// <param name="Variables">The channel variables of the edit.</param>
/// <param name="Client">The card as stored.</param>
public sealed record PatchResult(int Version, bool LiveUpdated, string? LiveError, IReadOnlyList<string> Variables, ClientView Client);
