using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// Prep listens to the orders: each order takes what its brand's recipes say it uses off its kitchen's stock, an update
/// or a cancellation moves stock by the difference, and a replayed or older version moves nothing. What was sold
/// without a recipe is listed for the manager; an order Prep cannot use is dead-lettered with its reason.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Orders_take_what_their_recipes_use_off_stock(OrbitalAppFixture orbital)
{
    private const string Brand = "smash-club";

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task New_updated_cancelled_and_replayed_orders_move_stock_exactly_by_their_recipes()
    {
        _ = TestContext.Current.CancellationToken;
        var kitchen = await KitchenAsync();
        using var manager = await orbital.SignedInAsync("manager", kitchen.Id);
        var patty = await manager.ProductAsync("Smash patty", "each", batchSize: 40);
        var sauce = await manager.ProductAsync("Burger sauce", "kg", batchSize: 2, new() { ["g"] = 0.001m });
        var burger = $"burger-{Guid.NewGuid():N}";
        var extraPatty = $"extra-patty-{Guid.NewGuid():N}";
        var noSauce = $"no-sauce-{Guid.NewGuid():N}";
        await manager.RecipeAsync("item", burger, (patty, 1, null), (sauce, 30, "g"));
        await manager.RecipeAsync("modifier", extraPatty, (patty, 1, null));
        await manager.RecipeAsync("modifier", noSauce, (sauce, -30, "g"));
        await manager.CountAsync(kitchen.Id, patty, 100);
        await manager.CountAsync(kitchen.Id, sauce, 5);
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var first = Otter.NewId();
        var second = Otter.NewId();
        // Two burgers with an extra patty each: 4 patties, 60 g of sauce.
        var firstV1 = Order(kitchen.Store, first, 1, (burger, 2, [(extraPatty, 1)]));
        // Changed to three burgers without sauce: 3 patties, no sauce.
        var firstV2 = Order(kitchen.Store, first, 2, (burger, 3, [(noSauce, 1)]));
        var secondV1 = Order(kitchen.Store, second, 1, (burger, 1, []));
        var secondCancelled = Order(kitchen.Store, second, 2, (burger, 1, []));
        secondCancelled.Status = OrderStatus.Canceled;
        secondCancelled.EventKind = OrderEventKind.Canceled;

        await broker.PublishAsync(firstV1);
        await StockSettlesAsync(manager, broker, kitchen, patty, 96m);
        Assert.Equal(4.94m, await manager.OnHandAsync(kitchen.Id, sauce));

        await broker.PublishAsync(firstV2);
        await broker.PublishAsync(firstV1);
        await broker.PublishAsync(firstV2);
        await broker.PublishAsync(secondV1);
        await StockSettlesAsync(manager, broker, kitchen, patty, 96m);
        Assert.Equal(4.97m, await manager.OnHandAsync(kitchen.Id, sauce));

        await broker.PublishAsync(secondCancelled);
        await broker.PublishAsync(secondV1);
        await broker.PublishAsync(firstV1);
        await StockSettlesAsync(manager, broker, kitchen, patty, 97m);
        Assert.Equal(5m, await manager.OnHandAsync(kitchen.Id, sauce));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task What_was_sold_without_a_recipe_used_nothing_and_is_listed_until_it_gets_one()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var kitchen = await KitchenAsync();
        using var manager = await orbital.SignedInAsync("manager", kitchen.Id);
        using var cook = await orbital.SignedInAsync("prep_cook", kitchen.Id);
        var patty = await manager.ProductAsync("Smash patty", "each", batchSize: 40);
        // The whole suite sells hundreds of items without recipes at Smash Club: the list is searched for this test's.
        var tag = Guid.NewGuid().ToString("N")[..12];
        var burger = $"burger-{tag}";
        var mystery = $"mystery-{tag}";
        var mediumRare = $"medium-rare-{tag}";
        await manager.RecipeAsync("item", burger, (patty, 1, null));
        await manager.CountAsync(kitchen.Id, patty, 10);
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));

        await broker.PublishAsync(Order(kitchen.Store, Otter.NewId(), 1, (mystery, 2, []), (burger, 1, [(mediumRare, 1)])));
        await broker.PublishAsync(Order(kitchen.Store, Otter.NewId(), 1, (mystery, 1, [])));
        await StockSettlesAsync(manager, broker, kitchen, patty, 9m);
        var unmapped = await Poll.UntilAsync(token => manager.GetFromJsonAsync<List<JsonElement>>($"/menu-recipes/unmapped?brand={Brand}&search={tag}", token),
            list => list!.Any(u => u.GetProperty("menuSku").GetString() == mystery && u.GetProperty("timesSold").GetInt64() == 2),
            TimeSpan.FromSeconds(30), "the second order's unmapped item");

        var item = Assert.Single(unmapped!, u => u.GetProperty("menuSku").GetString() == mystery);
        Assert.Equal("item", item.GetProperty("kind").GetString());
        Assert.Equal($"Item {mystery}", item.GetProperty("name").GetString());
        var modifier = Assert.Single(unmapped!, u => u.GetProperty("menuSku").GetString() == mediumRare);
        Assert.Equal("modifier", modifier.GetProperty("kind").GetString());
        using (var forbidden = await cook.GetAsync("/menu-recipes/unmapped", cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        }

        // Medium rare uses nothing, on purpose: a recipe without components.
        await manager.RecipeAsync("modifier", mediumRare);
        var after = await manager.GetFromJsonAsync<List<JsonElement>>($"/menu-recipes/unmapped?brand={Brand}&search={tag}", cancellationToken);
        Assert.DoesNotContain(after!, u => u.GetProperty("menuSku").GetString() == mediumRare);
        Assert.Contains(after!, u => u.GetProperty("menuSku").GetString() == mystery);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_order_prep_cannot_use_is_dead_lettered_with_its_reason_and_the_next_still_counts()
    {
        _ = TestContext.Current.CancellationToken;
        var kitchen = await KitchenAsync();
        using var manager = await orbital.SignedInAsync("manager");
        var patty = await manager.ProductAsync("Smash patty", "each", batchSize: 40);
        var burger = $"burger-{Guid.NewGuid():N}";
        await manager.RecipeAsync("item", burger, (patty, 1, null));
        await manager.CountAsync(kitchen.Id, patty, 10);
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var negative = Order(kitchen.Store, Otter.NewId(), 1, (burger, -2, []));
        var messageId = $"negative-{Guid.NewGuid():N}";

        await broker.PublishAsync(Exchanges.StructuredOrderData, Google.Protobuf.MessageExtensions.ToByteArray(negative), messageId, StructuredOrder.Descriptor.FullName);
        await broker.PublishAsync(Order(kitchen.Store, Otter.NewId(), 1, (burger, 3, [])));

        var letters = await Poll.UntilAsync(
            async token => (await manager.GetFromJsonAsync<JsonElement>($"/dead-letters/{Queues.PrepStructuredOrders}?max=500", token)).GetProperty("letters").EnumerateArray().ToList(),
            read => read.Any(l => l.GetProperty("messageId").GetString() == messageId), TimeSpan.FromSeconds(30), $"dead letter {messageId}");
        Assert.Contains("below 0", letters.Single(l => l.GetProperty("messageId").GetString() == messageId).GetProperty("reason").GetString());
        await StockSettlesAsync(manager, broker, kitchen, patty, 7m);
    }

    /// <summary>
    /// Waits until the product's on-hand is <paramref name="expected"/>, then sends one more order (of a sentinel item of
    /// its own) through the queue and, once that order has been counted, checks again: whatever was published before it
    /// has been applied by then, and moved nothing more.
    /// </summary>
    private async Task StockSettlesAsync(HttpClient manager, Broker broker, (string Id, string Store) kitchen, string sku, decimal expected)
    {
        await Poll.UntilAsync(_ => manager.OnHandAsync(kitchen.Id, sku), onHand => onHand == expected, TimeSpan.FromSeconds(30), $"{sku} at {kitchen.Id} to be {expected}");
        var sentinel = await manager.ProductAsync("Sentinel", "each", batchSize: 1);
        var item = $"sentinel-{Guid.NewGuid():N}";
        await manager.RecipeAsync("item", item, (sentinel, 1, null));
        await broker.PublishAsync(Order(kitchen.Store, Otter.NewId(), 1, (item, 1, [])));
        await Poll.UntilAsync(_ => manager.OnHandAsync(kitchen.Id, sentinel), onHand => onHand == -1, TimeSpan.FromSeconds(30), $"the sentinel order at {kitchen.Id}");
        var onHand = await manager.OnHandAsync(kitchen.Id, sku);
        Assert.True(onHand == expected, $"{sku} at {kitchen.Id}: {onHand}, expected {expected}; {await AppliedAsync(kitchen.Id)}");
    }

    /// <summary>What Prep applied at the location, order by order, for a failure's message.</summary>
    private async Task<string> AppliedAsync(string location)
    {
        await using var database = Npgsql.NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.PrepDatabase));
        await using var command = database.CreateCommand(
            "SELECT s.order_id, s.version, s.canceled, s.applied_at, string_agg(u.sku || '=' || u.quantity, ',') FROM prep.sold_orders s LEFT JOIN prep.order_usage u USING (order_id) WHERE s.location_id = $1 GROUP BY 1, 2, 3, 4 ORDER BY 4");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = location });
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add($"{reader.GetString(0)} v{reader.GetInt64(1)}{(reader.GetBoolean(2) ? " cancelled" : "")} at {reader.GetFieldValue<DateTimeOffset>(3):HH:mm:ss.fff}: {(reader.IsDBNull(4) ? "-" : reader.GetString(4))}");
        }

        return string.Join("; ", rows);
    }

    private Task<(string Id, string Store)> KitchenAsync() => orbital.SellingKitchenAsync();

    internal static StructuredOrder Order(string store, string orderId, long version, params (string Sku, int Quantity, (string Sku, int Quantity)[] Modifiers)[] lines) =>
        OrderedAt(DateTimeOffset.UtcNow, store, orderId, version, lines);

    internal static StructuredOrder OrderedAt(DateTimeOffset now, string store, string orderId, long version, params (string Sku, int Quantity, (string Sku, int Quantity)[] Modifiers)[] lines)
    {
        var order = new StructuredOrder
        {
            OrderId = orderId,
            FriendlyId = orderId[..6],
            StoreId = store,
            Status = OrderStatus.New,
            EventKind = version == 1 ? OrderEventKind.New : OrderEventKind.Updated,
            OrderedAt = Timestamp.FromDateTimeOffset(now),
            ReadyBy = Timestamp.FromDateTimeOffset(now.AddMinutes(10)),
            Version = version,
        };
        var number = 0;
        foreach (var (sku, quantity, modifiers) in lines)
        {
            var line = new OrderLine { LineId = $"{++number}", Sku = sku, Name = $"Item {sku}", Quantity = quantity, StationId = "grill" };
            line.Modifiers.AddRange(modifiers.Select(m => new LineModifier { Id = m.Sku, Sku = m.Sku, Name = $"Modifier {m.Sku}", Quantity = m.Quantity }));
            order.Lines.Add(line);
        }

        return order;
    }
}

