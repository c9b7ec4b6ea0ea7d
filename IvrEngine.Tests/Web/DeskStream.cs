using System.Text.Json;
using System.Threading.Channels;
using IvrEngine.Tests.EndToEnd;

namespace IvrEngine.Tests.Web;

/// <summary>One page's <c>/api/desk/stream</c>, read as the browser's EventSource does: each <c>desk</c> event's data,
/// in order, to wait on.</summary>
internal sealed class DeskStream : IAsyncDisposable
{
    private readonly Channel<(JsonElement State, long At)> _states = Channel.CreateUnbounded<(JsonElement, long)>();
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpResponseMessage _response;
    private readonly Task _reader;

    private DeskStream(HttpResponseMessage response)
    {
        _response = response;
        _reader = ReadAsync();
    }

    public static async Task<DeskStream> OpenAsync(HttpClient http)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/desk/stream");
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(EngineUnderTest.Patience);
        response.EnsureSuccessStatusCode();
        response.Content.Headers.ContentType!.MediaType.Should().Be("text/event-stream");
        return new DeskStream(response);
    }

    /// <summary>Completes when the server ends the stream.</summary>
    public Task Ended => _reader;

    /// <summary>The next state that satisfies <paramref name="condition"/> and the timestamp it arrived at.</summary>
    public async Task<(JsonElement State, long At)> WaitAsync(Func<JsonElement, bool> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? EngineUnderTest.Patience);
        while (true)
        {
            var next = await _states.Reader.ReadAsync(cts.Token);
            if (condition(next.State)) return next;
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            using var reader = new StreamReader(await _response.Content.ReadAsStreamAsync(_stop.Token));
            string? eventName = null;
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.StartsWith("event:", StringComparison.Ordinal)) eventName = line[6..].Trim();
                else if (line.StartsWith("data:", StringComparison.Ordinal) && eventName == "desk")
                {
                    _states.Writer.TryWrite((JsonDocument.Parse(line[5..]).RootElement.Clone(), TimeProvider.System.GetTimestamp()));
                }
                else if (line.Length == 0) eventName = null;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or HttpRequestException)
        {
        }
        finally
        {
            _states.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        await _reader;
        _stop.Dispose();
    }

    /// <summary>Calls on the desk in this state.</summary>
    public static IEnumerable<JsonElement> Calls(JsonElement state) => state.GetProperty("calls").EnumerateArray();
}
