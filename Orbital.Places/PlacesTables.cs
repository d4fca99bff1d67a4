using System.Globalization;
using Orbital.Warehouse;

namespace Orbital.Places;

/// <summary>
/// The setup as the warehouse keeps it: one table per kind of row (<c>place_kitchens</c>, <c>place_stores</c> …), every
/// row tagged with the setup version it belongs to, and <c>place_setups</c> naming the versions. A new setup is written
/// in full under a new version and becomes current when its <c>place_setups</c> row is written last, so a reader never
/// sees half of one setup and half of another (the warehouse has no transaction across tables).
/// </summary>
public static class PlacesTables
{
    /// <summary>Older setups kept for audit; older ones are deleted.</summary>
    private const int VersionsKept = 5;

    public static readonly WarehouseTable Setups = new("place_setups",
        [new("version", WarehouseType.Integer), new("applied_at", WarehouseType.Timestamp), new("applied_by", WarehouseType.Text)], ["version"]);

    public static readonly WarehouseTable Kitchens = Versioned("place_kitchens", ["id"],
        new("id", WarehouseType.Text), new("name", WarehouseType.Text), new("time_zone", WarehouseType.Text),
        new("day_starts_at", WarehouseType.Text), new("has_expo", WarehouseType.Boolean), new("kind", WarehouseType.Text));

    public static readonly WarehouseTable Brands = Versioned("place_brands", ["id"], new("id", WarehouseType.Text), new("name", WarehouseType.Text));

    public static readonly WarehouseTable Stores = Versioned("place_stores", ["store_id"],
        new("store_id", WarehouseType.Text), new("kitchen_id", WarehouseType.Text), new("brand_id", WarehouseType.Text));

    public static readonly WarehouseTable Stations = Versioned("place_stations", ["kitchen_id", "id"],
        new("kitchen_id", WarehouseType.Text), new("id", WarehouseType.Text), new("name", WarehouseType.Text), new("display_order", WarehouseType.Integer));

    public static readonly WarehouseTable MenuItems = Versioned("place_menu_items", ["brand_id", "sku"],
        new("brand_id", WarehouseType.Text), new("sku", WarehouseType.Text), new("name", WarehouseType.Text), new("station_id", WarehouseType.Text),
        new("prep_seconds", WarehouseType.Integer), new("batchable", WarehouseType.Boolean), new("max_batch_size", WarehouseType.Integer));

    public static readonly WarehouseTable MenuItemOverrides = Versioned("place_menu_item_overrides", ["kitchen_id", "brand_id", "sku"],
        new("kitchen_id", WarehouseType.Text), new("brand_id", WarehouseType.Text), new("sku", WarehouseType.Text), new("station_id", WarehouseType.Text),
        new("prep_seconds", WarehouseType.Integer), new("batchable", WarehouseType.Boolean), new("max_batch_size", WarehouseType.Integer));

    public static readonly WarehouseTable OtterStations = Versioned("place_otter_stations", ["kitchen_id", "otter_station_id"],
        new("kitchen_id", WarehouseType.Text), new("otter_station_id", WarehouseType.Text), new("station_id", WarehouseType.Text));

    private static readonly WarehouseTable[] All = [Setups, Kitchens, Brands, Stores, Stations, MenuItems, MenuItemOverrides, OtterStations];

    public static async Task EnsureTablesAsync(IWarehouse warehouse, CancellationToken cancellationToken)
    {
        foreach (var table in All)
        {
            await warehouse.EnsureTableAsync(table, cancellationToken);
        }
    }

