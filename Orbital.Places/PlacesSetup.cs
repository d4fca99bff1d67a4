using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orbital.Places;

/// <summary>
/// A physical location. A <see cref="KitchenKinds.Kitchen"/> cooks Otter's orders; a <see cref="KitchenKinds.Commissary"/>
/// only preps for the others. Its business day starts at <see cref="DayStartsAt"/> local time, so an order at 01:30
/// belongs to the evening before.
/// </summary>
public sealed record Kitchen(string Id, string Name, string TimeZone, string DayStartsAt = "04:00", bool HasExpo = false, string Kind = KitchenKinds.Kitchen);

public static class KitchenKinds
{
    public const string Kitchen = "kitchen";
    public const string Commissary = "commissary";
}

/// <summary>A virtual restaurant: its menu is cooked in every kitchen where it has an Otter store.</summary>
public sealed record Brand(string Id, string Name);

/// <summary>An Otter store: one brand at one kitchen.</summary>
public sealed record Store(string StoreId, string KitchenId, string BrandId);

/// <summary>A station of one kitchen (grill, fryer …), with its place in the pickers.</summary>
public sealed record Station(string KitchenId, string Id, string Name, int DisplayOrder);

/// <summary>What a brand's SKU is to the kitchen: where it is cooked, how long it takes, whether and how far it batches.</summary>
public sealed record MenuItem(string BrandId, string Sku, string Name, string StationId, int PrepSeconds, bool Batchable, int MaxBatchSize);

/// <summary>The same SKU done differently in one kitchen: each value set replaces the brand's.</summary>
public sealed record MenuItemOverride(string KitchenId, string BrandId, string Sku, string? StationId = null, int? PrepSeconds = null, bool? Batchable = null, int? MaxBatchSize = null);

/// <summary>Otter's own station id (a UUID in its API) for one of a kitchen's stations.</summary>
public sealed record OtterStation(string KitchenId, string OtterStationId, string StationId);

/// <summary>The whole setup of places and menus, as an operator sends it and as the warehouse keeps it.</summary>
public sealed record PlacesSetup(
    IReadOnlyList<Kitchen> Kitchens,
    IReadOnlyList<Brand> Brands,
    IReadOnlyList<Store> Stores,
    IReadOnlyList<Station> Stations,
    IReadOnlyList<MenuItem> MenuItems,
    IReadOnlyList<MenuItemOverride>? MenuItemOverrides = null,
    IReadOnlyList<OtterStation>? OtterStations = null)
{
    public static PlacesSetup Empty { get; } = new([], [], [], [], []);

    [JsonIgnore]
    public IReadOnlyList<MenuItemOverride> Overrides => MenuItemOverrides ?? [];

    [JsonIgnore]
    public IReadOnlyList<OtterStation> OtterStationMappings => OtterStations ?? [];

    /// <summary>The same rows, whatever their order (the warehouse gives them back sorted).</summary>
    public bool SameAs(PlacesSetup other) =>
        Rows(Kitchens).SetEquals(Rows(other.Kitchens)) && Rows(Brands).SetEquals(Rows(other.Brands)) && Rows(Stores).SetEquals(Rows(other.Stores))
        && Rows(Stations).SetEquals(Rows(other.Stations)) && Rows(MenuItems).SetEquals(Rows(other.MenuItems))
        && Rows(Overrides).SetEquals(Rows(other.Overrides)) && Rows(OtterStationMappings).SetEquals(Rows(other.OtterStationMappings))
        && Kitchens.Count == other.Kitchens.Count && Stores.Count == other.Stores.Count && Stations.Count == other.Stations.Count
        && MenuItems.Count == other.MenuItems.Count && Overrides.Count == other.Overrides.Count && OtterStationMappings.Count == other.OtterStationMappings.Count;

    private static HashSet<T> Rows<T>(IReadOnlyList<T> rows) => [.. rows];
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(PlacesSetup))]
public sealed partial class PlacesJson : JsonSerializerContext;
