using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

/// <summary>
/// Otter's word about an order, through the webhook and the real services to the stations and the pass: an order made
/// ready or handed off elsewhere (another tablet, the POS) leaves the station screens and is not told back to Otter; the
/// prep time the restaurant gave when it accepted moves the promise and the lines not yet started; a courier's status
/// and arrival time reach the pass and time the food to the courier.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class What_Otter_says_of_an_order_reaches_the_kitchen(OrbitalAppFixture orbital)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    /// <summary>The default prep time of a dish the menu does not know (Batching:DefaultPrepTime).</summary>
    private static readonly TimeSpan DefaultPrep = TimeSpan.FromMinutes(5);

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_order_Otter_says_is_ready_then_handed_off_leaves_the_stations_and_is_not_told_back_to_Otter()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (grill, fryer) = (Kitchen.NewStation(), Kitchen.NewStation());
        var orderId = await SendOrderAsync([(grill, $"burger-{Guid.NewGuid():N}"), (fryer, $"fries-{Guid.NewGuid():N}")], cancellationToken);
        using var batch = orbital.BatchClient();
        await batch.WaitForItemsAsync(grill, items => items.Count == 1, "the burger at the grill");
        // The fryer has already cooked its part when the POS marks the whole order ready.
        await batch.BumpOnlyItemAsync(fryer);
        await WaitForOtterCallsAsync(orderId, ["confirm"]);

        await SendAsync(Otter.Event("orders.order_ready", new JsonObject { ["orderId"] = orderId }), cancellationToken);
        var burger = Assert.Single(await batch.WaitForItemsAsync(grill, items => items.Count == 1 && items[0].GetProperty("status").GetString() == "voided",
            "the burger taken off the grill's screen"));
        Assert.Equal(0, burger.GetProperty("quantity").GetInt32());
        // What was cooked stays cooked: the fries are still done, not flagged.
        var fries = Assert.Single(await batch.ItemsAsync(fryer));
        Assert.Equal("done", fries.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, fries.GetProperty("flag").ValueKind);

        var atThePass = await WaitForPassAsync(batch, orderId, o => o.GetProperty("state").GetString() == "ready", "ready at the pass");
        Assert.Equal("otter", atThePass.GetProperty("readyMarkedBy").GetString());

        await SendAsync(Otter.Event("orders.order_handed_off", new JsonObject { ["orderId"] = orderId }), cancellationToken);
        await WaitForPassAsync(batch, orderId, o => o.GetProperty("state").GetString() == "handed_off", "handed off at the pass");

        // Otter said it: it is not told back. A step Batch owed Otter would have gone into Batch's outbox before the
        // next order's confirm, and the outbox relays, and Orders records, in that order: once the next order's confirm
        // is recorded, anything this order owed would be recorded too.
        var next = await SendOrderAsync([(Kitchen.NewStation(), $"sentinel-{Guid.NewGuid():N}")], cancellationToken);
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        await Poll.UntilAsync(async token => await orders.GetFromJsonAsync<JsonElement>($"/orders/{next}", token),
            o => o.GetProperty("otterCalls").GetArrayLength() == 1, Within, "the next order's confirm recorded");
        var calls = (await orders.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", cancellationToken)).GetProperty("otterCalls");
        Assert.Equal(["confirm"], calls.EnumerateArray().Select(c => c.GetProperty("endpoint").GetString()));
        Assert.Equal(["confirm"], orbital.OtterApi.AcceptedCalls(orderId).Select(c => c.Action));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Otter_handing_off_an_order_whose_item_is_cooking_flags_the_item_for_the_cook()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var grill = Kitchen.NewStation();
        var orderId = await SendOrderAsync([(grill, $"burger-{Guid.NewGuid():N}")], cancellationToken);
        using var batch = orbital.BatchClient();
        var item = Assert.Single(await batch.WaitForItemsAsync(grill, items => items.Count == 1, "the burger at the grill"));
        using (var start = await batch.PostAsJsonAsync($"/batch-items/{item.GetProperty("id").GetInt64()}/start",
            new { expectedVersion = item.GetProperty("version").GetInt64() }, cancellationToken))
        {
            start.EnsureSuccessStatusCode();
        }

        await SendAsync(Otter.Event("orders.order_handed_off", new JsonObject { ["orderId"] = orderId }), cancellationToken);
        var flagged = Assert.Single(await batch.WaitForItemsAsync(grill, items => items.Count == 1 && items[0].GetProperty("flag").ValueKind == JsonValueKind.String,
            "the burger on the grill flagged"));
        Assert.Equal("in_progress", flagged.GetProperty("status").GetString());
        Assert.Contains("already handed off at Otter", flagged.GetProperty("flag").GetString());
        await WaitForPassAsync(batch, orderId, o => o.GetProperty("state").GetString() == "handed_off", "handed off at the pass");
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_prep_time_given_when_accepting_moves_the_promise_and_the_lines_not_yet_started()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var grill = Kitchen.NewStation();
        var sku = $"burger-{Guid.NewGuid():N}";
        var orderedAt = DateTimeOffset.UtcNow;
        // Two orders for the same burger, promised together (ordered now, 20 minutes' prep): one batch item of two.
        var moved = await SendOrderAsync([(grill, sku)], cancellationToken, orderedAt);
        var stays = await SendOrderAsync([(grill, sku)], cancellationToken, orderedAt);
        using var batch = orbital.BatchClient();
        var together = Assert.Single(await batch.WaitForItemsAsync(grill, items => items.Count == 1 && items[0].GetProperty("quantity").GetInt32() == 2,
            "both burgers in one batch item"));
        var promisedBefore = together.GetProperty("fireAt").GetDateTimeOffset() + DefaultPrep;

        // The restaurant accepted the first order with 45 minutes.
        var acceptedAt = orderedAt.AddMinutes(1);
        var update = new JsonObject
        {
            ["orderId"] = moved,
            ["orderStatusHistory"] = new JsonArray(new JsonObject { ["status"] = "ORDER_ACCEPTED", ["eventTime"] = acceptedAt.ToString("O") }),
            ["orderAcceptedInfo"] = new JsonObject { ["preparationTimeInMinutes"] = 45 },
        };
        await SendAsync(Otter.Event("orders.order_status_update", update), cancellationToken);

        var promised = TruncatedToMicroseconds(acceptedAt.AddMinutes(45));
        var items = await batch.WaitForItemsAsync(grill, items => items.Count(i => i.GetProperty("status").GetString() == "pending") == 2,
            "the moved burger in a batch item of its own");
        var later = items.Single(i => i.GetProperty("fireAt").GetDateTimeOffset() == promised - DefaultPrep);
        Assert.Equal(1, later.GetProperty("quantity").GetInt32());
        var earlier = items.Single(i => i.GetProperty("id").GetInt64() == together.GetProperty("id").GetInt64());
        Assert.Equal(1, earlier.GetProperty("quantity").GetInt32());
        Assert.Equal(promisedBefore - DefaultPrep, earlier.GetProperty("fireAt").GetDateTimeOffset());

        var pass = await WaitForPassAsync(batch, moved, o => o.GetProperty("readyBy").GetDateTimeOffset() == promised, "the new promise at the pass");
        Assert.Equal("cooking", pass.GetProperty("state").GetString());
        Assert.Equal(promisedBefore, (await PassOrderAsync(batch, stays)).GetProperty("readyBy").GetDateTimeOffset());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_courier_update_reaches_the_pass_stream_and_times_the_food_to_the_courier()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var grill = Kitchen.NewStation();
        await using var pass = await SseClient.ConnectAsync(orbital.BatchAddress(), station: "@expo", kitchen: "london");
        var orderId = await SendOrderAsync([(grill, $"burger-{Guid.NewGuid():N}")], cancellationToken);
        using var batch = orbital.BatchClient();
        await batch.WaitForItemsAsync(grill, items => items.Count == 1, "the burger at the grill");

        var expected = TruncatedToMicroseconds(DateTimeOffset.UtcNow.AddMinutes(32));
        var delivery = new JsonObject
        {
            ["provider"] = "doordash",
            ["courier"] = new JsonObject { ["name"] = "Jane Doe", ["phone"] = "+1-555-555-5555" },
            ["estimatedPickupTime"] = expected.ToString("O"),
            ["estimatedDeliveryTime"] = expected.AddMinutes(15).ToString("O"),
            ["status"] = "ALLOCATED",
            ["deliveryStatus"] = "ALLOCATED",
            ["currencyCode"] = "EUR",
            ["updatedTime"] = DateTimeOffset.UtcNow.ToString("O"),
        };
        var sent = Stopwatch.StartNew();
        await SendAsync(Otter.Event("delivery.delivery_status_update", delivery.DeepClone(), resourceId: orderId), cancellationToken);
        var seen = await pass.WaitForAsync(e => OrderOf(e) is { } o && o.GetProperty("orderId").GetString() == orderId
            && o.TryGetProperty("courier", out var c) && c.ValueKind == JsonValueKind.Object, Within, "the courier on the pass's stream");
        TestContext.Current.TestOutputHelper?.WriteLine($"courier update on the pass's stream {sent.ElapsedMilliseconds} ms after the webhook's 200");
        var courier = OrderOf(seen)!.Value.GetProperty("courier");
        Assert.Equal("ALLOCATED", courier.GetProperty("status").GetString());
        Assert.Equal("Jane", courier.GetProperty("firstName").GetString());
        Assert.Equal("doordash", courier.GetProperty("provider").GetString());
        Assert.Equal(expected, courier.GetProperty("expectedAt").GetDateTimeOffset());
        Assert.Equal(expected, OrderOf(seen)!.Value.GetProperty("readyBy").GetDateTimeOffset());

        // The burger is fired to be ready when the courier walks in.
        await batch.WaitForItemsAsync(grill, items => items.Count == 1 && items[0].GetProperty("fireAt").GetDateTimeOffset() == expected - DefaultPrep,
            "the burger fired for the courier");

        // The courier arrives: the pass says so; an update older than the one applied changes nothing.
        (delivery["status"], delivery["deliveryStatus"]) = ("ARRIVED_AT_PICKUP", "ARRIVED_AT_PICKUP");
        delivery["updatedTime"] = DateTimeOffset.UtcNow.ToString("O");
        await SendAsync(Otter.Event("delivery.delivery_status_update", delivery.DeepClone(), resourceId: orderId), cancellationToken);
        await WaitForPassAsync(batch, orderId, o => o.TryGetProperty("courier", out var c) && c.GetProperty("status").GetString() == "ARRIVED_AT_PICKUP", "the courier here");
        (delivery["status"], delivery["deliveryStatus"]) = ("REQUESTED", "REQUESTED");
        delivery["updatedTime"] = DateTimeOffset.UtcNow.AddMinutes(-10).ToString("O");
        await SendAsync(Otter.Event("delivery.delivery_status_update", delivery.DeepClone(), resourceId: orderId), cancellationToken);
        (delivery["status"], delivery["deliveryStatus"]) = ("PICKED_UP", "PICKED_UP");
        delivery["updatedTime"] = DateTimeOffset.UtcNow.ToString("O");
        await SendAsync(Otter.Event("delivery.delivery_status_update", delivery.DeepClone(), resourceId: orderId), cancellationToken);
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var stored = await Poll.UntilAsync(
            async token => await orders.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", token),
            o => o.TryGetProperty("courier", out var c) && c.ValueKind == JsonValueKind.Object && c.GetProperty("status").GetString() == "PICKED_UP", Within, "the courier gone in Orders");
        // Version 1 the order, then ALLOCATED, ARRIVED_AT_PICKUP and PICKED_UP: the older REQUESTED was not applied.
        Assert.Equal(4, stored.GetProperty("version").GetInt64());
        await WaitForPassAsync(batch, orderId, o => o.TryGetProperty("courier", out var c) && c.GetProperty("status").GetString() == "PICKED_UP", "the courier gone at the pass");
    }

    private static JsonElement? OrderOf(SseEvent e) =>
        e.Type == "order" && JsonDocument.Parse(e.Data).RootElement.TryGetProperty("order", out var order) ? order : null;

    /// <summary>PostgreSQL keeps microseconds.</summary>
    private static DateTimeOffset TruncatedToMicroseconds(DateTimeOffset time) => new(time.Ticks - time.Ticks % 10, time.Offset);

    private static async Task<JsonElement> PassOrderAsync(HttpClient batch, string orderId) =>
        await batch.GetFromJsonAsync<JsonElement>($"/kitchens/london/expo/orders/{orderId}", TestContext.Current.CancellationToken);

    private static Task<JsonElement> WaitForPassAsync(HttpClient batch, string orderId, Func<JsonElement, bool> done, string what) =>
        Poll.UntilAsync(async token =>
        {
            using var response = await batch.GetAsync($"/kitchens/london/expo/orders/{orderId}", token);
            return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<JsonElement>(token) : default;
        }, o => o.ValueKind == JsonValueKind.Object && done(o), Within, what);

    private Task WaitForOtterCallsAsync(string orderId, string[] actions) =>
        Poll.UntilAsync(_ => Task.FromResult(orbital.OtterApi.AcceptedCalls(orderId).Select(c => c.Action).ToList()),
            calls => calls.SequenceEqual(actions), Within, $"{string.Join(", ", actions)} of {orderId} at Otter");

    private async Task SendAsync(JsonNode webhook, CancellationToken cancellationToken)
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        using var response = await orders.SendAsync(webhook, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<string> SendOrderAsync((string Station, string Sku)[] lines, CancellationToken cancellationToken, DateTimeOffset? orderedAt = null)
    {
        var orderId = Otter.NewId();
        var items = lines.Select((l, i) =>
        {
            var item = Otter.Item($"line-{i}", l.Sku, $"Dish {i}", 1);
            item["stationId"] = l.Station;
            return item;
        }).ToArray();
        var order = Otter.Order(orderId, items);
        order["orderedAt"] = (orderedAt ?? DateTimeOffset.UtcNow).ToString("O");
        await SendAsync(Otter.Event("orders.new_order", order), cancellationToken);
        return orderId;
    }
}
