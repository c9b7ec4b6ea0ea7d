using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace IvrEngine.Benchmarks;

/// <summary>The agents' pages as <c>screenpop</c> plays them: one <c>GET /api/desk/stream</c> per agent (server-sent
/// events, read line by line as they arrive), each with the agent's API token. A call waited for with
/// <see cref="ExpectRinging"/> is reported when a <c>desk</c> event on any stream lists it as ringing, with the
/// <see cref="Stopwatch"/> timestamp of the moment its line was read.</summary>
internal sealed class DeskStreams : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _ringing = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Task> _readers = [];
    private long _events;
    private int _failed;

    public DeskStreams(HttpClient http) => _http = http;

    /// <summary><c>desk</c> events read on every stream so far.</summary>
    public long Events => Interlocked.Read(ref _events);

    /// <summary>Streams that ended or failed before the benchmark closed them.</summary>
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Opens the stream of <paramref name="token"/>'s user; completes when its first <c>desk</c> event came.</summary>
    public Task OpenAsync(Uri web, string token)
    {
        var first = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _readers.Add(Task.Run(() => ReadAsync(web, token, first)));
        return first.Task;
    }

    /// <summary>A task that completes with the timestamp of the first <c>desk</c> event that lists
    /// <paramref name="callUuid"/> as ringing (ask before the offer is made).</summary>
    public Task<long> ExpectRinging(string callUuid)
    {
        var seen = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ringing[callUuid] = seen;
        return seen.Task;
    }

    /// <summary>Stops waiting for <paramref name="callUuid"/>.</summary>
    public void Forget(string callUuid) => _ringing.TryRemove(callUuid, out _);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_readers).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task ReadAsync(Uri web, string token, TaskCompletionSource first)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(web, "api/desk/stream"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _stop.Token);
            if (!response.IsSuccessStatusCode) throw new HttpRequestException($"the stream answered {(int)response.StatusCode}");
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(_stop.Token));
            var isDesk = false;
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                var at = Stopwatch.GetTimestamp();
                if (line.Length == 0)
                {
                    isDesk = false;
                }
                else if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    isDesk = line.AsSpan(6).Trim().SequenceEqual("desk");
                }
                else if (isDesk && line.StartsWith("data:", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref _events);
                    first.TrySetResult();
                    if (_ringing.IsEmpty) continue;
                    using var json = JsonDocument.Parse(line.AsMemory(5));
                    foreach (var call in json.RootElement.GetProperty("calls").EnumerateArray())
                    {
                        if (call.GetProperty("state").ValueEquals("ringing")
                            && call.GetProperty("callUuid").GetString() is { } uuid
                            && _ringing.TryRemove(uuid, out var seen))
                        {
                            seen.TrySetResult(at);
                        }
                    }
                }
            }

            if (!_stop.IsCancellationRequested) throw new IOException("the stream ended");
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
#pragma warning disable CA1031 // A broken stream is counted and reported; the benchmark goes on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Interlocked.Increment(ref _failed);
            first.TrySetException(ex);
        }
    }
}
