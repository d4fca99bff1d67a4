using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Orbital.Batch.Expo;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// The pass through the real system: an order for two stations is ready to pack only when both are bumped; in a kitchen
/// with an expo the expeditor then marks it ready and hands it off (recall undoes a step), and its stream hears each
/// change; in a kitchen without one it is ready when its last line is bumped.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class The_pass_knows_when_an_order_is_ready(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task In_a_kitchen_with_an_expo_an_order_is_ready_after_both_stations_and_the_expeditor()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (grill, fryer) = (Kitchen.NewStation(), Kitchen.NewStation());
        await using var pass = await SseClient.ConnectAsync(orbital.BatchAddress(), station: "@expo");
        await using var grillScreen = await SseClient.ConnectAsync(orbital.BatchAddress(), grill);
        using var batch = orbital.BatchClient();
        var orderId = await SendAsync("smash-club-london", grill, fryer, cancellationToken);

        var cooking = await pass.WaitForAsync(e => IsOrder(e, orderId), TimeSpan.FromSeconds(30), "the new order at the pass");
        Assert.Equal("cooking", cooking.Json.GetProperty("order").GetProperty("state").GetString());
        Assert.Equal(new[] { grill, fryer }.Order(), cooking.Json.GetProperty("order").GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("stationId").GetString()).Order());

        // Too early: the expeditor is told why, and nothing changes.
        using (var early = await batch.PostAsJsonAsync($"/kitchens/london/expo/orders/{orderId}/ready", new { }, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
            Assert.Contains("not bumped yet", (await early.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("detail").GetString());
        }

        await batch.BumpOnlyItemAsync(grill);
        Assert.Equal("cooking", (await OrderAsync(batch, "london", orderId, cancellationToken)).GetProperty("state").GetString());
        await batch.BumpOnlyItemAsync(fryer);
        var readyToPack = await pass.WaitForAsync(e => IsOrder(e, orderId, "ready_to_pack"), TimeSpan.FromSeconds(30), "ready to pack on the pass's stream");
        Assert.All(readyToPack.Json.GetProperty("order").GetProperty("lines").EnumerateArray(), l => Assert.Equal("done", l.GetProperty("state").GetString()));

        using (var handOffFirst = await batch.PostAsJsonAsync($"/kitchens/london/expo/orders/{orderId}/handed-off", new { }, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Conflict, handOffFirst.StatusCode);
        }

        var ready = await StepAsync(batch, orderId, "ready", cancellationToken);
        Assert.Equal("ready", ready.GetProperty("state").GetString());
        await pass.WaitForAsync(e => IsOrder(e, orderId, "ready"), TimeSpan.FromSeconds(30), "ready on the pass's stream");
        Assert.Equal("handed_off", (await StepAsync(batch, orderId, "handed-off", cancellationToken)).GetProperty("state").GetString());
        Assert.Equal("ready", (await StepAsync(batch, orderId, "recall", cancellationToken)).GetProperty("state").GetString());
        Assert.Equal("handed_off", (await StepAsync(batch, orderId, "handed-off", cancellationToken)).GetProperty("state").GetString());
        await pass.WaitForAsync(e => IsOrder(e, orderId, "handed_off") && e.Json.GetProperty("order").GetProperty("version").GetInt64() > ready.GetProperty("version").GetInt64() + 2,
            TimeSpan.FromSeconds(30), "the second hand-off on the pass's stream");

        // No station screen hears of orders: the pass is a stream of its own.
        await grillScreen.WaitForAsync(e => e.Type == "completed", TimeSpan.FromSeconds(30), "the grill's bump");
        Assert.DoesNotContain(grillScreen.Received, e => e.Type == "order");
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task In_a_kitchen_without_an_expo_an_order_is_ready_when_its_last_line_is_bumped_and_not_after_a_recall()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (grill, fryer) = (Kitchen.NewStation(), Kitchen.NewStation());
        using var batch = orbital.BatchClient();
        var kitchens = await batch.GetFromJsonAsync<JsonElement>("/kitchens", cancellationToken);
        Assert.False(kitchens.GetProperty("kitchens").EnumerateArray().Single(k => k.GetProperty("id").GetString() == "austin").GetProperty("hasExpo").GetBoolean());
        var orderId = await SendAsync("smash-club-austin", grill, fryer, cancellationToken);

        await batch.BumpOnlyItemAsync(grill, "austin");
        Assert.Equal("cooking", (await OrderAsync(batch, "austin", orderId, cancellationToken)).GetProperty("state").GetString());
        var fries = await batch.BumpOnlyItemAsync(fryer, "austin");
        var ready = await OrderAsync(batch, "austin", orderId, cancellationToken);
        Assert.Equal("ready", ready.GetProperty("state").GetString());
        Assert.Equal("kitchen", ready.GetProperty("readyMarkedBy").GetString());

        using (var recall = await batch.PostAsJsonAsync($"/batch-items/{fries.GetProperty("id").GetInt64()}/recall", new { expectedVersion = fries.GetProperty("version").GetInt64() }, cancellationToken))
        {
            recall.EnsureSuccessStatusCode();
        }

        Assert.Equal("cooking", (await OrderAsync(batch, "austin", orderId, cancellationToken)).GetProperty("state").GetString());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Two_expeditors_marking_one_order_ready_at_once_one_wins_and_staff_of_another_kitchen_see_nothing()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (grill, fryer) = (Kitchen.NewStation(), Kitchen.NewStation());
        using var batch = orbital.BatchClient();
        var orderId = await SendAsync("smash-club-london", grill, fryer, cancellationToken);
        await batch.BumpOnlyItemAsync(grill);
        await batch.BumpOnlyItemAsync(fryer);
        var version = (await OrderAsync(batch, "london", orderId, cancellationToken)).GetProperty("version").GetInt64();

        var attempts = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => batch.PostAsJsonAsync($"/kitchens/london/expo/orders/{orderId}/ready", new { expectedVersion = version }, cancellationToken)));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], attempts.Select(a => a.StatusCode).Order());
        foreach (var attempt in attempts)
        {
            attempt.Dispose();
        }

        using var austin = new HttpClient { BaseAddress = orbital.BatchAddress() };
        austin.DefaultRequestHeaders.Authorization = new("Bearer", PrepAccess.Token(role: "manager", locations: ["austin"]));
        using (var list = await austin.GetAsync("/kitchens/london/expo", cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Forbidden, list.StatusCode);
        }

        using (var one = await austin.GetAsync($"/kitchens/austin/expo/orders/{orderId}", cancellationToken))
        {
            Assert.Equal(HttpStatusCode.NotFound, one.StatusCode);
        }

        using (var step = await austin.PostAsJsonAsync($"/kitchens/austin/expo/orders/{orderId}/handed-off", new { }, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.NotFound, step.StatusCode);
        }

        Assert.Equal("ready", (await OrderAsync(batch, "london", orderId, cancellationToken)).GetProperty("state").GetString());

        // Bad input is an answer, never a 500: a NUL in the order id (refused before it reaches the pass) or in the expeditor's name.
        using (var nul = await batch.PostAsJsonAsync($"/kitchens/london/expo/orders/{Uri.EscapeDataString(orderId + "\0")}/recall", new { }, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);
        }

        using (var tooLong = await batch.PostAsJsonAsync($"/kitchens/london/expo/orders/{new string('x', 5_000)}/recall", new { }, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.NotFound, tooLong.StatusCode);
        }

        var recalled = await StepAsync(batch, orderId, "recall", cancellationToken, by: "expo\0one");
        Assert.Equal("ready_to_pack", recalled.GetProperty("state").GetString());
        Assert.Equal("expo one", (await StepAsync(batch, orderId, "ready", cancellationToken, by: "expo\0one")).GetProperty("readyMarkedBy").GetString());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_pass_with_more_open_orders_than_it_lists_leaves_off_the_oldest_promises_never_the_order_just_in()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var marker = $"busy-{Guid.NewGuid():N}"[..13];
        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.BatchDatabase));
        // A pass that was never cleared: more open orders promised this morning than the list holds, and more hand-offs
        // in the last minutes than it shows.
        await using (var forgotten = database.CreateCommand(
            """
            INSERT INTO batch.orders (order_id, store_id, kitchen_id, friendly_id, version, status, ready_by, updated_at, handed_off_at)
            SELECT $1 || '-' || n, 'smash-club-austin', 'austin', 'OLD' || n, 1, 'New', now() - interval '20 hours' + n * interval '1 second', now(),
                   CASE WHEN n > 600 THEN now() - interval '5 minutes' END
            FROM generate_series(1, 750) n
            """))
        {
            forgotten.Parameters.Add(new NpgsqlParameter { Value = marker });
            await forgotten.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var (grill, fryer) = (Kitchen.NewStation(), Kitchen.NewStation());
            using var batch = orbital.BatchClient();
            var orderId = await SendAsync("smash-club-austin", grill, fryer, cancellationToken, orderedAt: DateTimeOffset.UtcNow);
            var board = await Poll.UntilAsync(
                async token => await batch.GetFromJsonAsync<JsonElement>("/kitchens/austin/expo", token),
                b => b.GetProperty("orders").EnumerateArray().Any(o => o.GetProperty("orderId").GetString() == orderId),
                TimeSpan.FromSeconds(30), "the order just in on a pass with 600 forgotten ones");
            var listed = board.GetProperty("orders").EnumerateArray().ToList();
            Assert.Equal(ExpoApi.MaxOpenOrders, listed.Count(o => o.GetProperty("state").GetString() != "handed_off"));
            Assert.Equal(ExpoApi.MaxHandedOffOrders, listed.Count(o => o.GetProperty("state").GetString() == "handed_off"));
            Assert.DoesNotContain(listed, o => o.GetProperty("orderId").GetString() == $"{marker}-1");
            var promised = listed.Select(o => o.GetProperty("readyBy").GetDateTimeOffset()).ToList();
            Assert.Equal(promised.Order(), promised);
        }
        finally
        {
            await using var cleanUp = database.CreateCommand("DELETE FROM batch.orders WHERE order_id LIKE $1 || '-%'");
            cleanUp.Parameters.Add(new NpgsqlParameter { Value = marker });
            await cleanUp.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static bool IsOrder(SseEvent e, string orderId, string? state = null) =>
        e.Type == "order" && e.Json.GetProperty("order").GetProperty("orderId").GetString() == orderId
        && (state is null || e.Json.GetProperty("order").GetProperty("state").GetString() == state);

    private async Task<string> SendAsync(string store, string grill, string fryer, CancellationToken cancellationToken, DateTimeOffset? orderedAt = null)
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();
        var burger = Otter.Item("line-1", $"burger-{Guid.NewGuid():N}", "Burger", 1);
        burger["stationId"] = grill;
        var fries = Otter.Item("line-2", $"fries-{Guid.NewGuid():N}", "Fries", 2);
        fries["stationId"] = fryer;
        var order = Otter.Order(orderId, burger, fries);
        if (orderedAt is { } at)
        {
            order["orderedAt"] = at.ToString("O");
        }

        var webhook = Otter.Event("orders.new_order", order);
        webhook["metadata"]!["storeId"] = store;
        using var response = await orders.SendAsync(webhook, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return orderId;
    }

    private static async Task<JsonElement> OrderAsync(HttpClient batch, string kitchen, string orderId, CancellationToken cancellationToken) =>
        await batch.GetFromJsonAsync<JsonElement>($"/kitchens/{kitchen}/expo/orders/{orderId}", cancellationToken);

    private static async Task<JsonElement> StepAsync(HttpClient batch, string orderId, string step, CancellationToken cancellationToken, string by = "expo-test")
    {
        using var response = await batch.PostAsJsonAsync($"/kitchens/london/expo/orders/{orderId}/{step}", new { by }, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{step}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        return await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
    }
}
