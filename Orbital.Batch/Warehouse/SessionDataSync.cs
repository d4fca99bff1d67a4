using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Warehouse;

namespace Orbital.Batch.Warehouse;

/// <summary>Cooking sessions to the warehouse, so cook times can be compared with planned prep times.</summary>
public sealed class SessionDataSync(
    NpgsqlDataSource source, IWarehouse warehouse, IOptions<WarehouseOptions> options, TimeProvider time, WarehouseSyncMetrics metrics, ILogger<SessionDataSync> logger)
    : WarehouseSync(source, warehouse, options, time, metrics, logger)
{
    public const string Id = "session-data-sync";
    public const string DefaultSchedule = "*/15 * * * *";

    public static readonly WarehouseTable SessionsTable = new("batch_item_sessions",
    [
        new("session_id", WarehouseType.Integer),
        new("batch_item_id", WarehouseType.Integer),
        new("station_id", WarehouseType.Text),
        new("sku", WarehouseType.Text),
        new("quantity", WarehouseType.Integer),
        new("planned_prep_seconds", WarehouseType.Integer),
        new("started_at", WarehouseType.Timestamp),
        new("started_by", WarehouseType.Text),
        new("completed_at", WarehouseType.Timestamp),
        new("completed_by", WarehouseType.Text),
        new("completed_quantity", WarehouseType.Integer),
        new("cook_seconds", WarehouseType.Decimal),
        new("updated_at", WarehouseType.Timestamp),
        new("kitchen_id", WarehouseType.Text, AddedLater: true),
    ], ["session_id"]);

    public override string JobName => Id;

    public override WarehouseTable Table => SessionsTable;

    protected override async Task<SyncBatch?> ReadAsync(NpgsqlDataSource source, Watermark after, DateTimeOffset until, int limit, CancellationToken cancellationToken)
    {
        // Keys compare as text in the watermark, so they are zero-padded to keep numeric order.
        await using var command = SourceQuery(source,
            """
            SELECT id, batch_item_id, station_id, sku, quantity, planned_prep_seconds, started_at, started_by, completed_at, completed_by,
                   completed_quantity, extract(epoch FROM completed_at - started_at)::numeric, updated_at, kitchen_id, lpad(id::text, 20, '0')
            FROM batch.batch_item_sessions
            WHERE (updated_at, lpad(id::text, 20, '0')) > ($1, $2) AND updated_at <= $3
            ORDER BY updated_at, id LIMIT $4
            """, after, until, limit);
        var rows = new List<object?[]>();
        Watermark? through = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var row = new object?[14];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
            through = new Watermark(reader.GetFieldValue<DateTimeOffset>(12), reader.GetString(14));
        }

        return through is null ? null : new SyncBatch(rows, through, rows.Count);
    }
}
