using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Npgsql;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

/// <summary>
/// Generated webhooks (CsCheck): garbage, broken and wrongly typed JSON, huge and deeply nested bodies, missing and extra
/// fields, bad or missing signatures, replayed event ids, well-formed events with absurd orders, NUL characters and lone
/// surrogates in every text field, and times out of any order's range in every time field. Every answer is 2xx or a 4xx
/// problem, never 5xx; the service stays healthy; every signed event it accepted is processed or dead-lettered, and a
/// good order whose only fault is its text is processed, never dead-lettered; a time out of range is refused with 400.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Bad_input_never_gets_a_5xx_and_nothing_accepted_is_lost(OrbitalAppFixture orbital)
{
    private const int Cases = 10_000;
    private static readonly string[] ReplayedIds = [.. Enumerable.Range(0, 40).Select(_ => Guid.NewGuid().ToString())];

    [Fact(Timeout = 10 * 60_000)]
    public async Task Ten_thousand_generated_webhooks()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var accepted = new ConcurrentDictionary<string, string>();
        var mustBeCooked = new ConcurrentDictionary<string, byte>();
        var statuses = new ConcurrentDictionary<int, int>();

        await WebhookCase.Generator.SampleAsync(async webhook =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/otter") { Content = new ByteArrayContent(webhook.Body) };
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            if (webhook.Signature is not null)
            {
                request.Headers.TryAddWithoutValidation("X-HMAC-SHA256", webhook.Signature);
            }

            using var response = await orders.SendAsync(request, cancellationToken);
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            var status = (int)response.StatusCode;
            if (status >= 500)
            {
                throw new InvalidOperationException($"{status} for a {webhook.Kind} webhook: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            if (webhook.Refused)
            {
                Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            }

            if (status is >= 400 and < 500)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
            else if (webhook.AcceptedEventId is { } eventId)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                accepted.TryAdd(eventId, webhook.Kind);
                if (webhook.MustBeCooked)
                {
                    mustBeCooked.TryAdd(eventId, 0);
                }
            }
        }, iter: Cases, threads: 8, print: webhook => $"{webhook.Kind}: {Encoding.UTF8.GetString(webhook.Body.AsSpan(0, Math.Min(webhook.Body.Length, 300)))}");

        TestContext.Current.SendDiagnosticMessage($"statuses: {string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}"))}");
        Assert.True(accepted.Count > Cases / 4, $"only {accepted.Count} events were accepted: the generator should make many valid ones");
        Assert.True(statuses.Keys.Count(s => s is >= 400 and < 500) >= 3, "bad input of several kinds was refused");

        var health = await orbital.HealthAsync(ResourceNames.OrdersService, cancellationToken);
        Assert.NotEqual("Unhealthy", health.Status);

        Assert.True(mustBeCooked.Count > Cases / 50, $"only {mustBeCooked.Count} good orders with odd text were generated");
        await EveryAcceptedEventIsProcessedOrDeadLetteredAsync(accepted, mustBeCooked.Keys.ToHashSet());
        await BacklogDrainedAsync();
    }

    /// <summary>The thousands of orders accepted here are batched before the next test, which would otherwise wait behind them.</summary>
    private async Task BacklogDrainedAsync()
    {
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        await Poll.UntilAsync(async _ => await broker.MessageCountAsync(Queues.OrdersOtterEvents) + await broker.MessageCountAsync(Queues.BatchStructuredOrders),
            backlog => backlog == 0, TimeSpan.FromMinutes(5), "the orders and batch queues to drain");
    }

    private async Task EveryAcceptedEventIsProcessedOrDeadLetteredAsync(IReadOnlyDictionary<string, string> kinds, HashSet<string> mustBeCooked)
    {
        var accepted = kinds.Keys.ToHashSet();
        List<string> left = [];
        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var deadLettered = new Dictionary<string, string?>();
        var missing = await Poll.UntilAsync(async token =>
        {
            while (await broker.GetAsync(Topology.DeadLetterQueueFor(Queues.OrdersOtterEvents)) is { } letter)
            {
                deadLettered[letter.Properties.MessageId ?? string.Empty] = letter.Headers.GetValueOrDefault(MessageHeaders.DeadLetterReason);
            }

            await using var command = database.CreateCommand("SELECT event_id FROM otter.raw_events WHERE event_id = ANY($1)");
            command.Parameters.Add(new NpgsqlParameter { Value = accepted.ToArray() });
            var processed = new HashSet<string>();
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                processed.Add(reader.GetString(0));
            }

            return left = [.. accepted.Where(id => !processed.Contains(id) && !deadLettered.ContainsKey(id))];
        }, left => left.Count == 0, TimeSpan.FromMinutes(5),
            () => $"every accepted event processed or dead-lettered ({left.Count} not, such as: {string.Join("; ", left.Take(5).Select(id => $"{id} ({kinds[id]})"))})");

        Assert.Empty(missing);
        Assert.Empty(deadLettered.Where(d => mustBeCooked.Contains(d.Key)).Select(d => $"{d.Key}: {d.Value}"));
        Assert.All(deadLettered.Where(d => accepted.Contains(d.Key)), d => Assert.False(string.IsNullOrWhiteSpace(d.Value), $"dead letter {d.Key} has no reason"));
    }

    /// <summary>One generated webhook, what kind it is, and the event id it carries when it should be accepted.</summary>
    private sealed record WebhookCase(string Kind, byte[] Body, string? Signature, string? AcceptedEventId, bool MustBeCooked = false, bool Refused = false)
    {
        private static readonly Gen<string> Text = Gen.String[Gen.Char.AlphaNumeric, 0, 40];

        private static readonly Gen<JsonNode?> Absurd = Gen.OneOf<JsonNode?>(
            Gen.Const<JsonNode?>((JsonNode?)null), Gen.Int.Select(i => (JsonNode?)i), Gen.Double.Select(d => double.IsFinite(d) ? (JsonNode?)d : 0),
            Text.Select(s => (JsonNode?)s), Gen.Bool.Select(b => (JsonNode?)b), Gen.Const<JsonNode?>(new JsonArray()), Gen.Const<JsonNode?>(new JsonObject()));

        private static readonly Gen<JsonObject> Item = Gen.Select(Gen.Int[-5, 1_005], Text, Gen.Int[0, 3], Gen.Frequency((9, Gen.Const(0)), (1, Gen.Int[500, 1_100])),
            (quantity, name, nested, modifiers) =>
            {
                var item = Otter.Item($"line-{name}", $"sku-{name}", name, 1);
                item["quantity"] = quantity;
                item["modifiers"] = new JsonArray([.. Enumerable.Range(0, modifiers).Select(i => (JsonNode)Otter.Modifier($"m{i}"))]);
                if (nested > 2)
                {
                    item["modifiers"]!.AsArray().Add(Otter.Modifier("outer", Otter.Modifier("inner", Otter.Modifier("innermost"))));
                }

                return item;
            });

        /// <summary>A signed, well-formed event whose order may be absurd (0 items, negative or huge quantities, 1,000 modifiers).</summary>
        private static readonly Gen<WebhookCase> ValidButAbsurd = Gen.Select(Item.Array[0, 6], Gen.Int[0, 99], Gen.OneOf(
                Gen.Const("orders.new_order"), Gen.Const("orders.update"), Gen.Const("orders.cancel_order"), Gen.Const("orders.order_ready"),
                Gen.Const("orders.order_status_update"), Gen.Const("menus.something_new"), Gen.Const("ping.ping")),
            (items, replay, type) =>
            {
                var eventId = replay < 10 ? ReplayedIds[replay % ReplayedIds.Length] : Guid.NewGuid().ToString();
                var order = Otter.Order(Guid.NewGuid().ToString(), items);
                var payload = type switch
                {
                    "orders.cancel_order" => new JsonObject { ["externalIdentifiers"] = order["externalIdentifiers"]!.DeepClone(), ["cancellationReason"] = "FUZZ" },
                    "orders.order_ready" => new JsonObject { ["orderId"] = order["externalIdentifiers"]!["id"]!.GetValue<string>() },
                    "orders.order_status_update" => new JsonObject { ["orderStatusHistory"] = new JsonArray(new JsonObject { ["status"] = "PREPARED", ["eventTime"] = "soon" }) },
                    _ => (JsonNode)order,
                };
                var body = Bytes(Otter.Event(type, payload, eventId: eventId));
                return new WebhookCase($"valid {type} with {items.Length} items", body, Otter.Sign(body), type == "ping.ping" ? null : eventId);
            });

        /// <summary>Text PostgreSQL cannot store as it is: a NUL, a lone surrogate (escaped, as JSON must carry them).</summary>
        private static readonly Gen<string> Unstorable = Gen.OneOf(Gen.Const("\\u0000"), Gen.Const("\\ud800"), Gen.Const("\\udfff"), Gen.Const("a\\u0000\\u0000b"));

        private static readonly string[] TextFields =
            ["eventId", "storeId", "friendlyId", "customerNote", "name", "phone", "email", "lineItemId", "skuId", "note", "internalCategoryName", "groupName", "couponCode", "currencyCode"];

        private static readonly string[] TimeFields = ["eventTime", "orderedAt", "pickupTime", "estimatedPickupTime", "deliveryTime"];

        /// <summary>A good order (or update) whose text fields carry NULs and lone surrogates: it must be cooked.</summary>
        private static readonly Gen<WebhookCase> GoodOrderWithUnstorableText = Gen.Select(Gen.Int[0, TextFields.Length - 1].Array[1, 4], Unstorable, Gen.Bool,
            (fields, bad, update) =>
            {
                var eventId = Guid.NewGuid().ToString();
                var order = Otter.Order(Guid.NewGuid().ToString(), Otter.Item("line-1", "burger", "Burger", 1, Otter.Modifier("cheese")), Otter.Item("line-2", "fries", "Fries", 2));
                order["items"]![0]!["note"] = "marker-note";
                var json = Otter.Event(update ? "orders.update" : "orders.new_order", order, eventId: eventId).ToJsonString();
                foreach (var field in fields.Distinct().Select(i => TextFields[i]))
                {
                    // The first string value of that field starts with the bad text.
                    var at = json.IndexOf($"\"{field}\":\"", StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        var start = at + field.Length + 4;
                        json = json[..start] + bad + json[start..];
                    }
                }

                var body = Encoding.UTF8.GetBytes(json);
                // Stored under its id as cleaned: NULs gone, a lone surrogate replaced by U+FFFD.
                var storedId = fields.Select(i => TextFields[i]).Contains("eventId")
                    ? (bad.Contains("ud", StringComparison.Ordinal) ? "\uFFFD" : string.Empty) + (bad.StartsWith('a') ? "ab" : string.Empty) + eventId
                    : eventId;
                return new WebhookCase($"good order with {bad} in {string.Join(", ", fields.Distinct().Select(i => TextFields[i]))}", body, Otter.Sign(body),
                    storedId, MustBeCooked: true);
            });

        /// <summary>A good order with one time no order can have (year 9999, year 1, 1900): refused with a 400.</summary>
        private static readonly Gen<WebhookCase> OrderWithTimeOutOfRange = Gen.Select(Gen.Int[0, TimeFields.Length - 1],
            Gen.OneOf(Gen.Const("9999-12-31T23:59:59Z"), Gen.Const("0001-01-01T00:00:00Z"), Gen.Const("1900-06-01T12:00:00+02:00"), Gen.Const("2999-01-01T00:00:00.000Z")),
            (field, value) =>
            {
                var otterEvent = Otter.Event("orders.new_order", Otter.Order(Guid.NewGuid().ToString(), Otter.Item("l1", "fries", "Fries", 1)));
                var order = otterEvent["metadata"]!["payload"]!;
                switch (TimeFields[field])
                {
                    case "eventTime": otterEvent["eventTime"] = value; break;
                    case "orderedAt": order["orderedAt"] = value; break;
                    default: order["fulfillmentInfo"]![TimeFields[field]] = value; break;
                }

                var body = Bytes(otterEvent);
                return new WebhookCase($"{TimeFields[field]} = {value}", body, Otter.Sign(body), null, Refused: true);
            });

        private static readonly Gen<byte[]> Garbage = Gen.OneOf(
            Gen.Byte.Array[0, 3_000],
            Text.Select(Encoding.UTF8.GetBytes),
            Gen.Int[1, 400].Select(cut => Bytes(Otter.Event("orders.new_order", Otter.Order(Guid.NewGuid().ToString(), Otter.Item("l", "s", "n", 1))))[..cut]),
            Gen.Int[100, 3_000].Select(depth => Encoding.UTF8.GetBytes($"{{\"eventId\":\"x\",\"eventType\":\"orders.new_order\",\"metadata\":{{\"payload\":{new string('[', depth)}{new string(']', depth)}}}}}")),
            Gen.Const(Encoding.UTF8.GetBytes("{\"eventId\":\"big\",\"eventType\":\"orders.new_order\",\"metadata\":{\"payload\":{\"items\":[{\"quantity\":1e400,\"price\":-1e308}]}}}")),
            Gen.Const(Encoding.UTF8.GetBytes($"{{\"eventId\":\"{new string('x', 1_100_000)}\"}}")));

        /// <summary>A real event with one field dropped, replaced by a value of the wrong type, or joined by extra fields.</summary>
        private static readonly Gen<byte[]> Mangled = Gen.Select(Gen.Int[0, 5], Absurd, Text, (field, value, extra) =>
        {
            var otterEvent = Otter.Event("orders.new_order", Otter.Order(Guid.NewGuid().ToString(), Otter.Item("l1", "fries", "Fries", 1)));
            string[] fields = ["eventId", "eventType", "eventTime", "metadata"];
            if (field < 4)
            {
                otterEvent[fields[field]] = value?.DeepClone();
            }
            else if (field == 4)
            {
                otterEvent.Remove(fields[extra.Length % 4]);
            }
            else
            {
                otterEvent[$"extra_{extra}"] = value?.DeepClone();
                otterEvent["metadata"]!["payload"]!["items"]![0]!["quantity"] = value?.DeepClone();
            }

            return Bytes(otterEvent);
        });

        public static readonly Gen<WebhookCase> Generator = Gen.Frequency(
            (5, ValidButAbsurd),
            (1, GoodOrderWithUnstorableText),
            (1, OrderWithTimeOutOfRange),
            (2, Gen.Select(Garbage, Gen.Int[0, 9], (body, signing) => Unknown("garbage", body, signing))),
            (2, Gen.Select(Mangled, Gen.Int[0, 9], (body, signing) => Unknown("mangled", body, signing))),
            (1, ValidButAbsurd.Select(Gen.Bool, (valid, missing) => valid with
            {
                Kind = "badly signed " + valid.Kind,
                Signature = missing ? null : Otter.Sign(valid.Body, "not-the-webhook-secret"),
                AcceptedEventId = null,
            })));

        /// <summary>Mostly signed; whether it is accepted depends on what the service makes of it, so no id is expected.</summary>
        private static WebhookCase Unknown(string kind, byte[] body, int signing) =>
            new(kind, body, signing switch { 0 => null, 1 => "not base64!", _ => Otter.Sign(body) }, ExpectedEventId(body, signing >= 2));

        /// <summary>The event id of a signed body the service will take (JSON object with eventId, eventType, metadata).</summary>
        private static string? ExpectedEventId(byte[] body, bool signed)
        {
            if (!signed || body.Length > 1024 * 1024)
            {
                return null;
            }

            try
            {
                using var document = JsonDocument.Parse(body);
                var root = document.RootElement;
                return root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("eventId", out var id) && id.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(id.GetString())
                    && root.TryGetProperty("eventType", out var type) && type.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(type.GetString())
                    && type.GetString() != "ping.ping"
                    && root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                    ? id.GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static byte[] Bytes(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString());
    }
}
