using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Orbital.Orders.Recovery;

/// <summary>
/// Otter's OAuth client-credentials token (<c>POST /v1/auth/token</c>), shared by every caller of Otter's Public API
/// (the order feed, the calls that tell Otter of the kitchen's steps) for as long as Otter lets it live (30 days today),
/// renewed shortly before it expires or when Otter refuses it.
/// </summary>
public sealed partial class OtterTokens(IOptions<OtterApiOptions> options, TimeProvider time, ILogger<OtterTokens> logger)
{
    private static readonly TimeSpan ExpiryMargin = TimeSpan.FromMinutes(1);
    private readonly SemaphoreSlim _lock = new(1, 1);
    private OtterAccessToken? _current;

    /// <param name="http">The caller's client (its base address is Otter's host).</param>
    /// <param name="forceRenewal">Otter refused the token in hand (it documents rare 401s for valid tokens).</param>
    public async Task<string> GetAsync(HttpClient http, bool forceRenewal, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!forceRenewal && _current is { } cached && cached.RenewAt > now)
        {
            return cached.Value;
        }

        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (!forceRenewal && _current is { } fresh && fresh.RenewAt > now)
            {
                return fresh.Value;
            }

            var settings = options.Value;
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/auth/token")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["client_id"] = settings.ClientId,
                    ["client_secret"] = settings.ClientSecret,
                    ["scope"] = settings.Scope,
                }),
            };
            using var response = await http.SendAsync(request, cancellationToken);
            await OtterApiClient.EnsureSuccessAsync(response, "token request", cancellationToken);
            var issued = await response.Content.ReadFromJsonAsync(OtterApiJson.Default.TokenResponse, cancellationToken);
            if (string.IsNullOrEmpty(issued?.AccessToken))
            {
                throw new OtterApiException("Otter's token endpoint answered without an access_token.");
            }

            var lifetime = TimeSpan.FromSeconds(Math.Max(issued.ExpiresIn ?? 0, 0));
            var margin = lifetime > 2 * ExpiryMargin ? ExpiryMargin : lifetime / 2;
            _current = new OtterAccessToken(issued.AccessToken, now + lifetime - margin);
            Log.TokenIssued(logger, lifetime.TotalSeconds);
            return issued.AccessToken;
        }
        finally
        {
            _lock.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1601, Level = LogLevel.Information, Message = "Otter access token issued, valid for {Seconds} s")]
        public static partial void TokenIssued(ILogger logger, double seconds);
    }
}

internal sealed record OtterAccessToken(string Value, DateTimeOffset RenewAt);

internal sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("expires_in")] long? ExpiresIn,
    [property: JsonPropertyName("scope")] string? Scope,
    [property: JsonPropertyName("token_type")] string? TokenType);

[JsonSerializable(typeof(TokenResponse))]
internal sealed partial class OtterApiJson : JsonSerializerContext;
