using Npgsql;
using Orbital.Prep.Catalog;
using Orbital.Prep.Inventory;

namespace Orbital.Prep.Depletion;

/// <summary>
/// A product's stock at a location now: on hand (the last count, plus what was received, less what was dispatched,
/// wasted and used by orders since, in its base unit), what orders used of it over the last hour, and when it runs out
/// at that rate. <see cref="State"/>: <c>out</c> (nothing left), <c>low</c> (runs out within the warning time), <c>ok</c>.
/// </summary>
public sealed record StockLevel(
    string Sku, string Name, string Unit, decimal OnHand, decimal UsedLastHour, DateTimeOffset? RunsOutAt, string State, DateTimeOffset? UpdatedAt, string? Source);

public sealed record LocationStock(string LocationId, DateTimeOffset AsOf, int WarnMinutes, IReadOnlyList<StockLevel> Products);

/// <summary>Reads <see cref="LocationStock"/>: what is used of what is on hand, and when it runs out.</summary>
public sealed class LiveStock(NpgsqlDataSource dataSource, InventoryStore inventory, ProductCatalog catalog, TimeProvider time)
{
    /// <summary>The rate of sale is what orders used over this long, ordered up to now.</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromHours(1);

    /// <summary>A product that runs out within this long at the current rate is <c>low</c>: time to prep more, or to stop selling it.</summary>
    public static readonly TimeSpan WarnWithin = TimeSpan.FromMinutes(90);

    public async Task<LocationStock> ReadAsync(string locationId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var onHand = await inventory.OnHandAsync(locationId, cancellationToken);
        var used = await UsedSinceAsync(locationId, now - RateWindow, cancellationToken);
        var catalogue = (await catalog.ListAsync(cancellationToken)).ToDictionary(p => p.Sku, StringComparer.Ordinal);
        var products = new List<StockLevel>();
        foreach (var sku in onHand.Keys.Union(used.Keys, StringComparer.Ordinal))
        {
            var product = catalogue.GetValueOrDefault(sku);
            var here = onHand.GetValueOrDefault(sku);
            products.Add(Level(sku, product?.Name ?? sku, product?.Unit ?? "", here?.Quantity ?? 0, used.GetValueOrDefault(sku), now, here?.UpdatedAt, here?.Source));
        }

        return new LocationStock(locationId, now, (int)WarnWithin.TotalMinutes, [.. products
            .OrderBy(p => p.State switch { "out" => 0, "low" => 1, _ => 2 })
            .ThenBy(p => p.RunsOutAt ?? DateTimeOffset.MaxValue)
            .ThenBy(p => p.Name, StringComparer.OrdinalIgnoreCase)]);
    }

    /// <summary>When <paramref name="onHand"/> runs out if the last hour's use goes on; the state that makes.</summary>
    public static StockLevel Level(string sku, string name, string unit, decimal onHand, decimal usedLastHour, DateTimeOffset now, DateTimeOffset? updatedAt, string? source)
    {
        DateTimeOffset? runsOutAt = onHand > 0 && usedLastHour > 0
            ? now + TimeSpan.FromHours((double)(onHand / usedLastHour * (decimal)(TimeSpan.FromHours(1) / RateWindow)))
            : null;
        var state = onHand <= 0 ? "out" : runsOutAt is { } at && at - now <= WarnWithin ? "low" : "ok";
        return new StockLevel(sku, name, unit, onHand, usedLastHour, runsOutAt, state, updatedAt, source);
    }

    private async Task<Dictionary<string, decimal>> UsedSinceAsync(string locationId, DateTimeOffset since, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT u.sku, sum(u.quantity) FROM prep.sold_orders s JOIN prep.order_usage u ON u.order_id = s.order_id
            WHERE s.location_id = $1 AND s.ordered_at > $2 GROUP BY u.sku
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = locationId });
        command.Parameters.Add(new NpgsqlParameter { Value = since.ToUniversalTime() });
        var used = new Dictionary<string, decimal>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            used[reader.GetString(0)] = reader.GetDecimal(1);
        }

        return used;
    }
}
