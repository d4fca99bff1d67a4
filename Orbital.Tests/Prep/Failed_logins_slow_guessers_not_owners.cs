using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orbital.Prep.Auth;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// Failed logins are counted per account (from devices it never logged in on), per device it did log in on, and per
/// client address whatever the account. A guesser can stop guessing, not stop the owner's tablet from logging in.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Failed_logins_slow_guessers_not_owners(OrbitalAppFixture orbital)
{
    private static LoginThrottle Throttle(TimeProvider? time = null) => new(
        Options.Create(new AuthOptions { LoginAttemptsPerWindow = 5, LoginFailuresPerClientPerWindow = 20, LoginWindow = TimeSpan.FromMinutes(1) }),
        Options.Create(new AccessTokenOptions { SigningKey = PrepAccess.SigningKey }),
        time ?? new FakeTimeProvider());

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Five_wrong_passwords_elsewhere_do_not_keep_the_owner_out_of_a_device_they_used_before()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var admin = await orbital.SignedInAsync("admin");
        var username = $"prep_cook-{Guid.NewGuid():N}";
        var password = $"pw-{Guid.NewGuid():N}";
        (await admin.PostAsJsonAsync("/auth/users", new { username, role = "prep_cook", password, locations = new[] { "london" } }, cancellationToken)).Dispose();
        using var tablet = orbital.Anonymous();
        var deviceToken = (await tablet.LoginAsync(username, password)).GetProperty("deviceToken").GetString();
        using var guesser = orbital.Anonymous();

        for (var attempt = 0; attempt < 5; attempt++)
        {
            using var wrong = await guesser.PostAsJsonAsync("/auth/login", new { username, password = $"guess-{attempt}" }, cancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var guesserAgain = await guesser.PostAsJsonAsync("/auth/login", new { username, password }, cancellationToken);
        using var forged = await guesser.PostAsJsonAsync("/auth/login", new { username, password, deviceToken = deviceToken![..^4] + "AAAA" }, cancellationToken);
        using var owner = await tablet.PostAsJsonAsync("/auth/login", new { username, password, deviceToken }, cancellationToken);

        Assert.Equal(HttpStatusCode.TooManyRequests, guesserAgain.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, forged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, owner.StatusCode);
    }

    [Fact]
    public void Spraying_many_usernames_from_one_client_is_stopped_there_only()
    {
        var throttle = Throttle();
        var sprayer = System.Net.IPAddress.Parse("203.0.113.7");
        for (var name = 0; name < 20; name++)
        {
            var attempt = throttle.Attempt($"user-{name}", null, sprayer);
            Assert.True(throttle.TryAttempt(attempt).Allowed);
            throttle.Failed(attempt);
        }

        Assert.False(throttle.TryAttempt(throttle.Attempt("user-20", null, sprayer)).Allowed);
        Assert.True(throttle.TryAttempt(throttle.Attempt("user-20", null, System.Net.IPAddress.Parse("198.51.100.1"))).Allowed);
    }

    [Fact]
    public void A_device_token_is_trusted_only_for_its_own_account_and_only_as_issued()
    {
        var throttle = Throttle();
        var token = throttle.IssueDeviceToken("Ada");

        Assert.NotNull(throttle.Attempt("ada", token, null).Device);
        Assert.Null(throttle.Attempt("grace", token, null).Device);
        Assert.Null(throttle.Attempt("ada", token[..^2] + (token[^2] == 'A' ? "BA" : "AA"), null).Device);
        Assert.Null(throttle.Attempt("ada", "not.a-token", null).Device);
        Assert.Null(throttle.Attempt("ada", null, null).Device);
    }

    [Fact]
    public void Failures_on_a_trusted_device_count_against_that_device_not_the_account()
    {
        var throttle = Throttle();
        var client = System.Net.IPAddress.Loopback;
        var owners = throttle.IssueDeviceToken("ada");
        for (var guess = 0; guess < 5; guess++)
        {
            throttle.Failed(throttle.Attempt("ada", null, client));
        }

        Assert.False(throttle.TryAttempt(throttle.Attempt("ada", null, client)).Allowed);
        Assert.True(throttle.TryAttempt(throttle.Attempt("ada", owners, client)).Allowed);
    }

    [Fact]
    public void Failures_count_over_the_last_window_wherever_a_minute_begins_and_are_forgotten_after_it()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 58, TimeSpan.Zero));
        var throttle = Throttle(clock);
        var guess = throttle.Attempt("ada", null, System.Net.IPAddress.Loopback);
        // Five failures within four seconds, either side of a minute's edge.
        foreach (var wait in new[] { 0, 1, 1, 1, 1 })
        {
            clock.Advance(TimeSpan.FromSeconds(wait));
            Assert.True(throttle.TryAttempt(guess).Allowed);
            throttle.Failed(guess);
        }

        var (allowed, retryAfter) = throttle.TryAttempt(guess);
        Assert.False(allowed);
        Assert.Equal(TimeSpan.FromSeconds(56), retryAfter);

        clock.Advance(TimeSpan.FromSeconds(55));
        Assert.False(throttle.TryAttempt(guess).Allowed);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(throttle.TryAttempt(guess).Allowed);
        throttle.Failed(guess);
        Assert.False(throttle.TryAttempt(guess).Allowed);
    }
}
