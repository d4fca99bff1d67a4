using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Orbital.Batch.Screens;

/// <summary>
/// Slows guessing of pairing codes: wrong codes are counted per client address and over all clients, and past either
/// limit every code waits out the minute. Right codes do not count, so pairing a whole kitchen's screens from one
/// place is never slowed. With eight-digit codes that live ten minutes, a guesser at the global limit of 100 a minute
/// has about one chance in a hundred thousand per live code.
/// </summary>
public sealed class PairingThrottle(IOptions<ScreenOptions> options) : IDisposable
{
    private const string Everyone = "*";

    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = key == Everyone ? options.Value.FailedPairingsPerMinute : options.Value.FailedPairingsPerAddressPerMinute,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        }));

    /// <summary>Whether a code may be tried from this address now; if not, how long to wait.</summary>
    public (bool Allowed, TimeSpan RetryAfter) TryAttempt(IPAddress? client)
    {
        foreach (var key in Keys(client))
        {
            // Asking for no permit tells whether any is left without spending one.
            using var lease = _failures.AttemptAcquire(key, permitCount: 0);
            if (!lease.IsAcquired)
            {
                return (false, lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromMinutes(1));
            }
        }

        return (true, TimeSpan.Zero);
    }

    public void Failed(IPAddress? client)
    {
        foreach (var key in Keys(client))
        {
            _failures.AttemptAcquire(key).Dispose();
        }
    }

    private static IEnumerable<string> Keys(IPAddress? client)
    {
        yield return client?.ToString() ?? "unknown";
        yield return Everyone;
    }

    public void Dispose() => _failures.Dispose();
}
