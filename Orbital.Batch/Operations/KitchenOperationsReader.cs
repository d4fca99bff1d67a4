using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Batch.Events;
using Orbital.Batch.Expo;
using Orbital.Places;

namespace Orbital.Batch.Operations;

/// <summary>Reads <see cref="KitchenOperations"/> for one kitchen: two round trips and the event bus's subscribers.</summary>
public sealed class KitchenOperationsReader(NpgsqlDataSource dataSource, PlacesCache places, KitchenEventBus bus, IOptions<OperationsOptions> options, TimeProvider time)
{
    private static readonly TimeSpan Quarter = TimeSpan.FromMinutes(15);

    /// <param name="ticketsWindow">Ticket times of the orders taken this long ago at most; null for the whole business day.</param>
    public async Task<KitchenOperations> ReadAsync(Kitchen kitchen, TimeSpan? ticketsWindow, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var map = places.Current;
        var now = time.GetUtcNow();
        var firstQuarter = new DateTimeOffset((now - settings.OrdersWindow).UtcTicks / Quarter.Ticks * Quarter.Ticks, TimeSpan.Zero);

        var perQuarter = new Dictionary<DateTimeOffset, int>();
        var open = new Dictionary<string, (int Open, int Late)>(StringComparer.Ordinal);
        await using (var batch = new NpgsqlBatch())
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            batch.Connection = connection;
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                SELECT date_bin('15 minutes', accepted_told_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'), count(*)::int FROM batch.orders
                WHERE kitchen_id = $1 AND accepted_told_at >= $2 AND status NOT IN ('Canceled', 'Rejected')
                GROUP BY 1
                """) { Parameters = { new() { Value = kitchen.Id }, new() { Value = firstQuarter } } });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("""
                SELECT station_id, count(*)::int, (count(*) FILTER (WHERE coalesce(started_at, fire_at) <= $2))::int FROM batch.batch_items
                WHERE kitchen_id = $1 AND status IN ('pending', 'in_progress')
                GROUP BY station_id
                """) { Parameters = { new() { Value = kitchen.Id }, new() { Value = now - settings.LateAfter } } });
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                perQuarter[reader.GetFieldValue<DateTimeOffset>(0)] = reader.GetInt32(1);
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                open[reader.GetString(0)] = (reader.GetInt32(1), reader.GetInt32(2));
            }
        }

        var quarters = new List<QuarterOrders>();
        for (var from = firstQuarter; from <= now; from += Quarter)
        {
            quarters.Add(new QuarterOrders(from, map.LocalTime(kitchen.Id, from).ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture),
                perQuarter.GetValueOrDefault(from)));
        }

        var (ticketsFrom, ticketsTo) = map.BusinessDayBounds(kitchen.Id, map.BusinessDay(kitchen.Id, now));
        if (ticketsWindow is { } window)
        {
            (ticketsFrom, ticketsTo) = (now - window, now);
        }

        var (_, stationTimes, _) = await SpeedOfServiceApi.ReadAsync(dataSource, kitchen.Id, ticketsFrom, ticketsTo, cancellationToken);
        var tickets = stationTimes.Where(s => s.DoneAt is { } done && done >= s.ConfirmedAt)
            .GroupBy(s => s.StationId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Duration.Of(g.Select(s => s.DoneAt - s.ConfirmedAt)), StringComparer.Ordinal);
        var screens = bus.Subscribers.Where(s => s.KitchenId == kitchen.Id)
            .GroupBy(s => s.StationId ?? "", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

        // The kitchen's stations in their display order, then any a line was routed to that the setup no longer lists.
        var stationIds = map.StationsOf(kitchen.Id).Select(s => s.Id)
            .Concat(open.Keys.Order(StringComparer.Ordinal)).Concat(tickets.Keys.Order(StringComparer.Ordinal))
            .Distinct(StringComparer.Ordinal);
        var stations = stationIds.Select(id =>
        {
            var ticket = tickets.GetValueOrDefault(id) ?? new Duration(0, null, null);
            var (openItems, lateItems) = open.GetValueOrDefault(id);
            return new StationOperations(id, map.StationName(id), ticket.Count, ticket.MedianSeconds, ticket.P90Seconds, openItems, lateItems,
                screens.GetValueOrDefault(id));
        }).ToList();
        // Screens of the pass, of every station at once, or of a station the setup no longer has.
        foreach (var (id, count) in screens.Where(s => stations.All(station => station.StationId != s.Key)).OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var name = id switch { "" => "Every station", "@expo" => "Expo (the pass)", _ => map.StationName(id) };
            stations.Add(new StationOperations(id, name, 0, null, null, 0, 0, count));
        }

        return new KitchenOperations(kitchen.Id, kitchen.Name, kitchen.TimeZone, now, quarters, stations);
    }
}
