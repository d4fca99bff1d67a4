using System.Globalization;
using Orbital.Warehouse;

namespace Orbital.Batch.ReferenceData;

/// <summary>Stations, items and brands as the warehouse keeps them (tables <c>stations</c>, <c>items</c>, <c>brands</c>).</summary>
public static class ReferenceDataTables
{
    public static readonly WarehouseTable Stations = new("stations",
        [new("id", WarehouseType.Text), new("name", WarehouseType.Text), new("display_order", WarehouseType.Integer)], ["id"]);

    public static readonly WarehouseTable Items = new("items",
    [
        new("sku", WarehouseType.Text), new("name", WarehouseType.Text), new("station_id", WarehouseType.Text), new("prep_seconds", WarehouseType.Integer),
        new("batchable", WarehouseType.Boolean), new("max_batch_size", WarehouseType.Integer), new("brand_id", WarehouseType.Text),
    ], ["sku"]);

    public static readonly WarehouseTable Brands = new("brands", [new("id", WarehouseType.Text), new("name", WarehouseType.Text)], ["id"]);

    public static async Task<KitchenReferenceData> ReadAsync(IWarehouse warehouse, CancellationToken cancellationToken)
    {
        var stations = await warehouse.QueryAsync("SELECT id, name, display_order FROM {schema}.stations ORDER BY display_order, id", [], cancellationToken);
        var items = await warehouse.QueryAsync(
            "SELECT sku, name, station_id, prep_seconds, batchable, max_batch_size, brand_id FROM {schema}.items ORDER BY sku", [], cancellationToken);
        var brands = await warehouse.QueryAsync("SELECT id, name FROM {schema}.brands ORDER BY id", [], cancellationToken);
        return new KitchenReferenceData(
            [.. stations.Select(s => new Station(s[0]!, s[1]!, Integer(s[2])))],
            [.. items.Select(i => new MenuItem(i[0]!, i[1]!, i[2]!, Integer(i[3]), Boolean(i[4]), Integer(i[5]), i[6]))],
            [.. brands.Select(b => new Brand(b[0]!, b[1]!))]);
    }

    /// <summary>Creates the tables and, when they are empty, fills them with <paramref name="seed"/>; true when it seeded.</summary>
    public static async Task<bool> SeedWhenEmptyAsync(IWarehouse warehouse, KitchenReferenceData seed, CancellationToken cancellationToken)
    {
        foreach (var table in new[] { Stations, Items, Brands })
        {
            await warehouse.EnsureTableAsync(table, cancellationToken);
        }

        var count = await warehouse.QueryAsync("SELECT count(*) FROM {schema}.items", [], cancellationToken);
        if (Integer(count[0][0]) > 0)
        {
            return false;
        }

        await warehouse.UpsertAsync(Stations, [.. seed.Stations.Select(s => new object?[] { s.Id, s.Name, (long)s.DisplayOrder })], cancellationToken);
        await warehouse.UpsertAsync(Brands, [.. seed.Brands.Select(b => new object?[] { b.Id, b.Name })], cancellationToken);
        await warehouse.UpsertAsync(Items, [.. seed.Items.Select(i => new object?[]
            { i.Sku, i.Name, i.StationId, (long)i.PrepSeconds, i.Batchable, (long)i.MaxBatchSize, i.BrandId })], cancellationToken);
        return true;
    }

    private static int Integer(string? value) => (int)decimal.Parse(value ?? "0", CultureInfo.InvariantCulture);

    private static bool Boolean(string? value) => value is "true" or "True" or "TRUE" or "1";
}
