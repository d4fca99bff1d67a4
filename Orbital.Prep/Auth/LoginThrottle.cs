using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Orbital.Prep.Auth;

/// <summary>
/// Slows password guessing without handing anyone a way to lock the owner out. Only failed logins count:
/// <list type="bullet">
/// <item>per account, from devices the account has not logged in on: after a few failures, such attempts wait out the window;</item>
/// <item>per device the account has logged in on before (its <c>deviceToken</c>): its own few failures, so a guesser
/// elsewhere never locks the owner's tablet out;</item>
/// <item>per client address, whatever the account: spraying many usernames from one place is stopped too.</item>
/// </list>
/// Keys are bounded: usernames are checked for length before they get here, device tokens are verified first.
/// </summary>
public sealed class LoginThrottle(IOptions<AuthOptions> options, IOptions<AccessTokenOptions> tokens) : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures = PartitionedRateLimiter.Create<string, string>(key =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = key.StartsWith("client|", StringComparison.Ordinal) ? options.Value.LoginFailuresPerClientPerWindow : options.Value.LoginAttemptsPerWindow,
            Window = options.Value.LoginWindow,
            QueueLimit = 0,
        }));

    private readonly byte[] _deviceKey = SHA256.HashData(Encoding.UTF8.GetBytes("orbital-login-device\n" + tokens.Value.SigningKey));

    /// <summary>Whether an attempt may be tried now; if not, how long to wait.</summary>
    public (bool Allowed, TimeSpan RetryAfter) TryAttempt(LoginAttempt attempt)
    {
        foreach (var key in Keys(attempt))
        {
            // Asking for no permit tells whether any is left without spending one.
            using var lease = _failures.AttemptAcquire(key, permitCount: 0);
            if (!lease.IsAcquired)
            {
                return (false, lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : options.Value.LoginWindow);
            }
        }

        return (true, TimeSpan.Zero);
    }

    /// <summary>Counts a failed attempt against the account (or the device) and the client.</summary>
    public void Failed(LoginAttempt attempt)
    {
        foreach (var key in Keys(attempt))
        {
            _failures.AttemptAcquire(key).Dispose();
        }
    }

    /// <summary>The attempt as the throttle sees it: who for, from which device (when the token is genuine), from where.</summary>
    public LoginAttempt Attempt(string username, string? deviceToken, IPAddress? client) =>
        new(username.ToUpperInvariant(), DeviceOf(username, deviceToken), client?.ToString() ?? "unknown");

    /// <summary>A token the client keeps after logging in, naming the account and this device: it is trusted next time.</summary>
    public string IssueDeviceToken(string username)
    {
        var payload = Base64UrlEncoder.Encode($"{username.ToUpperInvariant()}\n{Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16))}");
        return $"{payload}.{Base64UrlEncoder.Encode(HMACSHA256.HashData(_deviceKey, Encoding.UTF8.GetBytes(payload)))}";
    }

    private string? DeviceOf(string username, string? deviceToken)
    {
        if (deviceToken is not { Length: > 0 and <= 512 } || deviceToken.Split('.') is not [var payload, var mac])
        {
            return null;
        }

        try
        {
            var expected = HMACSHA256.HashData(_deviceKey, Encoding.UTF8.GetBytes(payload));
            if (!CryptographicOperations.FixedTimeEquals(expected, Base64UrlEncoder.DecodeBytes(mac)))
            {
                return null;
            }

            var parts = Base64UrlEncoder.Decode(payload).Split('\n');
            return parts.Length == 2 && parts[0] == username.ToUpperInvariant() ? parts[1] : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static IEnumerable<string> Keys(LoginAttempt attempt)
    {
        yield return attempt.Device is { } device ? $"device|{device}" : $"account|{attempt.Account}";
        yield return $"client|{attempt.Client}";
    }

    public void Dispose() => _failures.Dispose();
}

public sealed record LoginAttempt(string Account, string? Device, string Client);
