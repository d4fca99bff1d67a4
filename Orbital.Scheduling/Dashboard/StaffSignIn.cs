using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Orbital.Scheduling.Dashboard;

/// <summary>What the sign-in authority answered: tokens, or why not (its problem's detail, and when to try again).</summary>
public sealed record SignInAnswer(string? AccessToken, string? RefreshToken, HttpStatusCode Status, string? Problem, TimeSpan? RetryAfter = null)
{
    public bool Succeeded => AccessToken is not null && RefreshToken is not null;
}

/// <summary>
/// Signs staff in with the authority that holds their accounts (Prep's <c>/auth</c>), over HTTP as any client would:
/// the jobs page of every service, Prep's own included, takes the same path. Refreshes are shared for a short while per
/// refresh token, because a rotated refresh token used twice revokes the session (the dashboard's page and its polling
/// can both find the access token expired at once).
/// </summary>
public sealed class StaffSignIn(HttpClient http, TimeProvider time)
{
    private static readonly TimeSpan RefreshShared = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, Lazy<Task<SignInAnswer>> Answer)> _refreshes = new(StringComparer.Ordinal);

    public Task<SignInAnswer> LogInAsync(string username, string password, CancellationToken cancellationToken) =>
        PostAsync("auth/login", new LoginBody(username, password), cancellationToken);

    public Task<SignInAnswer> RefreshAsync(string refreshToken, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var (key, earlier) in _refreshes)
        {
            if (now - earlier.At > RefreshShared)
            {
                _refreshes.TryRemove(key, out _);
            }
        }

        // Keyed by a hash: the dictionary does not keep the refresh token itself.
        var id = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(refreshToken)));
        var entry = _refreshes.GetOrAdd(id, _ => (now, new Lazy<Task<SignInAnswer>>(
            () => PostAsync("auth/refresh", new RefreshBody(refreshToken), CancellationToken.None))));
        return entry.Answer.Value.WaitAsync(cancellationToken);
    }

    /// <summary>Revokes the session's refresh token; a failure is not the operator's problem (the cookies go anyway).</summary>
    public async Task LogOutAsync(string refreshToken, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.PostAsJsonAsync("auth/logout", new RefreshBody(refreshToken), cancellationToken);
        }
        catch (HttpRequestException)
        {
        }
    }

    private async Task<SignInAnswer> PostAsync<TBody>(string path, TBody body, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.PostAsJsonAsync(path, body, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                var tokens = await response.Content.ReadFromJsonAsync<TokensBody>(cancellationToken);
                return new SignInAnswer(tokens?.AccessToken, tokens?.RefreshToken, response.StatusCode,
                    tokens?.AccessToken is null ? "The sign-in service answered without a token." : null);
            }

            var problem = response.Content.Headers.ContentType?.MediaType is "application/problem+json"
                ? await response.Content.ReadFromJsonAsync<ProblemBody>(cancellationToken)
                : null;
            return new SignInAnswer(null, null, response.StatusCode, problem?.Title ?? response.ReasonPhrase, response.Headers.RetryAfter?.Delta);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new SignInAnswer(null, null, HttpStatusCode.ServiceUnavailable, "The sign-in service (Prep) does not answer: try again in a moment.");
        }
    }

    private sealed record LoginBody([property: JsonPropertyName("username")] string Username, [property: JsonPropertyName("password")] string Password);

    private sealed record RefreshBody([property: JsonPropertyName("refreshToken")] string RefreshToken);

    private sealed record TokensBody(
        [property: JsonPropertyName("accessToken")] string? AccessToken,
        [property: JsonPropertyName("refreshToken")] string? RefreshToken);

    private sealed record ProblemBody([property: JsonPropertyName("title")] string? Title);
}
