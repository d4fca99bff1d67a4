using System.Text.RegularExpressions;
using NodaTime;
using NodaTime.Text;

namespace Orbital.Places;

/// <summary>One thing wrong with a setup: the table, the row (1-based, as in the file sent), its key and what is wrong.</summary>
public sealed record SetupProblem(string Table, int Row, string Key, string Problem);

/// <summary>
/// Checks a whole setup before anything changes: every row of every table, each problem named with its row, so an
/// operator fixes the file once rather than one error per attempt.
/// </summary>
public static partial class SetupValidation
{
    public const int MaxRows = 50_000;
    public const int MaxIdLength = 100;
    public const int MaxNameLength = 200;
    public const int MaxPrepSeconds = 24 * 60 * 60;
    public const int MaxBatchSize = 1_000;

    public static List<SetupProblem> Validate(PlacesSetup setup)
    {
        var problems = new List<SetupProblem>();
        var rows = setup.Kitchens.Count + setup.Brands.Count + setup.Stores.Count + setup.Stations.Count + setup.MenuItems.Count
            + setup.Overrides.Count + setup.OtterStationMappings.Count;
        if (rows > MaxRows)
        {
            problems.Add(new("setup", 0, string.Empty, $"{rows} rows; a setup holds at most {MaxRows}."));
            return problems;
        }

        // A null row ("kitchens": [null]) has nothing to check: name it and stop before the checks below read it.
        NullRows(problems, "kitchens", setup.Kitchens);
        NullRows(problems, "brands", setup.Brands);
        NullRows(problems, "stores", setup.Stores);
        NullRows(problems, "stations", setup.Stations);
        NullRows(problems, "menuItems", setup.MenuItems);
        NullRows(problems, "menuItemOverrides", setup.Overrides);
        NullRows(problems, "otterStations", setup.OtterStationMappings);
        if (problems.Count > 0)
        {
            return problems;
        }

        var kitchens = Unique(problems, "kitchens", setup.Kitchens, k => k.Id, "kitchen");
        for (var i = 0; i < setup.Kitchens.Count; i++)
        {
            var kitchen = setup.Kitchens[i];
            var report = Reporter(problems, "kitchens", i, kitchen.Id);
            Id(report, kitchen.Id, "id");
            if (kitchen.Id == KitchenMap.UnassignedKitchenId)
            {
                report($"'{KitchenMap.UnassignedKitchenId}' is kept for the orders of stores that are not set up.");
            }

            Name(report, kitchen.Name);
            if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(kitchen.TimeZone ?? string.Empty) is null)
            {
                report($"time zone '{kitchen.TimeZone}' is not an IANA time zone (e.g. Europe/London, America/Chicago).");
            }

            if (!LocalTimePattern.CreateWithInvariantCulture("HH:mm").Parse(kitchen.DayStartsAt ?? string.Empty).Success)
            {
                report($"dayStartsAt '{kitchen.DayStartsAt}' is not a time of day as HH:mm (e.g. 04:00).");
            }

            if (kitchen.Kind is not (KitchenKinds.Kitchen or KitchenKinds.Commissary))
            {
                report($"kind '{kitchen.Kind}' is neither '{KitchenKinds.Kitchen}' nor '{KitchenKinds.Commissary}'.");
            }
        }

        var brands = Unique(problems, "brands", setup.Brands, b => b.Id, "brand");
        for (var i = 0; i < setup.Brands.Count; i++)
        {
            var report = Reporter(problems, "brands", i, setup.Brands[i].Id);
            Id(report, setup.Brands[i].Id, "id");
            Name(report, setup.Brands[i].Name);
        }

        Unique(problems, "stores", setup.Stores, s => s.StoreId, "store");
        for (var i = 0; i < setup.Stores.Count; i++)
        {
            var store = setup.Stores[i];
            var report = Reporter(problems, "stores", i, store.StoreId);
            Id(report, store.StoreId, "storeId");
            if (!kitchens.TryGetValue(store.KitchenId ?? string.Empty, out var kitchen))
            {
                report($"kitchen '{store.KitchenId}' is not in kitchens.");
            }
            else if (kitchen.Kind != KitchenKinds.Kitchen)
            {
                report($"'{store.KitchenId}' is a {kitchen.Kind}: Otter's orders are cooked in kitchens.");
            }

            if (!brands.ContainsKey(store.BrandId ?? string.Empty))
            {
                report($"brand '{store.BrandId}' is not in brands.");
            }
        }

        var stations = Unique(problems, "stations", setup.Stations, s => $"{s.KitchenId}/{s.Id}", "station");
        for (var i = 0; i < setup.Stations.Count; i++)
        {
            var station = setup.Stations[i];
            var report = Reporter(problems, "stations", i, $"{station.KitchenId}/{station.Id}");
            Id(report, station.Id, "id");
            Name(report, station.Name);
            KnownKitchen(report, kitchens, station.KitchenId);
        }

