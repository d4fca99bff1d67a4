using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

[Collection(OrbitalCollection.Name)]
public sealed class Logging_in_refreshing_and_logging_out(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_refresh_token_works_once_and_replaying_it_ends_the_whole_login()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var admin = await orbital.SignedInAsync("admin");
        var (username, password) = await NewUserAsync(admin, "prep_cook");
        using var client = orbital.Anonymous();

        var login = await client.LoginAsync(username, password);
        Assert.Equal("prep_cook", login.GetProperty("role").GetString());
        Assert.InRange(login.GetProperty("expiresIn").GetInt32(), 60, 15 * 60);
        var me = await MeAsync(client, login.GetProperty("accessToken").GetString()!);
        Assert.Equal(username, me.GetProperty("username").GetString());

        var first = login.GetProperty("refreshToken").GetString()!;
        using var rotated = await client.PostAsJsonAsync("/auth/refresh", new { refreshToken = first }, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var second = (await rotated.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("refreshToken").GetString()!;
        Assert.NotEqual(first, second);

        using var replayed = await client.PostAsJsonAsync("/auth/refresh", new { refreshToken = first }, cancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, replayed.StatusCode);
        Assert.Equal("application/problem+json", replayed.Content.Headers.ContentType?.MediaType);
        using var afterReplay = await client.PostAsJsonAsync("/auth/refresh", new { refreshToken = second }, cancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, afterReplay.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Two_refreshes_racing_with_one_token_give_one_session_and_are_seen_as_a_replay()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var admin = await orbital.SignedInAsync("admin");
        var (username, password) = await NewUserAsync(admin, "prep_cook");
        using var first = orbital.Anonymous();
        using var second = orbital.Anonymous();

        for (var race = 0; race < 12; race++)
        {
            var token = (await first.LoginAsync(username, password)).GetProperty("refreshToken").GetString();
            var answers = await Task.WhenAll(
                first.PostAsJsonAsync("/auth/refresh", new { refreshToken = token }, cancellationToken),
                second.PostAsJsonAsync("/auth/refresh", new { refreshToken = token }, cancellationToken));

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Unauthorized], answers.Select(a => a.StatusCode).Order());
            var winner = answers.Single(a => a.StatusCode == HttpStatusCode.OK);
            var successor = (await winner.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("refreshToken").GetString();
            using var afterRace = await first.PostAsJsonAsync("/auth/refresh", new { refreshToken = successor }, cancellationToken);
            Assert.Equal(HttpStatusCode.Unauthorized, afterRace.StatusCode);
            foreach (var answer in answers)
            {
                answer.Dispose();
            }
        }
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Logging_out_revokes_the_refresh_token_and_a_deactivated_user_cannot_refresh()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var admin = await orbital.SignedInAsync("admin");
        var (username, password) = await NewUserAsync(admin, "manager");
        using var client = orbital.Anonymous();

        var session = await client.LoginAsync(username, password);
        using (var logout = await client.PostAsJsonAsync("/auth/logout", new { refreshToken = session.GetProperty("refreshToken").GetString() }, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        }

        using var afterLogout = await client.PostAsJsonAsync("/auth/refresh", new { refreshToken = session.GetProperty("refreshToken").GetString() }, cancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, afterLogout.StatusCode);

        var again = await client.LoginAsync(username, password);
        var users = await admin.GetFromJsonAsync<List<JsonElement>>("/auth/users", cancellationToken);
        var id = users!.Single(u => u.GetProperty("username").GetString() == username).GetProperty("id").GetString();
        using (var deactivate = await admin.PutAsJsonAsync($"/auth/users/{id}", new { active = false }, cancellationToken))
        {
            deactivate.EnsureSuccessStatusCode();
        }

        using var refreshDeactivated = await client.PostAsJsonAsync("/auth/refresh", new { refreshToken = again.GetProperty("refreshToken").GetString() }, cancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refreshDeactivated.StatusCode);
        using var loginDeactivated = await client.PostAsJsonAsync("/auth/login", new { username, password }, cancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, loginDeactivated.StatusCode);
        // The access token still has minutes to run, and Prep refuses it now: it checks the account on every request.
        using var meDeactivated = await client.SendWithTokenAsync(HttpMethod.Get, "/auth/me", again.GetProperty("accessToken").GetString(), cancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, meDeactivated.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Wrong_passwords_are_refused_and_repeated_attempts_are_throttled()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var admin = await orbital.SignedInAsync("admin");
        var (username, password) = await NewUserAsync(admin, "prep_cook");
        using var client = orbital.Anonymous();

        var statuses = new List<HttpStatusCode>();
        for (var attempt = 0; attempt < 6; attempt++)
        {
            using var response = await client.PostAsJsonAsync("/auth/login", new { username, password = "not-the-password" }, cancellationToken);
            statuses.Add(response.StatusCode);
        }

        using var throttled = await client.PostAsJsonAsync("/auth/login", new { username, password }, cancellationToken);

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.NotNull(throttled.Headers.RetryAfter);
        var (otherName, otherPassword) = await NewUserAsync(admin, "prep_cook");
        using var otherUser = await client.PostAsJsonAsync("/auth/login", new { username = otherName, password = otherPassword }, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, otherUser.StatusCode);
    }

    private static async Task<(string Username, string Password)> NewUserAsync(HttpClient admin, string role)
    {
        var username = $"{role}-{Guid.NewGuid():N}";
        var password = $"pw-{Guid.NewGuid():N}";
        using var created = await admin.PostAsJsonAsync("/auth/users", new { username, role, password, allLocations = true }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (username, password);
    }

    private static async Task<JsonElement> MeAsync(HttpClient client, string accessToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/auth/me");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
    }
}
