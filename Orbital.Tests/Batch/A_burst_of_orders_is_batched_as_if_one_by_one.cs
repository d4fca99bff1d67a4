using Npgsql;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// The Batch consumer takes the structured orders waiting in hand together and applies them in one transaction. What
/// comes out must be what applying them one at a time gives: every line in batch items exactly once, no batch item past
/// its size, a later version of an order in the same burst applied after the earlier one.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_burst_of_orders_is_batched_as_if_one_by_one(OrbitalAppFixture orbital)
{
    private const int DefaultMaxBatchSize = 10;

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Every_line_of_a_burst_lands_once_no_batch_item_overflows_and_updates_apply_in_order()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        // Not on the demo menu: batchable, at most 10 to a batch item, on this test's station.
        var fries = $"fries-{Guid.NewGuid():N}";
        var shake = $"shake-{Guid.NewGuid():N}";
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));

        var wanted = new Dictionary<(string Order, string Line), int>();
        var orderIds = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var orderId = Otter.NewId();
            orderIds.Add(orderId);
            var friesQuantity = 1 + (i % 3);
            await broker.PublishAsync(Kitchen.Order(station, orderId, 1, ("1", fries, friesQuantity), ("2", shake, 1)));
            wanted[(orderId, "1")] = friesQuantity;
            wanted[(orderId, "2")] = 1;

            // Every fifth order changes its mind straight away: more fries, no shake. It arrives in the same burst.
            if (i % 5 == 0)
            {
                await broker.PublishAsync(Kitchen.Order(station, orderId, 2, ("1", fries, friesQuantity + 2)));
                wanted[(orderId, "1")] = friesQuantity + 2;
                wanted[(orderId, "2")] = 0;
            }
        }

        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.BatchDatabase));
        var held = await Poll.UntilAsync(
            token => LinesAsync(database, orderIds, token),
            lines => wanted.All(w => lines.GetValueOrDefault(w.Key) == w.Value),
            TimeSpan.FromSeconds(60),
            () => "every line of the burst in batch items with the quantity its last version wants");

        Assert.Equal(wanted.Values.Sum(), held.Values.Sum());

        using var batch = orbital.BatchClient();
        var items = await batch.ItemsAsync(station);
        var open = items.Where(i => i.GetProperty("status").GetString() != "voided").ToList();
        Assert.All(open, item => Assert.InRange(item.GetProperty("quantity").GetInt32(), 1, DefaultMaxBatchSize));
        Assert.Equal(wanted.Where(w => w.Key.Line == "1").Sum(w => w.Value), open.Where(i => i.GetProperty("sku").GetString() == fries).Sum(i => i.GetProperty("quantity").GetInt32()));
        Assert.Equal(wanted.Where(w => w.Key.Line == "2").Sum(w => w.Value), open.Where(i => i.GetProperty("sku").GetString() == shake).Sum(i => i.GetProperty("quantity").GetInt32()));
    }

    private static async Task<Dictionary<(string Order, string Line), int>> LinesAsync(NpgsqlDataSource database, List<string> orderIds, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            "SELECT order_id, line_id, sum(quantity)::int FROM batch.batch_item_lines WHERE order_id = ANY($1) GROUP BY order_id, line_id");
        command.Parameters.Add(new NpgsqlParameter { Value = orderIds.ToArray() });
        var lines = new Dictionary<(string Order, string Line), int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            lines[(reader.GetString(0), reader.GetString(1))] = reader.GetInt32(2);
        }

        return lines;
    }
}
