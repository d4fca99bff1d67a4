using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

[Collection(OrbitalCollection.Name)]
public sealed class Repeated_and_stale_structured_orders_change_nothing(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_duplicate_makes_no_second_batch_item_and_an_older_version_never_undoes_a_newer_one()
    {
        _ = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        var orderId = Otter.NewId();
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        using var batch = orbital.BatchClient();
        // Not on the demo menu, so it stays on this test's station.
        var dish = $"dish-{Guid.NewGuid():N}";
        var version1 = Kitchen.Order(station, orderId, 1, ("1", dish, 2));
        var version2 = Kitchen.Order(station, orderId, 2, ("1", dish, 5));

        await broker.PublishAsync(version1);
        await broker.PublishAsync(version1);
        await broker.PublishAsync(version2);
        await broker.PublishAsync(version1);
        await broker.PublishAsync(version2);
        // A later order on the same station: once it is batched, everything published before it has been handled.
        await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", "sentinel", 1)));
        var items = await batch.WaitForItemsAsync(station, items => items.Any(i => i.GetProperty("sku").GetString() == "sentinel"), "the sentinel order");

        var batched = Assert.Single(items, i => i.GetProperty("sku").GetString() == dish);
        Assert.Equal(5, batched.GetProperty("quantity").GetInt32());
        Assert.Equal(1, batched.GetProperty("orderCount").GetInt32());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_cancelled_order_voids_its_open_batch_item_and_flags_one_being_cooked()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        using var batch = orbital.BatchClient();
        var orderId = Otter.NewId();
        await broker.PublishAsync(Kitchen.Order(station, orderId, 1, ("1", "soup", 1), ("2", "bread", 2)));
        var items = await batch.WaitForItemsAsync(station, items => items.Count == 2, "two batch items");
        var bread = items.Single(i => i.GetProperty("sku").GetString() == "bread");
        using (var start = await batch.PostAsync($"/batch-items/{bread.GetProperty("id").GetInt64()}/start", null, cancellationToken))
        {
            start.EnsureSuccessStatusCode();
        }

        var cancelled = Kitchen.Order(station, orderId, 2, ("1", "soup", 1), ("2", "bread", 2));
        cancelled.Status = OrderStatus.Canceled;
        cancelled.EventKind = OrderEventKind.Canceled;
        await broker.PublishAsync(cancelled);

        items = await batch.WaitForItemsAsync(station, items => items.Any(i => i.GetProperty("status").GetString() == "voided"), "the soup voided");
        Assert.Equal(0, items.Single(i => i.GetProperty("sku").GetString() == "soup").GetProperty("quantity").GetInt32());
        var cooking = items.Single(i => i.GetProperty("sku").GetString() == "bread");
        Assert.Equal("in_progress", cooking.GetProperty("status").GetString());
        Assert.Equal(2, cooking.GetProperty("quantity").GetInt32());
        Assert.Contains("no longer wanted", cooking.GetProperty("flag").GetString(), StringComparison.Ordinal);
        Assert.True(cooking.GetProperty("changed").GetBoolean());
    }
}
