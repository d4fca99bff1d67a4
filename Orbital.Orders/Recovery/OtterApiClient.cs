using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Orbital.Orders.Recovery;

/// <summary>
/// Otter's order feed over HTTP (<c>GET /manager/order/v1/orders</c>, paged), with the shared access token
/// (<see cref="OtterTokens"/>), renewed once when Otter answers 401. 429, 5xx and network errors
/// are retried by the client's resilience pipeline, which honours <c>Retry-After</c>.
/// </summary>
public sealed partial class OtterApiClient(
    HttpClient http,
    OtterTokens tokens,
    IOptions<OtterApiOptions> options,
    ILogger<OtterApiClient> logger) : IOtterOrderFeed
{
    public const string HttpClientName = "otter-api";
    public const string StoreHeader = "X-Store-Id";

    public bool IsConfigured => options.Value.IsConfigured;

    public async IAsyncEnumerable<JsonElement> ReadOrdersAsync(
        string storeId, DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var settings = options.Value;
        string? pageToken = null;
        var seenTokens = new HashSet<string>(StringComparer.Ordinal);
        var page = 0;
        do
        {
            var query = $"manager/order/v1/orders?limit={settings.PageSize}&minDateTime={Iso(from)}&maxDateTime={Iso(to)}";
            if (pageToken is not null)
            {
                query += $"&token={Uri.EscapeDataString(pageToken)}";
            }

            using var document = await GetJsonAsync(query, storeId, cancellationToken);
            page++;
            var orders = document.RootElement.TryGetProperty("orders", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(order => order.Clone()).ToList()
                : [];
            foreach (var order in orders)
            {
                yield return order;
            }

            pageToken = document.RootElement.TryGetProperty("offsetToken", out var next) && next.ValueKind == JsonValueKind.String
                ? next.GetString()
                : null;
            if (string.IsNullOrEmpty(pageToken) || orders.Count == 0)
            {
                pageToken = null;
            }
            else if (!seenTokens.Add(pageToken))
            {
                throw new OtterApiException($"Otter's order feed for store {storeId} returned page token '{pageToken}' twice; stopping to avoid a loop.");
            }
        }
        while (pageToken is not null);

        Log.FeedRead(logger, storeId, page);
    }

    private async Task<JsonDocument> GetJsonAsync(string relativeUri, string storeId, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var token = await tokens.GetAsync(http, forceRenewal: attempt > 1, cancellationToken);
            using var request = new HttpRequestMessage(HttpMethod.Get, relativeUri);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add(StoreHeader, storeId);
            using var response = await http.SendAsync(request, cancellationToken);
            // Otter documents rare 401s for valid tokens: renew once before giving up.
            if (response.StatusCode == HttpStatusCode.Unauthorized && attempt == 1)
            {
                Log.TokenRefused(logger, storeId);
                continue;
            }

            await EnsureSuccessAsync(response, "order feed", cancellationToken);
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        }
    }

    internal static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new OtterApiException(
            $"Otter's {what} answered {(int)response.StatusCode} {response.ReasonPhrase}: {(body.Length > 500 ? body[..500] : body)}");
    }

    private static string Iso(DateTimeOffset value) =>
        Uri.EscapeDataString(value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture));

    private static partial class Log
    {
        [LoggerMessage(EventId = 1602, Level = LogLevel.Warning, Message = "Otter refused the access token for store {StoreId}; requesting a new one")]
        public static partial void TokenRefused(ILogger logger, string storeId);

        [LoggerMessage(EventId = 1603, Level = LogLevel.Debug, Message = "Read Otter's order feed for store {StoreId} in {Pages} pages")]
        public static partial void FeedRead(ILogger logger, string storeId, int pages);
    }
}
