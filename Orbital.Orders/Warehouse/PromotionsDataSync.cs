using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Warehouse;

namespace Orbital.Orders.Warehouse;

/// <summary>Promotions applied to orders, to the warehouse: one row per order and promotion, taken from orders changed since the last run.</summary>
public sealed class PromotionsDataSync(
    NpgsqlDataSource source, IWarehouse warehouse, IOptions<WarehouseOptions> options, TimeProvider time, WarehouseSyncMetrics metrics, ILogger<PromotionsDataSync> logger)
    : WarehouseSync(source, warehouse, options, time, metrics, logger)
{
    public const string Id = "promotions-data-sync";
    public const string DefaultSchedule = "45 * * * *";

    public static readonly WarehouseTable PromotionsTable = new("order_promotions",
    [
        new("order_id", WarehouseType.Text),
        new("promotion_key", WarehouseType.Text),
        new("external_id", WarehouseType.Text),
        new("name", WarehouseType.Text),
        new("value", WarehouseType.Decimal),
        new("store_id", WarehouseType.Text),
        new("source", WarehouseType.Text),
        new("ordered_at", WarehouseType.Timestamp),
        new("order_status", WarehouseType.Text),
        new("updated_at", WarehouseType.Timestamp),
    ], ["order_id", "promotion_key"]);

    public override string JobName => Id;

    public override WarehouseTable Table => PromotionsTable;

    protected override async Task<SyncBatch?> ReadAsync(NpgsqlDataSource source, Watermark after, DateTimeOffset until, int limit, CancellationToken cancellationToken)
    {
        await using var command = SourceQuery(source,
            """
            WITH changed AS (
                SELECT id, updated_at, store_id, source, ordered_at, status FROM otter.orders
                WHERE (updated_at, id) > ($1, $2) AND updated_at <= $3
                ORDER BY updated_at, id LIMIT $4)
            SELECT 'mark', NULL, NULL, NULL, NULL::numeric, NULL, NULL, NULL::timestamptz, NULL, (SELECT max(updated_at) FROM changed),
                   (SELECT id FROM changed ORDER BY updated_at DESC, id DESC LIMIT 1), (SELECT count(*) FROM changed)::int
            UNION ALL
            SELECT c.id,
                   coalesce(p.external_id, p.name, '') || '#' || row_number() OVER (PARTITION BY c.id, coalesce(p.external_id, p.name, '') ORDER BY p.id),
                   p.external_id, p.name, p.value, c.store_id, c.source, c.ordered_at, c.status, c.updated_at, NULL, NULL
            FROM changed c JOIN otter.order_promotions p ON p.order_id = c.id
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
                reader.GetString(0), reader.GetString(1), Value(reader, 2), Value(reader, 3), Value(reader, 4), reader.GetString(5),
                Value(reader, 6), Value(reader, 7), reader.GetString(8), reader.GetFieldValue<DateTimeOffset>(9),
            ]);
        }

        return through is null ? null : new SyncBatch(rows, through, sourceRows);
    }

    private static object? Value(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetValue(ordinal);
}
