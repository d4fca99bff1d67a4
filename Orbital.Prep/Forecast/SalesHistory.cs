using Npgsql;
using Orbital.Places;

namespace Orbital.Prep.Forecast;

/// <summary>
/// What orders used at a location on the business days a forecast looks at: per day with any sale, per product, in
/// base units. A product whose shelf life is shorter than a day counts only what was used that long into the day
/// (what one morning's prep can serve before it is thrown away).
/// </summary>
public sealed class SalesHistory(NpgsqlDataSource dataSource, PlacesCache places)
{
    public async Task<Dictionary<DateOnly, IReadOnlyDictionary<string, decimal>>> ForAsync(
        string locationId, DateOnly day, IReadOnlyDictionary<string, int?> shelfLifeHours, CancellationToken cancellationToken)
    {
        await places.EnsureLoadedAsync(cancellationToken);
        var map = places.Current;
        var days = ForecastRule.SameWeekdays(day).ToArray();
        var starts = days.ToDictionary(d => d, d => map.BusinessDayBounds(locationId, d).Start);
        await using var command = dataSource.CreateCommand(
            """
            SELECT s.business_day, s.ordered_at, u.sku, u.quantity
            FROM prep.sold_orders s LEFT JOIN prep.order_usage u ON u.order_id = s.order_id
            WHERE s.location_id = $1 AND s.business_day = ANY($2) AND s.version > 0
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = locationId });
        command.Parameters.Add(new NpgsqlParameter { Value = days });
        var sales = new Dictionary<DateOnly, Dictionary<string, decimal>>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var businessDay = reader.GetFieldValue<DateOnly>(0);
            // A day with an order counts as a day of sales, even a cancelled one: the location was open.
            var used = sales.TryGetValue(businessDay, out var known) ? known : sales[businessDay] = new Dictionary<string, decimal>(StringComparer.Ordinal);
            if (reader.IsDBNull(2))
            {
                continue;
            }

            var sku = reader.GetString(2);
            if (shelfLifeHours.GetValueOrDefault(sku) is { } hours && hours < 24
                && reader.GetFieldValue<DateTimeOffset>(1) >= starts[businessDay].AddHours(hours))
            {
                continue;
            }

            used[sku] = used.GetValueOrDefault(sku) + reader.GetDecimal(3);
        }

        return sales.ToDictionary(s => s.Key, s => (IReadOnlyDictionary<string, decimal>)s.Value);
    }
}
