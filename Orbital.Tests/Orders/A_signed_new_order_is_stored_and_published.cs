using System.Net;
using Npgsql;
using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

[Collection(OrbitalCollection.Name)]
public sealed class A_signed_new_order_is_stored_and_published(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_new_order_fills_all_four_tables_and_a_structured_order_reaches_subscribers()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var subscriber = await broker.BindTestQueueAsync(Exchanges.StructuredOrderData);
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();
        var newOrder = Otter.Event("orders.new_order", Otter.Order(orderId,
            Otter.Item("line-1", "burger", "Smash burger", 2, Otter.Modifier("cheese", Otter.Modifier("extra-cheddar")), Otter.Modifier("bacon")),
            Otter.Item("line-2", "fries", "Fries", 1)));
        newOrder["metadata"]!["payload"]!["items"]![1]!["note"] = "extra crispy";
        newOrder["metadata"]!["payload"]!["customer"]!["name"] = "  Ada Lovelace ";

        using var response = await orders.SendAsync(newOrder, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync(cancellationToken));
        var stored = await orders.WaitForOrderAsync(orderId);
        Assert.Equal("NEW_ORDER", stored.GetProperty("status").GetString());
        Assert.Equal(24.84m, stored.GetProperty("totals").GetProperty("total").GetDecimal());
        var burger = stored.GetProperty("lines")[0];
        Assert.Equal("Smash burger", burger.GetProperty("name").GetString());
        Assert.Equal("extra-cheddar", burger.GetProperty("modifiers")[0].GetProperty("modifiers")[0].GetProperty("name").GetString());

        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        Assert.Equal(1, await CountAsync(database, "otter.orders", orderId, cancellationToken));
        Assert.Equal(2, await CountAsync(database, "otter.order_items", orderId, cancellationToken));
        Assert.Equal(3, await CountAsync(database, "otter.order_item_modifiers", orderId, cancellationToken));
        Assert.Equal(1, await CountAsync(database, "otter.order_promotions", orderId, cancellationToken));

        var published = await Poll.UntilAsync(_ => broker.GetRawAsync(subscriber), message => message is not null,
            TimeSpan.FromSeconds(30), "a StructuredOrder on structured_order_data");
        var structured = StructuredOrder.Parser.ParseFrom(published!);
        Assert.Equal(orderId, structured.OrderId);
        Assert.Equal(OrderEventKind.New, structured.EventKind);
        Assert.Equal(1, structured.Version);
        Assert.Equal(["Smash burger", "Fries"], structured.Lines.Select(l => l.Name));
        Assert.Equal("cheese", structured.Lines[0].Modifiers[0].Name);
        Assert.Equal("extra-cheddar", structured.Lines[0].Modifiers[0].Modifiers[0].Name);
        // What the guest wrote, and only the first name of who they are, for the kitchen and the pass.
        Assert.Equal("extra crispy", structured.Lines[1].Note);
        Assert.Equal("ring twice", structured.CustomerNote);
        Assert.Equal("Ada", structured.CustomerFirstName);
        // ASAP: ordered at 12:00 plus the estimated 20 minutes.
        Assert.Equal(DateTimeOffset.Parse("2026-11-25T12:20:00Z", System.Globalization.CultureInfo.InvariantCulture), structured.ReadyBy.ToDateTimeOffset());
    }

    private static async Task<long> CountAsync(NpgsqlDataSource database, string table, string orderId, CancellationToken cancellationToken)
    {
        var sql = table switch
        {
            "otter.orders" => "SELECT count(*) FROM otter.orders WHERE id = $1",
            "otter.order_item_modifiers" => "SELECT count(*) FROM otter.order_item_modifiers m JOIN otter.order_items i ON i.id = m.order_item_id WHERE i.order_id = $1",
            _ => $"SELECT count(*) FROM {table} WHERE order_id = $1",
        };
        await using var command = database.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = orderId });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
