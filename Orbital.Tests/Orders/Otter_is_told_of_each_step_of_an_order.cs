using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;
using Orbital.OtterStandIn;

namespace Orbital.Tests.Orders;

/// <summary>
/// Otter hears of each step of an order in its kitchen, through the real system to its stand-in: <c>confirm</c> (with a
/// prep time from the stations' queued work) when the kitchen has it, <c>ready-to-pickup</c> when it is ready (after the
/// expeditor, or after the last bump where there is no expo), <c>fulfill</c> when it is handed off; each exactly once,
/// whatever Otter answers on the way and even when Orders is killed in between.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Otter_is_told_of_each_step_of_an_order(OrbitalAppFixture orbital)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_order_at_a_kitchen_with_an_expo_is_confirmed_then_ready_after_the_expeditor_then_fulfilled_each_exactly_once()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var otter = orbital.OtterApi;
        var (grill, fryer) = (Kitchen.NewStation(), Kitchen.NewStation());
        var orderId = await SendAsync(Kitchen.StoreId, [(grill, $"burger-{Guid.NewGuid():N}"), (fryer, $"fries-{Guid.NewGuid():N}")], cancellationToken);

        var confirm = await WaitForCallAsync(orderId, "confirm");
        Assert.Equal(Kitchen.StoreId, confirm.StoreId);
        Assert.Equal("ubereats", confirm.Source);
        Assert.StartsWith("Bearer ", confirm.Authorization, StringComparison.Ordinal);
        // Two fresh stations with nothing queued: the order's own prep time (the default five minutes).
        Assert.Equal(5, JsonDocument.Parse(confirm.Body!).RootElement.GetProperty("estimatedPrepTimeMinutes").GetInt32());

        using var batch = orbital.BatchClient();
        await batch.BumpOnlyItemAsync(grill);
        await batch.BumpOnlyItemAsync(fryer);
        // Ready to pack is not ready: the expeditor has not packed it. (The call, when it comes, comes after the
        // expeditor's step: Otter heard nothing when the last station bumped.)
        Assert.DoesNotContain(otter.AcceptedCalls(orderId), c => c.Action == "ready-to-pickup");
        var packed = DateTimeOffset.UtcNow;

        await StepAsync(batch, orderId, "ready", cancellationToken);
        var ready = await WaitForCallAsync(orderId, "ready-to-pickup");
        Assert.Null(ready.Body);
        Assert.True(ready.At >= packed, $"ready-to-pickup at {ready.At:O}, before the expeditor's step at {packed:O}");
        // A recall and a second "ready" are the kitchen's business: Otter has no way back and is not told twice.
        await StepAsync(batch, orderId, "recall", cancellationToken);
        await StepAsync(batch, orderId, "ready", cancellationToken);
        await StepAsync(batch, orderId, "handed-off", cancellationToken);
        await WaitForCallAsync(orderId, "fulfill");

        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var stored = await Poll.UntilAsync(
            async token => await orders.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", token),
            o => o.GetProperty("otterCalls").EnumerateArray().Count(c => c.GetProperty("state").GetString() == "sent") == 3,
            Within, "the three calls recorded as sent");
        Assert.Equal(["confirm", "ready-to-pickup", "fulfill"], stored.GetProperty("otterCalls").EnumerateArray().Select(c => c.GetProperty("endpoint").GetString()));
        var history = stored.GetProperty("statusHistory").EnumerateArray().Select(s => s.GetProperty("status").GetString()).ToList();
        Assert.Contains("ACCEPTED", history);
        Assert.Contains("READY_TO_PICKUP", history);
        Assert.Contains("HANDED_OFF", history);
        Assert.Equal(["confirm", "ready-to-pickup", "fulfill"], otter.AcceptedCalls(orderId).Select(c => c.Action));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_prep_time_given_to_Otter_counts_the_work_already_queued_at_the_orders_stations()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        // Four different dishes due now at one station: 4 × 5 min of work, cooked two at a time.
        var first = await SendAsync(Kitchen.StoreId, [.. Enumerable.Range(0, 4).Select(i => (station, $"dish-{i}-{Guid.NewGuid():N}"))], cancellationToken);
        Assert.Equal(5, Estimate(await WaitForCallAsync(first, "confirm")));

        var second = await SendAsync(Kitchen.StoreId, [(station, $"dish-{Guid.NewGuid():N}")], cancellationToken);
        Assert.Equal(10 + 5, Estimate(await WaitForCallAsync(second, "confirm")));

        // Another station is not slowed by this one's queue.
        var elsewhere = await SendAsync(Kitchen.StoreId, [(Kitchen.NewStation(), $"dish-{Guid.NewGuid():N}")], cancellationToken);
        Assert.Equal(5, Estimate(await WaitForCallAsync(elsewhere, "confirm")));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Otter_answering_429_500_401_and_not_at_all_still_gets_each_call_once()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var otter = orbital.OtterApi;
        var orderId = Otter.NewId();
        var tokensBefore = otter.TokensIssued;
        // confirm: rate limited, Otter failing, the token refused (renewed at once), then no answer at all; then accepted.
        otter.ScriptOrderCalls(orderId, 429, 500, 401, 0);
        await SendAsync(Kitchen.StoreId, [(Kitchen.NewStation(), $"dish-{Guid.NewGuid():N}")], cancellationToken, orderId);

        await WaitForCallAsync(orderId, "confirm");
        var attempts = otter.OrderCalls.Where(c => c.OrderId == orderId).Select(c => c.Status).ToList();
        Assert.Equal([429, 500, 401, 0, 202], attempts);
        Assert.True(otter.TokensIssued > tokensBefore, "a refused token is renewed");
        Assert.Equal(0, otter.CallLimitsServed);

        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var call = (await Poll.UntilAsync(
            async token => await orders.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", token),
            o => o.GetProperty("otterCalls").EnumerateArray().Any(c => c.GetProperty("state").GetString() == "sent"),
            Within, "the confirm recorded as sent")).GetProperty("otterCalls").EnumerateArray().Single();
        // Recorded as sent, the call is never made again: what Otter has now is all it will get.
        Assert.Equal(4, call.GetProperty("attempts").GetInt32());
        Assert.Single(otter.AcceptedCalls(orderId));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_call_Otter_refuses_for_good_is_kept_as_failed_with_why_and_the_next_step_still_goes()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var orderId = Otter.NewId();
        orbital.OtterApi.ScriptOrderCalls(orderId, 422);
        var station = Kitchen.NewStation();
        await SendAsync("smash-club-austin", [(station, $"dish-{Guid.NewGuid():N}")], cancellationToken, orderId);
        using var batch = orbital.BatchClient();
        await batch.BumpOnlyItemAsync(station, "austin");
        await WaitForCallAsync(orderId, "ready-to-pickup");

        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var confirm = (await orders.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", cancellationToken)).GetProperty("otterCalls").EnumerateArray().First();
        Assert.Equal("failed", confirm.GetProperty("state").GetString());
        Assert.Equal(422, confirm.GetProperty("lastStatus").GetInt32());
        Assert.Contains("Scripted answer 422", confirm.GetProperty("lastError").GetString());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_store_id_that_cannot_be_a_header_is_kept_as_failed_and_never_called()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // Webhooks bring any text as a store id; X-Store-Id can only carry printable ASCII.
        var orderId = await SendAsync("café-lönd", [(Kitchen.NewStation(), $"dish-{Guid.NewGuid():N}")], cancellationToken);
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var confirm = (await Poll.UntilAsync(
            async token => await orders.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", token),
            o => o.GetProperty("otterCalls").GetArrayLength() == 1, Within, "the confirm recorded")).GetProperty("otterCalls")[0];
        Assert.Equal("failed", confirm.GetProperty("state").GetString());
        Assert.Equal(0, confirm.GetProperty("attempts").GetInt32());
        Assert.Contains("X-Store-Id", confirm.GetProperty("lastError").GetString());
        Assert.DoesNotContain(orbital.OtterApi.OrderCalls, c => c.OrderId == orderId);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Orders_killed_between_the_bump_and_the_call_still_tells_Otter_once()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        // Austin runs no expo: the last bump makes the order ready.
        var orderId = await SendAsync("smash-club-austin", [(station, $"dish-{Guid.NewGuid():N}")], cancellationToken);
        await WaitForCallAsync(orderId, "confirm");

        await orbital.KillAsync(ResourceNames.OrdersService);
        using var batch = orbital.BatchClient();
        await batch.BumpOnlyItemAsync(station, "austin");

        await WaitForCallAsync(orderId, "ready-to-pickup", TimeSpan.FromSeconds(90));
        // Once both are recorded as sent, neither is made again.
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        await Poll.UntilAsync(
            async token => await orders.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", token),
            o => o.GetProperty("otterCalls").EnumerateArray().Count(c => c.GetProperty("state").GetString() == "sent") == 2,
            Within, "both calls recorded as sent");
        Assert.Equal(["confirm", "ready-to-pickup"], orbital.OtterApi.AcceptedCalls(orderId).Select(c => c.Action));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_kitchen_event_Orders_cannot_read_goes_to_the_dead_letter_queue_with_its_reason()
    {
        _ = TestContext.Current.CancellationToken;
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var poisonId = $"poison-{Guid.NewGuid():N}";
        await broker.PublishAsync(Exchanges.KitchenOrderEvents, [0xff, 0xff, 0xff, 0x01], poisonId);
        var withNul = new Orbital.Contracts.Kitchen.KitchenOrderEvent
        {
            EventId = $"{poisonId}-nul", OrderId = "order\0id", Milestone = Orbital.Contracts.Kitchen.KitchenMilestone.Ready,
        };
        await broker.PublishAsync(Exchanges.KitchenOrderEvents, Google.Protobuf.MessageExtensions.ToByteArray(withNul), $"{poisonId}-nul");

        var letters = new List<(string Body, IReadOnlyDictionary<string, string?> Headers, RabbitMQ.Client.IReadOnlyBasicProperties Properties)>();
        await Poll.UntilAsync(async _ =>
        {
            while (await broker.GetAsync(Topology.DeadLetterQueueFor(Queues.OrdersKitchenOrderEvents)) is { } letter)
            {
                letters.Add(letter);
            }

            return letters;
        }, seen => seen.Count(l => l.Properties.MessageId?.StartsWith(poisonId, StringComparison.Ordinal) == true) == 2, Within, "both kitchen events dead-lettered");
        Assert.Contains("not a KitchenOrderEvent", letters.Single(l => l.Properties.MessageId == poisonId).Headers[MessageHeaders.DeadLetterReason]);
        Assert.Contains("NUL", letters.Single(l => l.Properties.MessageId == $"{poisonId}-nul").Headers[MessageHeaders.DeadLetterReason]);
    }

    private static int Estimate(OtterApiStandIn.OrderCall confirm) =>
        JsonDocument.Parse(confirm.Body!).RootElement.GetProperty("estimatedPrepTimeMinutes").GetInt32();

    private Task<OtterApiStandIn.OrderCall> WaitForCallAsync(string orderId, string action, TimeSpan? within = null) =>
        Poll.UntilAsync(_ => Task.FromResult(orbital.OtterApi.AcceptedCalls(orderId).FirstOrDefault(c => c.Action == action)),
            call => call is not null, within ?? Within, () => $"{action} of {orderId} at Otter; calls seen: " +
                string.Join(", ", orbital.OtterApi.OrderCalls.Where(c => c.OrderId == orderId).Select(c => $"{c.Action} {c.Status}")))!;

    private async Task<string> SendAsync(string store, (string Station, string Sku)[] lines, CancellationToken cancellationToken, string? orderId = null)
    {
        orderId ??= Otter.NewId();
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var items = lines.Select((l, i) =>
        {
            var item = Otter.Item($"line-{i}", l.Sku, $"Dish {i}", 1);
            item["stationId"] = l.Station;
            return item;
        }).ToArray();
        var webhook = Otter.Event("orders.new_order", Otter.Order(orderId, items));
        webhook["metadata"]!["storeId"] = store;
        using var response = await orders.SendAsync(webhook, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return orderId;
    }

    private static async Task StepAsync(HttpClient batch, string orderId, string step, CancellationToken cancellationToken)
    {
        using var response = await batch.PostAsJsonAsync($"/kitchens/london/expo/orders/{orderId}/{step}", new { by = "expo-test" }, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{step}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
    }
}