        var items = Unique(problems, "menuItems", setup.MenuItems, m => $"{m.BrandId}/{m.Sku}", "menu item");
        var overrides = setup.Overrides.ToLookup(o => (o.BrandId, o.Sku));
        for (var i = 0; i < setup.MenuItems.Count; i++)
        {
            var item = setup.MenuItems[i];
            var report = Reporter(problems, "menuItems", i, $"{item.BrandId}/{item.Sku}");
            Id(report, item.Sku, "sku", pattern: false);
            Id(report, item.StationId, "stationId");
            Name(report, item.Name);
            if (!brands.ContainsKey(item.BrandId ?? string.Empty))
            {
                report($"brand '{item.BrandId}' is not in brands.");
            }

            Cooking(report, item.PrepSeconds, item.MaxBatchSize);
            // The brand's station must exist in every kitchen that sells it, unless that kitchen overrides the station.
            foreach (var kitchenId in setup.Stores.Where(s => s.BrandId == item.BrandId).Select(s => s.KitchenId).Distinct())
            {
                var stationId = overrides[(item.BrandId!, item.Sku)].FirstOrDefault(o => o.KitchenId == kitchenId)?.StationId ?? item.StationId;
                if (kitchens.ContainsKey(kitchenId) && !stations.ContainsKey($"{kitchenId}/{stationId}"))
                {
                    report($"station '{stationId}' is missing in kitchen '{kitchenId}', where brand '{item.BrandId}' has a store.");
                }
            }
        }

        Unique(problems, "menuItemOverrides", setup.Overrides, o => $"{o.KitchenId}/{o.BrandId}/{o.Sku}", "override");
        for (var i = 0; i < setup.Overrides.Count; i++)
        {
            var change = setup.Overrides[i];
            var report = Reporter(problems, "menuItemOverrides", i, $"{change.KitchenId}/{change.BrandId}/{change.Sku}");
            KnownKitchen(report, kitchens, change.KitchenId);
            if (change.StationId is not null)
            {
                Id(report, change.StationId, "stationId");
            }

            if (!items.ContainsKey($"{change.BrandId}/{change.Sku}"))
            {
                report($"brand '{change.BrandId}' has no menu item '{change.Sku}' to override.");
            }

            if (change.StationId is not null && !stations.ContainsKey($"{change.KitchenId}/{change.StationId}"))
            {
                report($"station '{change.StationId}' is missing in kitchen '{change.KitchenId}'.");
            }

            Cooking(report, change.PrepSeconds ?? 1, change.MaxBatchSize ?? 1);
        }

        Unique(problems, "otterStations", setup.OtterStationMappings, o => $"{o.KitchenId}/{o.OtterStationId}", "Otter station");
        for (var i = 0; i < setup.OtterStationMappings.Count; i++)
        {
            var mapping = setup.OtterStationMappings[i];
            var report = Reporter(problems, "otterStations", i, $"{mapping.KitchenId}/{mapping.OtterStationId}");
            Id(report, mapping.OtterStationId, "otterStationId", pattern: false);
            KnownKitchen(report, kitchens, mapping.KitchenId);
            if (!stations.ContainsKey($"{mapping.KitchenId}/{mapping.StationId}"))
            {
                report($"station '{mapping.StationId}' is missing in kitchen '{mapping.KitchenId}'.");
            }
        }

        return problems;
    }

    private static void NullRows<T>(List<SetupProblem> problems, string table, IReadOnlyList<T> rows)
        where T : class
    {
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i] is null)
            {
                problems.Add(new SetupProblem(table, i + 1, string.Empty, "the row is empty (null)."));
            }
        }
    }

    private static Action<string> Reporter(List<SetupProblem> problems, string table, int index, string? key) =>
        problem => problems.Add(new SetupProblem(table, index + 1, key ?? string.Empty, problem));

    /// <summary>The rows by key; a key seen before is a problem of the later row.</summary>
    private static Dictionary<string, T> Unique<T>(List<SetupProblem> problems, string table, IReadOnlyList<T> rows, Func<T, string?> key, string what)
    {
        var seen = new Dictionary<string, T>(StringComparer.Ordinal);
        var firstRow = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < rows.Count; i++)
        {
            var value = key(rows[i]) ?? string.Empty;
            if (firstRow.TryGetValue(value, out var first))
            {
                problems.Add(new SetupProblem(table, i + 1, value, $"duplicate {what}: row {first} has the same key."));
                continue;
            }

            firstRow[value] = i + 1;
            seen[value] = rows[i];
        }

        return seen;
    }

    private static void KnownKitchen(Action<string> report, Dictionary<string, Kitchen> kitchens, string? kitchenId)
    {
        if (!kitchens.ContainsKey(kitchenId ?? string.Empty))
        {
            report($"kitchen '{kitchenId}' is not in kitchens.");
        }
    }

    private static void Id(Action<string> report, string? id, string field, bool pattern = true)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > MaxIdLength || id.Any(char.IsControl))
        {
            report($"{field} must be 1 to {MaxIdLength} characters, none of them control characters.");
        }
        else if (pattern && !IdPattern().IsMatch(id))
        {
            report($"{field} '{id}' may hold only letters, digits, '-', '_' and '.' (it appears in URLs and screen addresses).");
        }
    }

    private static void Name(Action<string> report, string? name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            report($"name must be 1 to {MaxNameLength} characters, none of them control characters.");
        }
    }

    private static void Cooking(Action<string> report, int prepSeconds, int maxBatchSize)
    {
        if (prepSeconds is < 0 or > MaxPrepSeconds)
        {
            report($"prepSeconds {prepSeconds} is not between 0 and {MaxPrepSeconds}.");
        }

        if (maxBatchSize is < 1 or > MaxBatchSize)
        {
            report($"maxBatchSize {maxBatchSize} is not between 1 and {MaxBatchSize}.");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex IdPattern();
}
