using System.Diagnostics;

namespace Orbital.Tests.Infrastructure;

/// <summary>
/// A station screen that stays on: when its stream ends (the Batch instance serving it died, the proxy dropped it) it
/// connects again a second later with the last event id it has, as the screens' EventSource does, and carries on.
/// Keeps every event it received over all its connections.
/// </summary>
public sealed class ReconnectingScreen : IAsyncDisposable
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly Uri _batch;
    private readonly string _station;
    private readonly string _kitchen;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<SseEvent> _earlier = [];
    private SseClient? _current;
    private Task? _following;

    private ReconnectingScreen(Uri batch, string station, string kitchen) => (_batch, _station, _kitchen) = (batch, station, kitchen);

    /// <summary>Times the screen had to connect again.</summary>
    public int Reconnects { get; private set; }

    public static async Task<ReconnectingScreen> ConnectAsync(Uri batch, string station, string kitchen)
    {
        var screen = new ReconnectingScreen(batch, station, kitchen);
        screen._current = await SseClient.ConnectAsync(batch, station, kitchen: kitchen);
        screen._following = screen.FollowAsync();
        return screen;
    }

    /// <summary>Every event received so far, over every connection, in the order received.</summary>
    public IReadOnlyList<SseEvent> Received
    {
        get
        {
            lock (_earlier)
            {
                return [.. _earlier, .. _current?.Received ?? []];
            }
        }
    }

    /// <summary>The longest wait between two numbered events the screen received (reconnects included).</summary>
    public TimeSpan LongestGap(long from, long until)
    {
        var times = Received.Where(e => e.Id is not null && e.ReceivedAt >= from && e.ReceivedAt <= until).Select(e => e.ReceivedAt).Order().ToList();
        var longest = 0L;
        for (var i = 1; i < times.Count; i++)
        {
            longest = Math.Max(longest, times[i] - times[i - 1]);
        }

        return Stopwatch.GetElapsedTime(0, longest);
    }

    private async Task FollowAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _current!.Ended.WaitAsync(_stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }

            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(RetryAfter, _stop.Token);
                    var lastEventId = Received.LastOrDefault(e => e.Id is not null)?.Id;
                    var next = await SseClient.ConnectAsync(_batch, _station, lastEventId, _kitchen);
                    var ended = _current!;
                    lock (_earlier)
                    {
                        _earlier.AddRange(ended.Received);
                        _current = next;
                    }

                    await ended.DisposeAsync();
                    Reconnects++;
                    break;
                }
                catch (Exception ex) when (ex is HttpRequestException or TimeoutException or IOException
                                           || (ex is OperationCanceledException && !_stop.IsCancellationRequested))
                {
                    // No Batch instance answers yet: try again, as the screen would.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_following is not null)
        {
            await _following;
        }

        if (_current is not null)
        {
            await _current.DisposeAsync();
        }

        _stop.Dispose();
    }
}
