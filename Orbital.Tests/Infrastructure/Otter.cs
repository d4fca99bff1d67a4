using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orbital.Tests.Infrastructure;

/// <summary>Builds Otter webhooks in Otter's documented shape and sends them signed, as Otter does.</summary>
public static class Otter
{
    /// <summary>The development webhook secret the AppHost gives the Orders service (README).</summary>
    public const string WebhookSecret = "orbital-dev-webhook-secret";

    public const string StoreId = Kitchen.StoreId;

    public static string NewId() => Guid.NewGuid().ToString();

    public static JsonObject Event(string eventType, JsonNode? payload, DateTimeOffset? eventTime = null, string? eventId = null, string? resourceId = null) => new()
    {
        ["eventId"] = eventId ?? NewId(),
        ["eventTime"] = (eventTime ?? DateTimeOffset.UtcNow).ToString("O"),
        ["eventType"] = eventType,
        ["metadata"] = new JsonObject
        {
            ["storeId"] = StoreId,
            ["applicationId"] = "orbital-tests",
            ["resourceId"] = resourceId,
            ["resourceHref"] = null,
            ["payload"] = payload,
        },
    };

    public static JsonObject Order(string orderId, params JsonObject[] items) => new()
    {
        ["externalIdentifiers"] = new JsonObject { ["id"] = orderId, ["friendlyId"] = orderId[..6].ToUpperInvariant(), ["source"] = "ubereats", ["sourceType"] = "MARKETPLACE" },
        ["currencyCode"] = "EUR",
        ["status"] = "NEW_ORDER",
        ["items"] = new JsonArray([.. items]),
        ["orderedAt"] = "2026-11-25T12:00:00Z",
        ["customerNote"] = "ring twice",
        ["customer"] = new JsonObject { ["name"] = "Ada", ["phone"] = "+4930123456", ["email"] = "ada@example.com" },
        ["orderTotal"] = new JsonObject { ["subtotal"] = 21.50m, ["discount"] = 2.00m, ["tax"] = 1.85m, ["tip"] = 1.00m, ["deliveryFee"] = 2.49m, ["total"] = 24.84m, ["couponCode"] = "WELCOME" },
        ["fulfillmentInfo"] = new JsonObject { ["fulfillmentMode"] = "DELIVERY", ["schedulingType"] = "ASAP" },
        ["preparationTime"] = new JsonObject { ["estimatedPreparationTime"] = "PT20M" },
        ["promotionsDetails"] = new JsonArray(new JsonObject { ["externalId"] = "promo-1", ["name"] = "2 EUR off", ["value"] = 2.00m }),
        ["someFieldOtterAddsLater"] = new JsonObject { ["anything"] = true },
    };

    public static JsonObject Item(string lineId, string sku, string name, int quantity, params JsonObject[] modifiers) => new()
    {
        ["quantity"] = quantity,
        ["id"] = $"item-{sku}",
        ["lineItemId"] = lineId,
        ["skuId"] = sku,
        ["name"] = name,
        ["price"] = 7.25m,
        ["note"] = null,
        ["internalCategoryId"] = "cat-mains",
        ["internalCategoryName"] = "Mains",
        ["stationId"] = "grill",
        ["modifiers"] = new JsonArray([.. modifiers]),
    };

    public static JsonObject Modifier(string name, params JsonObject[] nested) => new()
    {
        ["quantity"] = 1,
        ["id"] = $"mod-{name}",
        ["name"] = name,
        ["price"] = 0.50m,
        ["groupName"] = "Extras",
        ["groupId"] = "extras",
        ["modifiers"] = new JsonArray([.. nested]),
    };

    public static string Sign(byte[] body, string secret = WebhookSecret) =>
        Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, JsonNode otterEvent, CancellationToken cancellationToken) =>
        client.SendRawAsync(Encoding.UTF8.GetBytes(otterEvent.ToJsonString()), cancellationToken);

    public static Task<HttpResponseMessage> SendRawAsync(this HttpClient client, byte[] body, CancellationToken cancellationToken, string? signature = null, bool signed = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/otter") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        if (signed)
        {
            request.Headers.Add("X-HMAC-SHA256", signature ?? Sign(body));
        }

        return client.SendAsync(request, cancellationToken);
    }

    /// <summary>Waits until the Orders service has stored the order (at least at <paramref name="version"/>).</summary>
    public static Task<JsonElement> WaitForOrderAsync(this HttpClient client, string orderId, long version = 1, TimeSpan? timeout = null) =>
        Poll.UntilAsync(async token =>
        {
            using var response = await client.GetAsync($"/orders/{orderId}", token);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(token) : default;
        }, order => order.ValueKind == JsonValueKind.Object && order.GetProperty("version").GetInt64() >= version,
        timeout ?? TimeSpan.FromSeconds(30), $"order {orderId} at version {version}");
}
