using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Warehouse;

namespace Orbital.Prep.Warehouse;

/// <summary>PAR levels to the warehouse (weekly), one row per location, product and weekday.</summary>
public sealed class ParsSync(
    NpgsqlDataSource source, IWarehouse warehouse, IOptions<WarehouseOptions> options, TimeProvider time, WarehouseSyncMetrics metrics, ILogger<ParsSync> logger)
    : WarehouseSync(source, warehouse, options, time, metrics, logger)
{
    public const string Id = "pars-sync";
    public const string DefaultSchedule = "0 4 * * 1";

    public static readonly WarehouseTable ParsTable = new("pars",
    [
        new("location_id", WarehouseType.Text),
        new("sku", WarehouseType.Text),
        new("weekday", WarehouseType.Integer),
        new("quantity", WarehouseType.Decimal),
        new("unit", WarehouseType.Text),
        new("updated_at", WarehouseType.Timestamp),
        new("updated_by", WarehouseType.Text),
    ], ["location_id", "sku", "weekday"]);

    public override string JobName => Id;

    public override WarehouseTable Table => ParsTable;

    protected override async Task<SyncBatch?> ReadAsync(NpgsqlDataSource source, Watermark after, DateTimeOffset until, int limit, CancellationToken cancellationToken)
    {
        await using var command = SourceQuery(source,
            """
            SELECT p.location_id, p.sku, p.weekday, p.quantity, pr.unit, p.updated_at, p.updated_by,
                   p.location_id || chr(31) || p.sku || chr(31) || p.weekday AS sync_key
            FROM prep.pars p JOIN prep.products pr ON pr.sku = p.sku
            WHERE (p.updated_at, p.location_id || chr(31) || p.sku || chr(31) || p.weekday) > ($1, $2) AND p.updated_at <= $3
            ORDER BY p.updated_at, sync_key LIMIT $4
            """, after, until, limit);
        var rows = new List<object?[]>();
        Watermark? through = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add([reader.GetString(0), reader.GetString(1), (long)reader.GetInt16(2), reader.GetDecimal(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetString(6)]);
            through = new Watermark(reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(7));
        }

        return through is null ? null : new SyncBatch(rows, through, rows.Count);
    }
}
