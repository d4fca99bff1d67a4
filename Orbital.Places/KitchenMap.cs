using NodaTime;
using NodaTime.Text;

namespace Orbital.Places;

/// <summary>A menu item as one kitchen cooks it: the brand's item with that kitchen's override applied.</summary>
public sealed record KitchenMenuItem(string Sku, string Name, string StationId, int PrepSeconds, bool Batchable, int MaxBatchSize);

/// <summary>
/// One setup, indexed for the questions every order asks: which kitchen and brand a store is, how a kitchen cooks a
/// SKU, which of its stations an Otter station id is, and a kitchen's business day. Immutable; a new setup is a new copy.
/// </summary>
public sealed class KitchenMap
{
    /// <summary>Where orders of stores that are not in the setup are cooked, so that none is dropped.</summary>
    public const string UnassignedKitchenId = "unassigned";

    /// <summary>Where a line goes that neither the menu nor Otter places at a station.</summary>
    public const string UnassignedStationId = "unassigned";

    public static readonly Kitchen UnassignedKitchen = new(UnassignedKitchenId, "Unassigned (stores not set up)", "Etc/UTC");

    private static readonly LocalTimePattern DayStartPattern = LocalTimePattern.CreateWithInvariantCulture("HH:mm");

    private readonly Dictionary<string, Kitchen> _kitchens;
    private readonly Dictionary<string, Store> _stores;
    private readonly Dictionary<string, Brand> _brands;
    private readonly Dictionary<(string Kitchen, string Station), Station> _stations;
    private readonly Dictionary<(string Brand, string Sku), MenuItem> _items;
    private readonly Dictionary<string, MenuItem> _anyBrand;
    private readonly Dictionary<(string Kitchen, string Brand, string Sku), MenuItemOverride> _overrides;
    private readonly Dictionary<(string Kitchen, string OtterStation), string> _otterStations;
    private readonly Dictionary<string, (DateTimeZone Zone, LocalTime DayStart)> _clocks = new(StringComparer.Ordinal);