/// <summary>Menu recipes and stock as the sales-driven prep tests set and read them.</summary>
internal static class SalesSetup
{
    /// <summary>A kitchen of the test's own with a Smash Club store, once Prep knows it as a location.</summary>
    public static async Task<(string Id, string Store)> SellingKitchenAsync(this OrbitalAppFixture orbital)
    {
        var (kitchen, stores) = await orbital.SellingKitchenAsync(["smash-club"]);
        return (kitchen, stores[0]);
    }

    /// <summary>A kitchen of the test's own with a store of each brand, once Prep knows it as a location.</summary>
    public static async Task<(string Id, string[] Stores)> SellingKitchenAsync(this OrbitalAppFixture orbital, string[] brands)
    {
        var (kitchen, store) = await orbital.OwnKitchenAsync(brands);
        using var everywhere = await orbital.SignedInAsync("manager");
        await Poll.UntilAsync(async token => (await everywhere.GetAsync($"/locations/{kitchen}/inventory", token)).StatusCode,
            status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(30), $"Prep to know kitchen {kitchen}");
        return (kitchen, store);
    }

    /// <summary>Saves Smash Club's recipe for a menu item or modifier: each component's product, quantity and unit (base when null).</summary>
    public static Task RecipeAsync(this HttpClient manager, string kind, string menuSku, params (string Sku, decimal Quantity, string? Unit)[] components) =>
        manager.RecipeAsync("smash-club", kind, menuSku, components);

    /// <summary>Saves a brand's recipe for a menu item or modifier.</summary>
    public static async Task RecipeAsync(this HttpClient manager, string brand, string kind, string menuSku, params (string Sku, decimal Quantity, string? Unit)[] components)
    {
        using var response = await manager.PutAsJsonAsync($"/brands/{brand}/menu-recipes/{kind}/{Uri.EscapeDataString(menuSku)}",
            new { name = menuSku, components = components.Select(c => new { sku = c.Sku, quantity = c.Quantity, unit = c.Unit }) }, TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"recipe {kind} {menuSku}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
    }

}
