using System.Net;
using Npgsql;
using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

[Collection(OrbitalCollection.Name)]
public sealed class Redelivered_and_resent_events_change_nothing(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_same_webhook_twice_makes_one_order_and_one_structured_order()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var subscriber = await broker.BindTestQueueAsync(Exchanges.StructuredOrderData);
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();
        var newOrder = Otter.Event("orders.new_order", Otter.Order(orderId, Otter.Item("l1", "burger", "Burger", 1)));

        using (var first = await orders.SendAsync(newOrder, cancellationToken))
        using (var second = await orders.SendAsync(newOrder, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        }

        // A later event for another order marks the point by which both copies have been consumed.
        var marker = Otter.NewId();
        using (await orders.SendAsync(Otter.Event("orders.new_order", Otter.Order(marker, Otter.Item("l1", "fries", "Fries", 1))), cancellationToken))
        {
        }

        await orders.WaitForOrderAsync(marker);
        var stored = await orders.WaitForOrderAsync(orderId);
        Assert.Equal(1, stored.GetProperty("version").GetInt64());

        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        await using var command = database.CreateCommand("SELECT (SELECT count(*) FROM otter.orders WHERE id = $1) + (SELECT count(*) FROM otter.order_items WHERE order_id = $1)");
        command.Parameters.Add(new NpgsqlParameter { Value = orderId });
        Assert.Equal(2L, await command.ExecuteScalarAsync(cancellationToken));

        var published = new List<StructuredOrder>();
        await Poll.UntilAsync(async _ =>
        {
            while (await broker.GetRawAsync(subscriber) is { } body)
            {
                published.Add(StructuredOrder.Parser.ParseFrom(body));
            }

            return published;
        }, seen => seen.Any(o => o.OrderId == marker), TimeSpan.FromSeconds(30), "the marker's structured order");
        Assert.Single(published, o => o.OrderId == orderId);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_event_id_resent_with_another_body_changes_nothing_and_is_kept_for_the_audit_trail()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();
        var eventId = Otter.NewId();
        var original = Otter.Event("orders.new_order", Otter.Order(orderId, Otter.Item("l1", "burger", "Burger", 1)), eventId: eventId);
        var altered = Otter.Event("orders.new_order", Otter.Order(orderId, Otter.Item("l1", "burger", "Burger", 9)), eventId: eventId);

        (await orders.SendAsync(original, cancellationToken)).Dispose();
        await orders.WaitForOrderAsync(orderId);
        (await orders.SendAsync(original, cancellationToken)).Dispose();
        (await orders.SendAsync(altered, cancellationToken)).Dispose();
        var marker = Otter.NewId();
        (await orders.SendAsync(Otter.Event("orders.new_order", Otter.Order(marker, Otter.Item("l1", "fries", "Fries", 1))), cancellationToken)).Dispose();
        await orders.WaitForOrderAsync(marker);

        var stored = await orders.WaitForOrderAsync(orderId);
        Assert.Equal(1, stored.GetProperty("version").GetInt64());
        Assert.Equal(1, stored.GetProperty("lines")[0].GetProperty("quantity").GetInt32());
        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        await using var command = database.CreateCommand("SELECT body->'metadata'->'payload'->'items'->0->>'quantity' FROM otter.event_conflicts WHERE event_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = eventId });
        var kept = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            kept.Add(reader.GetString(0));
        }

        Assert.Equal(["9"], kept);
    }
}
