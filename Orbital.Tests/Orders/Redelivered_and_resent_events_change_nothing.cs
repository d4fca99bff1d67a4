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
}
