using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orbital.AppHost.Operations;

/// <summary>
/// What an operator does from the dashboard without a terminal: links on each service to its API page and its
/// jobs, on Batch to the kitchen and expo screens and the operations page; commands to send a sample order through Otter's webhook, signed as Otter signs,
/// and to replay a service's dead letters (as the bootstrap admin, whose password the AppHost holds).
/// </summary>
public static class DashboardCommands
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static void AddTo(
        IResourceBuilder<ProjectResource> orders,
        IResourceBuilder<ProjectResource> batch,
        IResourceBuilder<ProjectResource> prep,
        IResourceBuilder<ParameterResource> webhookSecret,
        IResourceBuilder<ParameterResource> adminPassword)
    {
        foreach (var service in new[] { orders, batch, prep })
        {
            service.WithUrlForEndpoint("http", url => url.DisplayText = "Home")
                .WithUrl(ReferenceExpression.Create($"{service.GetEndpoint("http")}/scalar/v1"), "API")
                .WithUrl(ReferenceExpression.Create($"{service.GetEndpoint("http")}/jobs"), "Jobs");
        }

        batch.WithUrl(ReferenceExpression.Create($"{batch.GetEndpoint("http")}/"), "Kitchen screen")
            .WithUrl(ReferenceExpression.Create($"{batch.GetEndpoint("http")}/expo?kitchen=london"), "Expo screen (London)")
            .WithUrl(ReferenceExpression.Create($"{batch.GetEndpoint("http")}/operations"), "Operations");

        orders.WithCommand("send-sample-order", "Send a sample order",
            context => SendSampleOrderAsync(orders, webhookSecret, context.CancellationToken),
            new CommandOptions { Description = "A Smash Club London order (burgers with a note, fries), signed and sent to POST /webhooks/otter as Otter would.", IconName = "Food" });

        foreach (var service in new[] { orders, batch, prep })
        {
            service.WithCommand("replay-dead-letters", "Replay dead letters",
                context => ReplayDeadLettersAsync(service, prep, adminPassword, context.CancellationToken),
                new CommandOptions
                {
                    Description = "Sends every dead letter of this service's queues back through its consumer (recorded in the audit trail).",
                    ConfirmationMessage = "Send all of this service's dead letters back through its consumers?",
                    IconName = "ArrowReply",
                });
        }
    }

    private static async Task<ExecuteCommandResult> SendSampleOrderAsync(
        IResourceBuilder<ProjectResource> orders, IResourceBuilder<ParameterResource> webhookSecret, CancellationToken cancellationToken)
    {
        var orderId = Guid.NewGuid().ToString();
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        JsonObject Line(string id, string name, int quantity, decimal price, string station, string? note = null) => new()
        {
            ["quantity"] = quantity, ["id"] = id, ["lineItemId"] = $"line-{id}", ["skuId"] = id, ["name"] = name,
            ["price"] = price, ["stationId"] = station, ["note"] = note, ["modifiers"] = new JsonArray(),
        };
        var webhook = new JsonObject
        {
            ["eventId"] = Guid.NewGuid().ToString(),
            ["eventTime"] = now,
            ["eventType"] = "orders.new_order",
            ["metadata"] = new JsonObject
            {
                ["storeId"] = "smash-club-london",
                ["applicationId"] = "dashboard",
                ["resourceId"] = orderId,
                ["payload"] = new JsonObject
                {
                    ["externalIdentifiers"] = new JsonObject { ["id"] = orderId, ["friendlyId"] = orderId[..6], ["source"] = "ubereats" },
                    ["currencyCode"] = "GBP",
                    ["status"] = "NEW_ORDER",
                    ["orderedAt"] = now,
                    ["customer"] = new JsonObject { ["name"] = "Grace Hopper" },
                    ["customerNote"] = "Sample order from the dashboard",
                    ["fulfillmentInfo"] = new JsonObject { ["fulfillmentMode"] = "DELIVERY", ["schedulingType"] = "ASAP" },
                    ["items"] = new JsonArray(Line("burger", "Smash burger", 2, 8.50m, "grill", "No pickles"), Line("fries", "Fries", 1, 2.40m, "fryer")),
                },
            },
        };
        var body = Encoding.UTF8.GetBytes(webhook.ToJsonString());
        var secret = await webhookSecret.Resource.GetValueAsync(cancellationToken) ?? string.Empty;
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{orders.GetEndpoint("http").Url}/webhooks/otter") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add("X-HMAC-SHA256", Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body)));
        try
        {
            using var response = await Http.SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode
                ? CommandResults.Success($"Order {orderId} sent to smash-club-london: burgers on the grill, fries on the fryer.")
                : CommandResults.Failure($"Orders answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
        catch (HttpRequestException ex)
        {
            return CommandResults.Failure($"Orders is not reachable: {ex.Message}");
        }
    }

    private static async Task<ExecuteCommandResult> ReplayDeadLettersAsync(
        IResourceBuilder<ProjectResource> service, IResourceBuilder<ProjectResource> prep, IResourceBuilder<ParameterResource> adminPassword,
        CancellationToken cancellationToken)
    {
        try
        {
            var password = await adminPassword.Resource.GetValueAsync(cancellationToken);
            using var login = await Http.PostAsJsonAsync($"{prep.GetEndpoint("http").Url}/auth/login", new { username = "admin", password }, cancellationToken);
            if (!login.IsSuccessStatusCode)
            {
                return CommandResults.Failure($"Logging in at Prep as the bootstrap admin failed ({(int)login.StatusCode}).");
            }

            var token = (await login.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("accessToken").GetString();
            var baseUrl = service.GetEndpoint("http").Url;
            using var counts = new HttpRequestMessage(HttpMethod.Get, $"{baseUrl}/dead-letters");
            counts.Headers.Authorization = new("Bearer", token);
            using var countsResponse = await Http.SendAsync(counts, cancellationToken);
            countsResponse.EnsureSuccessStatusCode();
            var replayed = new List<string>();
            foreach (var queue in (await countsResponse.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("queues").EnumerateArray())
            {
                if (queue.GetProperty("waiting").GetUInt32() == 0)
                {
                    continue;
                }

                var name = queue.GetProperty("queue").GetString();
                using var replay = new HttpRequestMessage(HttpMethod.Post, $"{baseUrl}/dead-letters/{Uri.EscapeDataString(name!)}/replay?max=10000");
                replay.Headers.Authorization = new("Bearer", token);
                using var replayResponse = await Http.SendAsync(replay, cancellationToken);
                replayResponse.EnsureSuccessStatusCode();
                replayed.Add($"{name}: {(await replayResponse.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("replayed").GetInt32()}");
            }

            return CommandResults.Success(replayed.Count == 0 ? "No dead letters were waiting." : $"Replayed {string.Join(", ", replayed)}.");
        }
        catch (HttpRequestException ex)
        {
            return CommandResults.Failure($"Could not replay: {ex.Message}");
        }
    }
}
