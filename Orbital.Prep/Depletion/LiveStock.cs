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

/// <param name="SuppliedShortages">
/// What the kitchens this location sent transfer units to over the last two weeks are running short of, as their passes
/// were last told: a commissary sees which of its kitchens need more before they run out.
/// </param>
public sealed record LocationStock(
    string LocationId, DateTimeOffset AsOf, int WarnMinutes, IReadOnlyList<StockLevel> Products, IReadOnlyList<SuppliedShortage> SuppliedShortages);

/// <summary>A product a kitchen this location supplies is running short of.</summary>
public sealed record SuppliedShortage(string LocationId, string Sku, string Name, string State, DateTimeOffset? RunsOutAt);

/// <summary>Reads <see cref="LocationStock"/>: what is used of what is on hand, and when it runs out.</summary>
public sealed class LiveStock(NpgsqlDataSource dataSource, InventoryStore inventory, ProductCatalog catalog, TimeProvider time)
{
    /// <summary>A kitchen counts as supplied by a location that sent it a transfer unit within this long.</summary>
    public static readonly TimeSpan SuppliesWithin = TimeSpan.FromDays(14);

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
            .ThenBy(p => p.Name, StringComparer.OrdinalIgnoreCase)], await SuppliedShortagesAsync(locationId, now, catalogue, cancellationToken));
    }

    private async Task<List<SuppliedShortage>> SuppliedShortagesAsync(
        string locationId, DateTimeOffset now, IReadOnlyDictionary<string, Product> catalogue, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT w.location_id, w.sku, w.state, w.runs_out_at FROM prep.stock_warnings w
            WHERE w.location_id <> $1 AND w.location_id IN (
                SELECT destination_location_id FROM prep.transfer_units WHERE origin_location_id = $1 AND created_at > $2)
            ORDER BY w.state DESC, w.runs_out_at NULLS FIRST, w.location_id, w.sku
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = locationId });
        command.Parameters.Add(new NpgsqlParameter { Value = (now - SuppliesWithin).ToUniversalTime() });
        var shortages = new List<SuppliedShortage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var sku = reader.GetString(1);
            shortages.Add(new SuppliedShortage(reader.GetString(0), sku, catalogue.GetValueOrDefault(sku)?.Name ?? sku, reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return shortages;
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
