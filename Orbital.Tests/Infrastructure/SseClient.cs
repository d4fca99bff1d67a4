using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace Orbital.Tests.Infrastructure;

/// <summary>A kitchen screen as far as the protocol goes: reads one kitchen's <c>/orders/events</c> and keeps every event it receives.</summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<SseEvent> _events = Channel.CreateUnbounded<SseEvent>();
    private readonly List<SseEvent> _received = [];
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _reading;

    private int _disposed;

    private SseClient(HttpClient http) => _http = http;

    public IReadOnlyList<SseEvent> Received
    {
        get
        {
            lock (_received)
            {
                return [.. _received];
            }
        }
    }

    public string? LastEventId => Received.LastOrDefault(e => e.Id is not null)?.Id;

    /// <summary>Completes when the stream has ended (closed by us, or the server went away).</summary>
    public Task Ended => _reading ?? Task.CompletedTask;

    /// <summary>Connects and waits for the stream's <c>ready</c> event.</summary>
    /// <param name="authorization">How the stream is asked for: by default as kitchen staff who work everywhere; "Screen …" for a paired screen.</param>
    public static async Task<SseClient> ConnectAsync(
        Uri baseAddress, string? station = null, string? lastEventId = null, string kitchen = Kitchen.Id, string? authorization = null)
    {
        var client = new SseClient(new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan });
        client._http.DefaultRequestHeaders.TryAddWithoutValidation(
            "Authorization", authorization ?? $"Bearer {PrepAccess.Token(role: "prep_cook", expires: DateTimeOffset.UtcNow.AddHours(2))}");
        var query = $"/orders/events?kitchen={Uri.EscapeDataString(kitchen)}" + (station is null ? string.Empty : $"&station={Uri.EscapeDataString(station)}");
        var request = new HttpRequestMessage(HttpMethod.Get, query);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client._http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, client._stop.Token);
        response.EnsureSuccessStatusCode();
        client._reading = client.ReadAsync(response);
        await client._ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return client;
    }

    /// <summary>Waits for an event that matches; events already received count.</summary>
    public async Task<SseEvent> WaitForAsync(Func<SseEvent, bool> match, TimeSpan timeout, string what)
    {
        lock (_received)
        {
            if (_received.FirstOrDefault(match) is { } seen)
            {
                return seen;
            }
        }

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (await _events.Reader.WaitToReadAsync(deadline.Token))
            {
                while (_events.Reader.TryRead(out var next))
                {
                    if (match(next))
                    {
                        return next;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"No SSE event {what} within {timeout}. Received: {string.Join(", ", Received.Select(e => $"{e.Id}:{e.Type}"))}");
    }

    private async Task ReadAsync(HttpResponseMessage response)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(_stop.Token);
            using var reader = new StreamReader(stream);
            string? id = null, type = null, data = null;
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (data is not null)
                    {
                        var received = new SseEvent(id, type ?? "message", data, Stopwatch.GetTimestamp());
                        if (received.Type == "ready")
                        {
                            _ready.TrySetResult();
                        }

                        lock (_received)
                        {
                            _received.Add(received);
                        }

                        _events.Writer.TryWrite(received);
                    }

                    id = type = data = null;
                }
                else if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = line[4..];
                }
                else if (line.StartsWith("event: ", StringComparison.Ordinal))
                {
                    type = line[7..];
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    data = line[6..];
                }
            }
        }
        catch (Exception ex) when (_stop.IsCancellationRequested || ex is IOException or HttpRequestException)
        {
            // Closed by us, or the server went away (a crash the test made): the stream simply ends.
        }
        finally
        {
            response.Dispose();
            _events.Writer.TryComplete();
        }
    }

    /// <summary>Closes the stream; closing it again does nothing (a test may close a stream before its end).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        if (_reading is not null)
        {
            await _reading;
        }

        _http.Dispose();
        _stop.Dispose();
    }
}

/// <summary>One event as received, with the time it arrived (<see cref="Stopwatch"/> ticks).</summary>
public sealed record SseEvent(string? Id, string Type, string Data, long ReceivedAt)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;

    /// <summary>The event id as a number (0 for events without one).</summary>
    public long Number => Id is null ? 0 : long.Parse(Id, System.Globalization.CultureInfo.InvariantCulture);

    public JsonElement Item => Json.GetProperty("item");

    public bool IsFor(string sku) => Type != "ready" && Json.TryGetProperty("item", out var item) && item.GetProperty("sku").GetString() == sku;
}
