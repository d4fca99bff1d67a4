using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Orbital.Prep.Auth;

/// <summary>Login attempts per username in a fixed window, so a password cannot be guessed at speed.</summary>
public sealed class LoginThrottle(IOptions<AuthOptions> options) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter = PartitionedRateLimiter.Create<string, string>(username =>
        RateLimitPartition.GetFixedWindowLimiter(username.ToUpperInvariant(), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = options.Value.LoginAttemptsPerWindow,
            Window = options.Value.LoginWindow,
            QueueLimit = 0,
        }));

    /// <summary>True when another attempt is allowed now; otherwise how long to wait.</summary>
    public (bool Allowed, TimeSpan RetryAfter) TryAttempt(string username)
    {
        using var lease = _limiter.AttemptAcquire(username);
        if (lease.IsAcquired)
        {
            return (true, TimeSpan.Zero);
        }

        return (false, lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : options.Value.LoginWindow);
    }

    public void Dispose() => _limiter.Dispose();
}
