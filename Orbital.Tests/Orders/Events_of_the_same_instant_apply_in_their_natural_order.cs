using System.Text.Json;
using System.Text.Json.Nodes;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

/// <summary>
/// Otter's own examples give an order and its update the same event time. A tie goes to the event that comes later in
/// an order's course (the update after the order, the cancellation after both), then to the one received later.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Events_of_the_same_instant_apply_in_their_natural_order(OrbitalAppFixture orbital)
{
    private static readonly DateTimeOffset Instant = DateTimeOffset.Parse("2026-11-25T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private static JsonObject Placed(string orderId) =>
        Otter.Event("orders.new_order", Otter.Order(orderId, Otter.Item("fries-line", "fries", "Fries", 2)), eventTime: Instant);

    private static JsonObject Updated(string orderId, int fries) =>
        Otter.Event("orders.update", Otter.Order(orderId, Otter.Item("fries-line", "fries", "Fries", fries)), eventTime: Instant);

    private static int Fries(JsonElement order) => order.GetProperty("lines")[0].GetProperty("quantity").GetInt32();

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_update_with_the_orders_own_time_changes_the_lines()
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();

        (await orders.SendAsync(Placed(orderId), TestContext.Current.CancellationToken)).Dispose();
        await orders.WaitForOrderAsync(orderId);
        (await orders.SendAsync(Updated(orderId, 5), TestContext.Current.CancellationToken)).Dispose();

        Assert.Equal(5, Fries(await orders.WaitForOrderAsync(orderId, version: 2)));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Two_updates_of_the_same_instant_leave_the_one_received_last()
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();

        (await orders.SendAsync(Placed(orderId), TestContext.Current.CancellationToken)).Dispose();
        await orders.WaitForOrderAsync(orderId);
        (await orders.SendAsync(Updated(orderId, 5), TestContext.Current.CancellationToken)).Dispose();
        await orders.WaitForOrderAsync(orderId, version: 2);
        (await orders.SendAsync(Updated(orderId, 3), TestContext.Current.CancellationToken)).Dispose();

        Assert.Equal(3, Fries(await orders.WaitForOrderAsync(orderId, version: 3)));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_order_arriving_after_its_update_of_the_same_instant_does_not_undo_it()
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();
        var marker = Otter.NewId();

        (await orders.SendAsync(Updated(orderId, 5), TestContext.Current.CancellationToken)).Dispose();
        await orders.WaitForOrderAsync(orderId);
        (await orders.SendAsync(Placed(orderId), TestContext.Current.CancellationToken)).Dispose();
        (await orders.SendAsync(Placed(marker), TestContext.Current.CancellationToken)).Dispose();
        await orders.WaitForOrderAsync(marker);

        var order = await orders.WaitForOrderAsync(orderId);
        Assert.Equal(5, Fries(order));
        Assert.Equal(1, order.GetProperty("version").GetInt64());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_cancellation_of_the_same_instant_wins_whichever_arrives_first()
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();
        var cancel = Otter.Event("orders.cancel_order", new JsonObject
        {
            ["externalIdentifiers"] = new JsonObject { ["id"] = orderId },
            ["cancellationReason"] = "CUSTOMER_CANCELED",
        }, eventTime: Instant);

        (await orders.SendAsync(cancel, TestContext.Current.CancellationToken)).Dispose();
        await orders.WaitForOrderAsync(orderId);
        (await orders.SendAsync(Placed(orderId), TestContext.Current.CancellationToken)).Dispose();

        var order = await orders.WaitForOrderAsync(orderId, version: 2);
        Assert.Equal("CANCELED", order.GetProperty("status").GetString());
        Assert.Equal(2, Fries(order));
    }
}
