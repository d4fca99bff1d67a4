using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Warehouse;

namespace Orbital.Orders.Warehouse;

/// <summary>
/// Customers to the warehouse (daily): one row per customer, identified by e-mail or else phone, with their order
/// count, spend and first and last order. Each run takes the orders changed since the last one and recomputes the
/// customers they belong to from all of their orders, so a repeated run writes the same rows.
/// </summary>
public sealed class CustomerDataSync(
    NpgsqlDataSource source, IWarehouse warehouse, IOptions<WarehouseOptions> options, TimeProvider time, WarehouseSyncMetrics metrics, ILogger<CustomerDataSync> logger)
    : WarehouseSync(source, warehouse, options, time, metrics, logger)
{
    public const string Id = "customer-data-sync";
    public const string DefaultSchedule = "15 3 * * *";

    public static readonly WarehouseTable CustomersTable = new("customers",
    [
        new("customer_key", WarehouseType.Text),
        new("name", WarehouseType.Text),
        new("email", WarehouseType.Text),
        new("phone", WarehouseType.Text),
        new("first_order_at", WarehouseType.Timestamp),
        new("last_order_at", WarehouseType.Timestamp),
        new("order_count", WarehouseType.Integer),
        new("total_spent", WarehouseType.Decimal),
        new("last_store_id", WarehouseType.Text),
        new("updated_at", WarehouseType.Timestamp),
    ], ["customer_key"]);

    private const string CustomerKey = "coalesce(nullif(lower(trim(customer_email)), ''), nullif(regexp_replace(customer_phone, '[^0-9+]', '', 'g'), ''))";

    public override string JobName => Id;

    public override WarehouseTable Table => CustomersTable;

    protected override async Task<SyncBatch?> ReadAsync(NpgsqlDataSource source, Watermark after, DateTimeOffset until, int limit, CancellationToken cancellationToken)
    {
        await using var command = SourceQuery(source,
            $"""
            WITH changed AS (
                SELECT id, updated_at, {CustomerKey} AS customer_key FROM otter.orders
                WHERE (updated_at, id) > ($1, $2) AND updated_at <= $3
                ORDER BY updated_at, id LIMIT $4),
            customers AS (
                SELECT {CustomerKey} AS customer_key,
                       (array_agg(customer_name ORDER BY coalesce(ordered_at, created_at) DESC) FILTER (WHERE customer_name IS NOT NULL))[1] AS name,
                       (array_agg(customer_email ORDER BY coalesce(ordered_at, created_at) DESC) FILTER (WHERE customer_email IS NOT NULL))[1] AS email,
                       (array_agg(customer_phone ORDER BY coalesce(ordered_at, created_at) DESC) FILTER (WHERE customer_phone IS NOT NULL))[1] AS phone,
                       min(coalesce(ordered_at, created_at)) AS first_order_at, max(coalesce(ordered_at, created_at)) AS last_order_at,
                       count(*) FILTER (WHERE status <> 'CANCELED') AS order_count,
                       coalesce(sum(total) FILTER (WHERE status <> 'CANCELED'), 0) AS total_spent,
                       (array_agg(store_id ORDER BY coalesce(ordered_at, created_at) DESC))[1] AS last_store_id,
                       max(updated_at) AS updated_at
                FROM otter.orders
                WHERE {CustomerKey} IN (SELECT customer_key FROM changed WHERE customer_key IS NOT NULL)
                GROUP BY 1)
            SELECT 'mark', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, (SELECT max(updated_at) FROM changed),
                   (SELECT id FROM changed ORDER BY updated_at DESC, id DESC LIMIT 1), (SELECT count(*) FROM changed)::int
            UNION ALL
            SELECT customer_key, name, email, phone, first_order_at, last_order_at, order_count, total_spent, last_store_id, updated_at, NULL, NULL
            FROM customers
            """, after, until, limit);
        var rows = new List<object?[]>();
        Watermark? through = null;
        var sourceRows = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(11))
            {
                sourceRows = reader.GetInt32(11);
                through = sourceRows == 0 ? null : new Watermark(reader.GetFieldValue<DateTimeOffset>(9), reader.GetString(10));
                continue;
            }

            rows.Add(
            [
                reader.GetString(0), Value(reader, 1), Value(reader, 2), Value(reader, 3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt64(6), reader.GetDecimal(7),
                reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9),
            ]);
        }

        return through is null ? null : new SyncBatch(rows, through, sourceRows);
    }

    private static object? Value(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetValue(ordinal);
}