    public KitchenMap(PlacesSetup setup, long version)
    {
        Setup = setup;
        Version = version;
        Kitchens = [.. setup.Kitchens, UnassignedKitchen];
        _kitchens = Kitchens.ToDictionary(k => k.Id, StringComparer.Ordinal);
        _stores = setup.Stores.ToDictionary(s => s.StoreId, StringComparer.Ordinal);
        _brands = setup.Brands.GroupBy(b => b.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _stations = setup.Stations.ToDictionary(s => (s.KitchenId, s.Id));
        _items = setup.MenuItems.ToDictionary(i => (i.BrandId, i.Sku));
        _anyBrand = setup.MenuItems.GroupBy(i => i.Sku, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        _overrides = setup.Overrides.ToDictionary(o => (o.KitchenId, o.BrandId, o.Sku));
        _otterStations = setup.OtterStationMappings.ToDictionary(o => (o.KitchenId, o.OtterStationId), o => o.StationId);
        foreach (var kitchen in Kitchens)
        {
            _clocks[kitchen.Id] = (DateTimeZoneProviders.Tzdb.GetZoneOrNull(kitchen.TimeZone) ?? DateTimeZone.Utc,
                DayStartPattern.Parse(kitchen.DayStartsAt).GetValueOrThrow());
        }
    }

    public static KitchenMap Empty { get; } = new(PlacesSetup.Empty, 0);

    public PlacesSetup Setup { get; }

    /// <summary>The setup's version in the warehouse (0: none yet).</summary>
    public long Version { get; }

    /// <summary>Every kitchen and commissary of the setup, and the unassigned kitchen last.</summary>
    public IReadOnlyList<Kitchen> Kitchens { get; }

    public Kitchen? Kitchen(string kitchenId) => _kitchens.GetValueOrDefault(kitchenId);

    /// <summary>The kitchen and brand of an Otter store; the unassigned kitchen, with no brand, for a store not set up.</summary>
    public (Kitchen Kitchen, string? BrandId) StoreLocation(string storeId) =>
        _stores.TryGetValue(storeId, out var store) && _kitchens.TryGetValue(store.KitchenId, out var kitchen)
            ? (kitchen, store.BrandId)
            : (UnassignedKitchen, null);

    public Brand? Brand(string? brandId) => brandId is null ? null : _brands.GetValueOrDefault(brandId);

    public bool IsMapped(string storeId) => _stores.ContainsKey(storeId);

    public IEnumerable<Store> StoresOf(string kitchenId) => Setup.Stores.Where(s => s.KitchenId == kitchenId);

    /// <summary>
    /// A kitchen's stations in picker order. The unassigned kitchen has every station any kitchen has (its orders' lines
    /// go to their menus' stations), and its own unassigned one.
    /// </summary>
    public IEnumerable<Station> StationsOf(string kitchenId) =>
        kitchenId == UnassignedKitchenId
            ? Setup.Stations.GroupBy(s => s.Id, StringComparer.Ordinal).Select(g => g.First() with { KitchenId = UnassignedKitchenId })
                .Where(s => s.Id != UnassignedStationId)
                .Append(new Station(UnassignedKitchenId, UnassignedStationId, "Unassigned", int.MaxValue))
                .OrderBy(s => s.DisplayOrder).ThenBy(s => s.Id, StringComparer.Ordinal)
            : Setup.Stations.Where(s => s.KitchenId == kitchenId).OrderBy(s => s.DisplayOrder).ThenBy(s => s.Id, StringComparer.Ordinal);

    /// <summary>What kitchens call a station id (for a kitchen that is not in the setup), or the id itself.</summary>
    public string StationName(string stationId) => Setup.Stations.FirstOrDefault(s => s.Id == stationId)?.Name ?? stationId;

    public Station? Station(string kitchenId, string stationId) => _stations.GetValueOrDefault((kitchenId, stationId));

    /// <summary>
    /// How <paramref name="kitchenId"/> cooks <paramref name="sku"/> for <paramref name="brandId"/>: the brand's item with the
    /// kitchen's override. With no brand (an unmapped store, or a batch item shared by brands) the first brand that sells the SKU.
    /// </summary>
    public KitchenMenuItem? MenuItem(string kitchenId, string? brandId, string sku)
    {
        var item = brandId is null ? _anyBrand.GetValueOrDefault(sku) : _items.GetValueOrDefault((brandId, sku));
        if (item is null)
        {
            return null;
        }

        var change = _overrides.GetValueOrDefault((kitchenId, item.BrandId, sku));
        return new KitchenMenuItem(
            item.Sku,
            item.Name,
            change?.StationId ?? item.StationId,
            change?.PrepSeconds ?? item.PrepSeconds,
            change?.Batchable ?? item.Batchable,
            change?.MaxBatchSize ?? item.MaxBatchSize);
    }

    /// <summary>The kitchen's station that Otter's station id stands for, if the setup maps it.</summary>
    public string? OtterStation(string kitchenId, string otterStationId) => _otterStations.GetValueOrDefault((kitchenId, otterStationId));

    /// <summary>The kitchen's wall-clock time at <paramref name="instant"/>, with its offset from UTC then.</summary>
    public DateTimeOffset LocalTime(string kitchenId, DateTimeOffset instant) =>
        Instant.FromDateTimeOffset(instant).InZone(_clocks.TryGetValue(kitchenId, out var clock) ? clock.Zone : DateTimeZone.Utc).ToDateTimeOffset();

    /// <summary>The kitchen's local date of the business day that <paramref name="instant"/> falls in.</summary>
    public DateOnly BusinessDay(string kitchenId, DateTimeOffset instant)
    {
        var (zone, dayStart) = _clocks.GetValueOrDefault(kitchenId, (DateTimeZone.Utc, new LocalTime(4, 0)));
        return BusinessDays.Of(Instant.FromDateTimeOffset(instant), zone, dayStart);
    }

    /// <summary>
    /// When the kitchen's business day <paramref name="day"/> starts and ends (a day of 23 or 25 hours where clocks
    /// change), as UTC instants: PostgreSQL takes no other offset for a <c>timestamptz</c> parameter.
    /// </summary>
    public (DateTimeOffset Start, DateTimeOffset End) BusinessDayBounds(string kitchenId, DateOnly day)
    {
        var (zone, dayStart) = _clocks.GetValueOrDefault(kitchenId, (DateTimeZone.Utc, new LocalTime(4, 0)));
        var date = LocalDate.FromDateOnly(day);
        return (date.At(dayStart).InZoneLeniently(zone).ToInstant().ToDateTimeOffset(),
            date.PlusDays(1).At(dayStart).InZoneLeniently(zone).ToInstant().ToDateTimeOffset());
    }
}

public static class BusinessDays
{
    /// <summary>The local date, or the date before when the local time is earlier than the day's start.</summary>
    public static DateOnly Of(Instant instant, DateTimeZone zone, LocalTime dayStart)
    {
        var local = instant.InZone(zone).LocalDateTime;
        var date = local.TimeOfDay < dayStart ? local.Date.PlusDays(-1) : local.Date;
        return date.ToDateOnly();
    }
}