    /// <summary>The current setup and its version; <see cref="KitchenMap.Empty"/> when none was ever written.</summary>
    public static async Task<KitchenMap> ReadAsync(IWarehouse warehouse, CancellationToken cancellationToken)
    {
        var current = await warehouse.QueryAsync("SELECT max(version) FROM {schema}.place_setups", [], cancellationToken);
        if (current.Count == 0 || current[0][0] is null)
        {
            return KitchenMap.Empty;
        }

        var version = Integer(current[0][0]);
        async Task<IReadOnlyList<string?[]>> Rows(WarehouseTable table, string orderBy) =>
            await warehouse.QueryAsync(
                $"SELECT {string.Join(", ", table.Columns.Skip(1).Select(c => c.Name))} FROM {{schema}}.{table.Name} WHERE setup_version = ? ORDER BY {orderBy}",
                [version], cancellationToken);

        var setup = new PlacesSetup(
            [.. (await Rows(Kitchens, "id")).Select(r => new Kitchen(r[0]!, r[1]!, r[2]!, r[3]!, Boolean(r[4]), r[5]!))],
            [.. (await Rows(Brands, "id")).Select(r => new Brand(r[0]!, r[1]!))],
            [.. (await Rows(Stores, "store_id")).Select(r => new Store(r[0]!, r[1]!, r[2]!))],
            [.. (await Rows(Stations, "kitchen_id, display_order, id")).Select(r => new Station(r[0]!, r[1]!, r[2]!, (int)Integer(r[3])))],
            [.. (await Rows(MenuItems, "brand_id, sku")).Select(r => new MenuItem(r[0]!, r[1]!, r[2]!, r[3]!, (int)Integer(r[4]), Boolean(r[5]), (int)Integer(r[6])))],
            [.. (await Rows(MenuItemOverrides, "kitchen_id, brand_id, sku")).Select(r => new MenuItemOverride(
                r[0]!, r[1]!, r[2]!, r[3], r[4] is null ? null : (int)Integer(r[4]), r[5] is null ? null : Boolean(r[5]), r[6] is null ? null : (int)Integer(r[6])))],
            [.. (await Rows(OtterStations, "kitchen_id, otter_station_id")).Select(r => new OtterStation(r[0]!, r[1]!, r[2]!))]);
        return new KitchenMap(setup, version);
    }

    /// <summary>
    /// Writes <paramref name="setup"/> (already validated) as the next version and returns it. Callers serialise their
    /// writes (two at once would pick the same version).
    /// </summary>
    public static async Task<long> WriteAsync(IWarehouse warehouse, PlacesSetup setup, string appliedBy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await EnsureTablesAsync(warehouse, cancellationToken);
        var latest = await warehouse.QueryAsync("SELECT coalesce(max(version), 0) FROM {schema}.place_setups", [], cancellationToken);
        var version = Integer(latest[0][0]) + 1;
        // Rows a failed earlier attempt left under this version are overwritten or removed first.
        await DeleteVersionsAsync(warehouse, "setup_version >= ?", version, cancellationToken);

        await warehouse.UpsertAsync(Kitchens, [.. setup.Kitchens.Select(k => Row(version, k.Id, k.Name, k.TimeZone, k.DayStartsAt, k.HasExpo, k.Kind))], cancellationToken);
        await warehouse.UpsertAsync(Brands, [.. setup.Brands.Select(b => Row(version, b.Id, b.Name))], cancellationToken);
        await warehouse.UpsertAsync(Stores, [.. setup.Stores.Select(s => Row(version, s.StoreId, s.KitchenId, s.BrandId))], cancellationToken);
        await warehouse.UpsertAsync(Stations, [.. setup.Stations.Select(s => Row(version, s.KitchenId, s.Id, s.Name, (long)s.DisplayOrder))], cancellationToken);
        await warehouse.UpsertAsync(MenuItems, [.. setup.MenuItems.Select(m =>
            Row(version, m.BrandId, m.Sku, m.Name, m.StationId, (long)m.PrepSeconds, m.Batchable, (long)m.MaxBatchSize))], cancellationToken);
        await warehouse.UpsertAsync(MenuItemOverrides, [.. setup.Overrides.Select(o =>
            Row(version, o.KitchenId, o.BrandId, o.Sku, o.StationId, (long?)o.PrepSeconds, o.Batchable, (long?)o.MaxBatchSize))], cancellationToken);
        await warehouse.UpsertAsync(OtterStations, [.. setup.OtterStationMappings.Select(o => Row(version, o.KitchenId, o.OtterStationId, o.StationId))], cancellationToken);

        // The commit point: from here on readers see the new version.
        await warehouse.UpsertAsync(Setups, [[version, now, appliedBy]], cancellationToken);
        await DeleteVersionsAsync(warehouse, "setup_version <= ?", version - VersionsKept, cancellationToken);
        return version;
    }

    private static async Task DeleteVersionsAsync(IWarehouse warehouse, string condition, long version, CancellationToken cancellationToken)
    {
        foreach (var table in All.Skip(1))
        {
            await warehouse.QueryAsync($"DELETE FROM {{schema}}.{table.Name} WHERE {condition}", [version], cancellationToken);
        }
    }

    private static WarehouseTable Versioned(string name, string[] key, params WarehouseColumn[] columns) =>
        new(name, [new("setup_version", WarehouseType.Integer), .. columns], ["setup_version", .. key]);

    private static object?[] Row(long version, params object?[] values) => [version, .. values];

    private static long Integer(string? value) => (long)decimal.Parse(value ?? "0", CultureInfo.InvariantCulture);

    private static bool Boolean(string? value) => value is "true" or "True" or "TRUE" or "1";
}
