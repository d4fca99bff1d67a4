using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orbital.Contracts;
using Orbital.Orders.Warehouse;
using Orbital.Tests.Infrastructure;
using Orbital.Warehouse;

namespace Orbital.Tests.Warehouse;

[Collection(OrbitalCollection.Name)]
public sealed class Customer_and_promotion_syncs_copy_each_row_once(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Customers_are_aggregated_over_their_orders_and_a_new_order_updates_the_customer_not_a_copy()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var bed = await WarehouseTestBed.CreateAsync(orbital, batchSize: 2);
        await using var orders = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        var email = $"guest-{Guid.NewGuid():N}@example.com";
        var other = $"other-{Guid.NewGuid():N}@example.com";
        await OrderAsync(orders, email, 20m);
        await OrderAsync(orders, email.ToUpperInvariant(), 15m);
        await OrderAsync(orders, other, 9.5m);

        await Assert.ThrowsAsync<IOException>(() => Customers(orders, bed, new WarehouseThatDies(bed.Warehouse, 1)).SyncAsync(cancellationToken));
        await Customers(orders, bed).SyncAsync(cancellationToken);

        var guest = Assert.Single(await bed.RowsAsync("customers", "customer_key = $1", email));
        Assert.Equal((2L, 35m), ((long)guest[6]!, (decimal)guest[7]!));
        Assert.Single(await bed.RowsAsync("customers", "customer_key = $1", other));
        Assert.Equal(0, (await Customers(orders, bed).SyncAsync(cancellationToken)).RowsSynced);

        await OrderAsync(orders, email, 5m);
        Assert.Equal(1, (await Customers(orders, bed).SyncAsync(cancellationToken)).RowsSynced);
        guest = Assert.Single(await bed.RowsAsync("customers", "customer_key = $1", email));
        Assert.Equal((3L, 40m), ((long)guest[6]!, (decimal)guest[7]!));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Promotions_are_copied_per_order_and_rerunning_adds_none()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var bed = await WarehouseTestBed.CreateAsync(orbital, batchSize: 2);
        await using var orders = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        var first = await OrderAsync(orders, null, 30m, ("promo-10", "10% off", 3m), ("free-drink", "Free drink", 2.5m));
        var second = await OrderAsync(orders, null, 12m, ("promo-10", "10% off", 1.2m));

        await Assert.ThrowsAsync<IOException>(() => Promotions(orders, bed, new WarehouseThatDies(bed.Warehouse, 1)).SyncAsync(cancellationToken));
        await Promotions(orders, bed).SyncAsync(cancellationToken);
        await Promotions(orders, bed).SyncAsync(cancellationToken);

        var rows = await bed.RowsAsync("order_promotions", "order_id = ANY($1)", (object)new[] { first, second });
        Assert.Equal(3, rows.Count);
        Assert.Equal([3m, 2.5m], rows.Where(r => (string)r[0]! == first).OrderByDescending(r => (decimal)r[4]!).Select(r => (decimal)r[4]!));
    }

    private static CustomerDataSync Customers(NpgsqlDataSource orders, WarehouseTestBed bed, IWarehouse? warehouse = null) =>
        new(orders, warehouse ?? bed.Warehouse, bed.Options, TimeProvider.System, bed.Metrics, NullLogger<CustomerDataSync>.Instance);

    private static PromotionsDataSync Promotions(NpgsqlDataSource orders, WarehouseTestBed bed, IWarehouse? warehouse = null) =>
        new(orders, warehouse ?? bed.Warehouse, bed.Options, TimeProvider.System, bed.Metrics, NullLogger<PromotionsDataSync>.Instance);

    private static async Task<string> OrderAsync(NpgsqlDataSource orders, string? email, decimal total, params (string Id, string Name, decimal Value)[] promotions)
    {
        var id = Guid.NewGuid().ToString();
        await using var command = orders.CreateCommand(
            """
            INSERT INTO otter.orders (id, store_id, status, has_lines, version, customer_name, customer_email, total, ordered_at, created_at, updated_at)
            VALUES ($1, 'store-warehouse', 'NEW_ORDER', true, 1, 'Guest', $2, $3, now(), now(), clock_timestamp())
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)email ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = total });
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        foreach (var promotion in promotions)
        {
            await using var insert = orders.CreateCommand("INSERT INTO otter.order_promotions (order_id, external_id, name, value) VALUES ($1, $2, $3, $4)");
            insert.Parameters.Add(new NpgsqlParameter { Value = id });
            insert.Parameters.Add(new NpgsqlParameter { Value = promotion.Id });
            insert.Parameters.Add(new NpgsqlParameter { Value = promotion.Name });
            insert.Parameters.Add(new NpgsqlParameter { Value = promotion.Value });
            await insert.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        return id;
    }
}
