using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orbital.Batch.ReferenceData;

public sealed record Station(string Id, string Name, int DisplayOrder);

public sealed record Brand(string Id, string Name);

/// <summary>What the kitchen knows about a SKU: where it is cooked, how long it takes, whether and how far it batches.</summary>
public sealed record MenuItem(string Sku, string Name, string StationId, int PrepSeconds, bool Batchable, int MaxBatchSize, string? BrandId);

/// <summary>Stations, items and brands as one immutable copy.</summary>
public sealed record KitchenReferenceData(IReadOnlyList<Station> Stations, IReadOnlyList<MenuItem> Items, IReadOnlyList<Brand> Brands)
{
    public const string UnassignedStationId = "unassigned";

    private Dictionary<string, MenuItem>? _bySku;
    private Dictionary<string, Station>? _stations;

    [JsonIgnore]
    public IReadOnlyDictionary<string, MenuItem> ItemsBySku => _bySku ??= Items.GroupBy(i => i.Sku, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    [JsonIgnore]
    public IReadOnlyDictionary<string, Station> StationsById => _stations ??= Stations.ToDictionary(s => s.Id, StringComparer.Ordinal);

    public static KitchenReferenceData Empty { get; } = new([], [], []);
}

/// <summary>Where the copy in use came from.</summary>
public enum ReferenceDataOrigin
{
    None,
    Database,
    RedisCache,
    SeedFile,
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(KitchenReferenceData))]
internal sealed partial class ReferenceDataJson : JsonSerializerContext;
