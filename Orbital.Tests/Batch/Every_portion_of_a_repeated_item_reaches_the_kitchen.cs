using System.Text.Json;
using System.Text.Json.Nodes;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// Otter's <c>lineItemId</c> is nullable, and its own examples give two lines the same one. Two burgers stay two
/// burgers on the screen either way, and an update of the order finds each line again.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Every_portion_of_a_repeated_item_reaches_the_kitchen(OrbitalAppFixture orbital)
{
    private static JsonObject Burger(string station, string sku, string? lineId, int quantity, string modifier)
    {
        var item = Otter.Item(lineId ?? "unused", sku, "Burger", quantity, Otter.Modifier(modifier));
        item["stationId"] = station;
        if (lineId is null)
        {
            item.Remove("lineItemId");
        }

        return item;
    }

    private static int Portions(List<JsonElement> items, string sku) =>
        items.Where(i => i.GetProperty("sku").GetString() == sku && i.GetProperty("status").GetString() != "voided")
            .Sum(i => i.GetProperty("quantity").GetInt32());

    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [InlineData(null)]
    [InlineData("the-same-line-id")]
    public async Task Two_lines_of_one_item_are_two_portions_and_an_update_changes_the_right_one(string? lineId)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        var sku = $"burger-{Guid.NewGuid():N}";
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        using var batch = orbital.BatchClient();
        var orderId = Otter.NewId();
        var placedAt = DateTimeOffset.UtcNow;

        (await orders.SendAsync(Otter.Event("orders.new_order", Otter.Order(orderId,
            Burger(station, sku, lineId, 1, "cheese"), Burger(station, sku, lineId, 1, "bacon")), eventTime: placedAt), cancellationToken)).Dispose();

        var items = await batch.WaitForItemsAsync(station, items => Portions(items, sku) >= 2, "both burgers");
        Assert.Equal(2, Portions(items, sku));
        var lines = (await orders.WaitForOrderAsync(orderId)).GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("lineId").GetString()).ToList();
        Assert.Equal(2, lines.Distinct().Count());

        // The guest makes the bacon burger three.
        (await orders.SendAsync(Otter.Event("orders.update", Otter.Order(orderId,
            Burger(station, sku, lineId, 1, "cheese"), Burger(station, sku, lineId, 3, "bacon")), eventTime: placedAt.AddMinutes(1)), cancellationToken)).Dispose();

        items = await batch.WaitForItemsAsync(station, items => Portions(items, sku) != 2, "the update");
        Assert.Equal(4, Portions(items, sku));
        Assert.Equal(3, items.Where(i => i.GetProperty("modifiers").EnumerateArray().Any(m => m.GetString() == "bacon")).Sum(i => i.GetProperty("quantity").GetInt32()));
    }
}
