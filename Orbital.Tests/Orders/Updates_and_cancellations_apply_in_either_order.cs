using System.Text.Json;
using System.Text.Json.Nodes;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

[Collection(OrbitalCollection.Name)]
public sealed class Updates_and_cancellations_apply_in_either_order(OrbitalAppFixture orbital)
{
    private static readonly DateTimeOffset Placed = DateTimeOffset.Parse("2026-11-25T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private static JsonObject Original(string orderId) => Otter.Event("orders.new_order", Otter.Order(orderId,
        Otter.Item("burger-line", "burger", "Burger", 1),
        Otter.Item("fries-line", "fries", "Fries", 2)), eventTime: Placed);

    /// <summary>The guest adds a shake, drops the fries and wants two burgers.</summary>
    private static JsonObject Update(string orderId) => Otter.Event("orders.update", Otter.Order(orderId,
        Otter.Item("burger-line", "burger", "Burger", 2),
        Otter.Item("shake-line", "shake", "Shake", 1)), eventTime: Placed.AddMinutes(2));

    private static JsonObject Cancel(string orderId) => Otter.Event("orders.cancel_order", new JsonObject
    {
        ["externalIdentifiers"] = new JsonObject { ["id"] = orderId },
        ["cancellationReason"] = "CUSTOMER_CANCELED",
    }, eventTime: Placed.AddMinutes(3));

    private static string Lines(JsonElement order) =>
        string.Join(", ", order.GetProperty("lines").EnumerateArray().Select(l => $"{l.GetProperty("quantity").GetInt32()} {l.GetProperty("name").GetString()}"));

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_update_after_the_order_replaces_its_lines()
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();

        (await orders.SendAsync(Original(orderId), TestContext.Current.CancellationToken)).Dispose();
        Assert.Equal("1 Burger, 2 Fries", Lines(await orders.WaitForOrderAsync(orderId, version: 1)));
        (await orders.SendAsync(Update(orderId), TestContext.Current.CancellationToken)).Dispose();

        Assert.Equal("2 Burger, 1 Shake", Lines(await orders.WaitForOrderAsync(orderId, version: 2)));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_update_that_arrives_before_the_order_is_not_undone_by_it()
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();

        (await orders.SendAsync(Update(orderId), TestContext.Current.CancellationToken)).Dispose();
        await orders.WaitForOrderAsync(orderId, version: 1);
        (await orders.SendAsync(Original(orderId), TestContext.Current.CancellationToken)).Dispose();
        await WaitUntilConsumedAsync(orders);

        var order = await orders.WaitForOrderAsync(orderId);
        Assert.Equal("2 Burger, 1 Shake", Lines(order));
        Assert.Equal(1, order.GetProperty("version").GetInt64());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_cancellation_after_the_order_voids_it()
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();

        (await orders.SendAsync(Original(orderId), TestContext.Current.CancellationToken)).Dispose();
        await orders.WaitForOrderAsync(orderId, version: 1);
        (await orders.SendAsync(Cancel(orderId), TestContext.Current.CancellationToken)).Dispose();

        var order = await orders.WaitForOrderAsync(orderId, version: 2);
        Assert.Equal("CANCELED", order.GetProperty("status").GetString());
        Assert.Equal("CUSTOMER_CANCELED", order.GetProperty("cancellationReason").GetString());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_cancellation_that_arrives_before_the_order_still_voids_it()
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();

        (await orders.SendAsync(Cancel(orderId), TestContext.Current.CancellationToken)).Dispose();
        await orders.WaitForOrderAsync(orderId, version: 1);
        (await orders.SendAsync(Original(orderId), TestContext.Current.CancellationToken)).Dispose();

        var order = await orders.WaitForOrderAsync(orderId, version: 2);
        Assert.Equal("CANCELED", order.GetProperty("status").GetString());
        Assert.Equal("1 Burger, 2 Fries", Lines(order));
    }

    /// <summary>Sends a marker order and waits for it: the consumer has handled everything sent before.</summary>
    private static async Task WaitUntilConsumedAsync(HttpClient orders)
    {
        var marker = Otter.NewId();
        (await orders.SendAsync(Otter.Event("orders.new_order", Otter.Order(marker, Otter.Item("l1", "fries", "Fries", 1))), TestContext.Current.CancellationToken)).Dispose();
        await orders.WaitForOrderAsync(marker);
    }
}
