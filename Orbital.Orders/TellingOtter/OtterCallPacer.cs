namespace Orbital.Orders.TellingOtter;

/// <summary>
/// Keeps the calls to Otter under its limits: per store and endpoint within any minute, and in all within any second
/// (sliding windows: the times of the last calls are kept). An endpoint with a limit of its own (the menu's
/// suspensions: 16 a minute) is kept under that one. Used by the one sender that leads; not thread-safe.
/// </summary>
public sealed class OtterCallPacer(int perStoreEndpointPerMinute, int perSecond, IReadOnlyDictionary<string, int>? perEndpointPerMinute = null)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1), Second = TimeSpan.FromSeconds(1);

    /// <summary>The pacer of the settings: the order calls' limit per store and endpoint, the menu's own for its two endpoints.</summary>
    public static OtterCallPacer For(OtterCallsOptions settings) =>
        new(settings.PerStoreEndpointPerMinute, settings.PerSecond, new Dictionary<string, int>(StringComparer.Ordinal)
        {
            [MenuAvailabilityHandler.Suspend] = settings.MenuAvailabilityPerStorePerMinute,
            [MenuAvailabilityHandler.Unsuspend] = settings.MenuAvailabilityPerStorePerMinute,
        });
    private readonly Dictionary<(string Store, string Endpoint), Queue<DateTimeOffset>> _perEndpoint = [];
    private readonly Queue<DateTimeOffset> _all = new();

    /// <summary>How long a call to this store's endpoint must wait from <paramref name="now"/>; zero when it may go.</summary>
    public TimeSpan WaitFor(string store, string endpoint, DateTimeOffset now)
    {
        var all = WaitForAny(now);
        var endpointWait = WaitForEndpoint(store, endpoint, now);
        return endpointWait > all ? endpointWait : all;
    }

    /// <summary>How long any call must wait for the per-second limit; zero when one may go.</summary>
    public TimeSpan WaitForAny(DateTimeOffset now) => Wait(_all, perSecond, Second, now);

    /// <summary>How long a call to this store's endpoint must wait for its minute to have room; zero when it has.</summary>
    public TimeSpan WaitForEndpoint(string store, string endpoint, DateTimeOffset now) =>
        _perEndpoint.TryGetValue((store, endpoint), out var sent)
            ? Wait(sent, perEndpointPerMinute is not null && perEndpointPerMinute.TryGetValue(endpoint, out var own) ? own : perStoreEndpointPerMinute, Minute, now)
            : TimeSpan.Zero;

    /// <summary>Counts a call made at <paramref name="now"/> (whatever Otter answered: every request counts against its limits).</summary>
    public void Sent(string store, string endpoint, DateTimeOffset now)
    {
        _all.Enqueue(now);
        if (!_perEndpoint.TryGetValue((store, endpoint), out var sent))
        {
            _perEndpoint[(store, endpoint)] = sent = new Queue<DateTimeOffset>();
        }

        sent.Enqueue(now);
    }

    /// <summary>Forgets the stores that have made no call within the last minute, so the pacer does not grow with every store ever seen.</summary>
    public void Forget(DateTimeOffset now)
    {
        foreach (var (key, sent) in _perEndpoint.ToList())
        {
            Drop(sent, now - Minute);
            if (sent.Count == 0)
            {
                _perEndpoint.Remove(key);
            }
        }
    }

    private static TimeSpan Wait(Queue<DateTimeOffset> sent, int limit, TimeSpan window, DateTimeOffset now)
    {
        Drop(sent, now - window);
        // Full: the next call goes when the oldest one counted leaves the window.
        return sent.Count < limit ? TimeSpan.Zero : sent.ElementAt(sent.Count - limit) + window - now;
    }

    private static void Drop(Queue<DateTimeOffset> sent, DateTimeOffset before)
    {
        while (sent.Count > 0 && sent.Peek() <= before)
        {
            sent.Dequeue();
        }
    }
}
