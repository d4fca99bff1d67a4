using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Orbital.Bench;

/// <summary>Signed Otter webhooks, as Otter sends them.</summary>
public static class Webhooks
{
    public const string Secret = "orbital-dev-webhook-secret";

    public static byte[] NewOrder(string orderId, string storeId, string stationId, IReadOnlyList<(string Sku, int Quantity)> lines)
    {
        var now = DateTimeOffset.UtcNow;
        var items = new JsonArray([.. lines.Select((l, i) => (JsonNode)new JsonObject
        {
            ["quantity"] = l.Quantity,
            ["id"] = $"item-{l.Sku}",
            ["lineItemId"] = $"line-{i + 1}",
            ["skuId"] = l.Sku,
            ["name"] = $"Bench {l.Sku}",
            ["price"] = 6.5m,
            ["stationId"] = stationId,
            ["modifiers"] = new JsonArray(new JsonObject { ["quantity"] = 1, ["id"] = "salt", ["name"] = "Salt", ["groupName"] = "Extras", ["modifiers"] = new JsonArray() }),
        })]);
        var body = new JsonObject
        {
            ["eventId"] = Guid.NewGuid().ToString(),
            ["eventTime"] = now.ToString("O"),
            ["eventType"] = "orders.new_order",
            ["metadata"] = new JsonObject
            {
                ["storeId"] = storeId,
                ["applicationId"] = "orbital-bench",
                ["resourceId"] = orderId,
                ["payload"] = new JsonObject
                {
                    ["externalIdentifiers"] = new JsonObject { ["id"] = orderId, ["friendlyId"] = orderId[..6], ["source"] = "ubereats" },
                    ["currencyCode"] = "EUR",
                    ["status"] = "NEW_ORDER",
                    ["items"] = items,
                    ["orderedAt"] = now.ToString("O"),
                    ["customer"] = new JsonObject { ["name"] = "Bench", ["phone"] = "+4930000000" },
                    ["orderTotal"] = new JsonObject { ["subtotal"] = 20m, ["tax"] = 1.6m, ["total"] = 21.6m },
                    ["fulfillmentInfo"] = new JsonObject { ["fulfillmentMode"] = "DELIVERY", ["schedulingType"] = "ASAP" },
                    ["preparationTime"] = new JsonObject { ["estimatedPreparationTime"] = "PT15M" },
                },
            },
        };
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    public static HttpRequestMessage Request(byte[] body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/otter") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-HMAC-SHA256", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body)));
        return request;
    }
}

/// <summary>Latency samples and their percentiles.</summary>
public sealed class Latencies
{
    private readonly List<double> _milliseconds = [];
    private readonly Lock _lock = new();

    public void Add(TimeSpan elapsed)
    {
        lock (_lock)
        {
            _milliseconds.Add(elapsed.TotalMilliseconds);
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _milliseconds.Count;
            }
        }
    }

    public double Percentile(double p)
    {
        lock (_lock)
        {
            if (_milliseconds.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _milliseconds.Order().ToList();
            return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p / 100 * sorted.Count) - 1 < 0 ? 0 : (int)Math.Ceiling(p / 100 * sorted.Count) - 1)];
        }
    }

    public double Max => Percentile(100);
}
