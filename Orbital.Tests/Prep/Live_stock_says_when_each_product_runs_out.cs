using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// A location's stock now: the last count less what orders used since, and, from what orders used over the last hour,
/// when each product runs out. Out (nothing left) first, then low (runs out within the warning time), then the rest.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Live_stock_says_when_each_product_runs_out(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Each_product_runs_out_at_the_last_hours_rate_and_the_empty_one_comes_first()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var kitchen = await orbital.SellingKitchenAsync();
        using var manager = await orbital.SignedInAsync("manager", kitchen.Id);
        using var cook = await orbital.SignedInAsync("prep_cook", kitchen.Id);
        var patty = await manager.ProductAsync("Smash patty", "each", batchSize: 40);
        var bun = await manager.ProductAsync("Brioche bun", "each", batchSize: 24);
        var pickles = await manager.ProductAsync("Pickles", "g", batchSize: 1000);
        var burger = $"burger-{Guid.NewGuid():N}";
        await manager.RecipeAsync("item", burger, (patty, 1, null), (bun, 1, null), (pickles, 1, null));
        await manager.CountAsync(kitchen.Id, patty, 20);
        await manager.CountAsync(kitchen.Id, bun, 12);
        await manager.CountAsync(kitchen.Id, pickles, 200);
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));

        // Ten burgers two hours ago (on hand, not the rate), five in the last hour (both).
        await broker.PublishAsync(Orders_take_what_their_recipes_use_off_stock.OrderedAt(DateTimeOffset.UtcNow.AddHours(-2), kitchen.Store, Otter.NewId(), 1, (burger, 10, [])));
        await broker.PublishAsync(Orders_take_what_their_recipes_use_off_stock.Order(kitchen.Store, Otter.NewId(), 1, (burger, 5, [])));
        await Poll.UntilAsync(_ => manager.OnHandAsync(kitchen.Id, pickles), onHand => onHand == 185, TimeSpan.FromSeconds(30), "both orders");
        var stock = (await cook.GetFromJsonAsync<JsonElement>($"/locations/{kitchen.Id}/stock", cancellationToken));

        var asOf = stock.GetProperty("asOf").GetDateTimeOffset();
        var products = stock.GetProperty("products").EnumerateArray().ToList();
        Assert.Equal([bun, patty, pickles], products.Select(p => p.GetProperty("sku").GetString()));
        var buns = products[0];
        Assert.Equal(-3m, buns.GetProperty("onHand").GetDecimal());
        Assert.Equal("out", buns.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, buns.GetProperty("runsOutAt").ValueKind);
        var patties = products[1];
        Assert.Equal(5m, patties.GetProperty("onHand").GetDecimal());
        Assert.Equal(5m, patties.GetProperty("usedLastHour").GetDecimal());
        Assert.Equal("low", patties.GetProperty("state").GetString());
        AssertNear(asOf.AddHours(1), patties.GetProperty("runsOutAt").GetDateTimeOffset());
        var pickled = products[2];
        Assert.Equal("ok", pickled.GetProperty("state").GetString());
        AssertNear(asOf.AddHours(185.0 / 5), pickled.GetProperty("runsOutAt").GetDateTimeOffset());
        Assert.Equal("g", pickled.GetProperty("unit").GetString());
        Assert.Equal("Pickles", pickled.GetProperty("name").GetString());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_commissary_sees_which_kitchen_it_supplies_runs_short()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var kitchen = await orbital.SellingKitchenAsync();
        using var manager = await orbital.SignedInAsync("manager");
        var commissary = await manager.LocationAsync("commissary");
        var patty = await manager.ProductAsync("Smash patty", "each", batchSize: 40);
        var burger = $"burger-{Guid.NewGuid():N}";
        await manager.RecipeAsync("item", burger, (patty, 1, null));
        await manager.CountAsync(kitchen.Id, patty, 6);
        using (var made = await manager.PostAsJsonAsync("/transfer-units",
            new { sku = patty, quantity = 40, unit = "each", originLocationId = commissary, destinationLocationId = kitchen.Id }, cancellationToken))
        {
            made.EnsureSuccessStatusCode();
        }

        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        await broker.PublishAsync(Orders_take_what_their_recipes_use_off_stock.Order(kitchen.Store, Otter.NewId(), 1, (burger, 5, [])));

        var stock = await Poll.UntilAsync(token => manager.GetFromJsonAsync<JsonElement>($"/locations/{commissary}/stock", token),
            s => s.GetProperty("suppliedShortages").GetArrayLength() > 0, TimeSpan.FromSeconds(30), "the kitchen's shortage at the commissary");
        var shortage = Assert.Single(stock.GetProperty("suppliedShortages").EnumerateArray());
        Assert.Equal(kitchen.Id, shortage.GetProperty("locationId").GetString());
        Assert.Equal(patty, shortage.GetProperty("sku").GetString());
        Assert.Equal("low", shortage.GetProperty("state").GetString());
        // The kitchen itself is no one's supplier: it sees its own stock, not another's list.
        var own = await manager.GetFromJsonAsync<JsonElement>($"/locations/{kitchen.Id}/stock", cancellationToken);
        Assert.Equal(0, own.GetProperty("suppliedShortages").GetArrayLength());
    }

    /// <summary>To the millisecond: the service works out hours as a double.</summary>
    private static void AssertNear(DateTimeOffset expected, DateTimeOffset actual) =>
        Assert.True(Math.Abs((expected - actual).TotalMilliseconds) <= 1, $"expected {expected:O}, got {actual:O}");
}
