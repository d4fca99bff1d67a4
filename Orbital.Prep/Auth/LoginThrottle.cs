using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
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
/// Failures are counted over a sliding window (the times of the last few are kept): with a fixed one, failures either side
/// of its edge would count as two windows' worth. Keys are bounded: usernames are checked for length before they get here,
/// device tokens are verified first, a key is only kept while it has failures in the window, and a client stops adding
/// keys once it has spent its own.
/// </summary>
public sealed class LoginThrottle(IOptions<AuthOptions> options, IOptions<AccessTokenOptions> tokens, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);
    private long _lastSweepTicks = time.GetUtcNow().UtcTicks;

    private readonly byte[] _deviceKey = SHA256.HashData(Encoding.UTF8.GetBytes("orbital-login-device\n" + tokens.Value.SigningKey));

    /// <summary>Whether an attempt may be tried now; if not, how long to wait.</summary>
    public (bool Allowed, TimeSpan RetryAfter) TryAttempt(LoginAttempt attempt)
    {
        var now = time.GetUtcNow();
        var window = options.Value.LoginWindow;
        foreach (var key in Keys(attempt))
        {
            if (!_failures.TryGetValue(key, out var failures))
            {
                continue;
            }

            lock (failures)
            {
                Forget(failures, now - window);
                if (failures.Count >= LimitOf(key))
                {
                    // Allowed again when the oldest failure still counted leaves the window.
                    return (false, failures.Peek() + window - now);
                }
            }
        }

        return (true, TimeSpan.Zero);
    }

    /// <summary>Counts a failed attempt against the account (or the device) and the client.</summary>
    public void Failed(LoginAttempt attempt)
    {
        var now = time.GetUtcNow();
        var window = options.Value.LoginWindow;
        foreach (var key in Keys(attempt))
        {
            while (true)
            {
                var failures = _failures.GetOrAdd(key, _ => new Queue<DateTimeOffset>());
                lock (failures)
                {
                    // A sweep may have just dropped this (empty) log: count in the one that is kept.
                    if (!_failures.TryGetValue(key, out var kept) || !ReferenceEquals(kept, failures))
                    {
                        continue;
                    }

                    Forget(failures, now - window);
                    failures.Enqueue(now);
                    // Only the last few failures decide; older ones need not be kept.
                    while (failures.Count > LimitOf(key))
                    {
                        failures.Dequeue();
                    }
                }

                break;
            }
        }

        SweepIfDue(now, window);
    }

    /// <summary>Drops the keys whose failures have all left the window, at most once a window.</summary>
    private void SweepIfDue(DateTimeOffset now, TimeSpan window)
    {
        var last = Interlocked.Read(ref _lastSweepTicks);
        if (now.UtcTicks - last < window.Ticks || Interlocked.CompareExchange(ref _lastSweepTicks, now.UtcTicks, last) != last)
        {
            return;
        }

        foreach (var (key, failures) in _failures)
        {
            lock (failures)
            {
                Forget(failures, now - window);
                if (failures.Count == 0)
                {
                    _failures.TryRemove(new KeyValuePair<string, Queue<DateTimeOffset>>(key, failures));
                }
            }
        }
    }

    private static void Forget(Queue<DateTimeOffset> failures, DateTimeOffset before)
    {
        while (failures.Count > 0 && failures.Peek() <= before)
        {
            failures.Dequeue();
        }
    }

    private int LimitOf(string key) =>
        key.StartsWith("client|", StringComparison.Ordinal) ? options.Value.LoginFailuresPerClientPerWindow : options.Value.LoginAttemptsPerWindow;

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
}

public sealed record LoginAttempt(string Account, string? Device, string Client);
