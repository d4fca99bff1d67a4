using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Orbital.Batch.Kitchens;
using Orbital.Places;

namespace Orbital.Batch.Expo;

/// <summary>
/// <c>GET /kitchens/{kitchen}/speed-of-service?day=YYYY-MM-DD</c>: <see cref="SpeedOfService"/> for the kitchen's business
/// day (today's by default), for whoever may open the kitchen (its staff, its paired screens). The expo screen's header
/// shows today's.
/// </summary>
public static class SpeedOfServiceApi
{
    /// <summary>A day's orders read at most: a kitchen doing more in a day gets the first ones and <c>truncated</c>.</summary>
    public const int MaxOrders = 20_000;

    public static IEndpointRouteBuilder MapSpeedOfServiceApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/kitchens/{kitchen}/speed-of-service", GetAsync).WithTags("Expo");
        return app;
    }

    public static async Task<Results<Ok<SpeedOfService>, ProblemHttpResult>> GetAsync(
        string kitchen, DateOnly? day, ClaimsPrincipal user, PlacesCache places, NpgsqlDataSource dataSource, TimeProvider time, CancellationToken cancellationToken)
    {
        var (kitchenId, problem) = await KitchenQuery.FindAsync(kitchen, required: true, user, places, dataSource, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var map = places.Current;
        var businessDay = day ?? map.BusinessDay(kitchenId!, time.GetUtcNow());
        if (businessDay.Year is < 2000 or > 2199)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "No such business day",
                detail: "'day' is a date from 2000 to 2199 (YYYY-MM-DD).");
        }

        var (from, to) = map.BusinessDayBounds(kitchenId!, businessDay);
        var (orders, stations, truncated) = await ReadAsync(dataSource, kitchenId!, from, to, cancellationToken);
        return TypedResults.Ok(SpeedOfService.Measure(kitchenId!, businessDay, from, to, orders, stations, truncated,
            instant => map.LocalTime(kitchenId!, instant), map.StationName));
    }

    /// <summary>The orders the kitchen confirmed in [from, to) and their parts at each station: one round trip.</summary>
    internal static async Task<(List<OrderTimes> Orders, List<StationTimes> Stations, bool Truncated)> ReadAsync(
        NpgsqlDataSource dataSource, string kitchenId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        const string day = """
            WITH day AS (
                SELECT order_id, ordered_at, accepted_told_at, ready_at, handed_off_at FROM batch.orders
                WHERE kitchen_id = $1 AND accepted_told_at >= $2 AND accepted_told_at < $3 AND status NOT IN ('Canceled', 'Rejected')
                ORDER BY accepted_told_at LIMIT $4)
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Command($"""
            {day}
            SELECT d.ordered_at, d.accepted_told_at, d.ready_at, d.handed_off_at,
                   (SELECT min(coalesce(bi.started_at, bi.completed_at)) FROM batch.batch_item_lines l JOIN batch.batch_items bi ON bi.id = l.batch_item_id
                    WHERE l.order_id = d.order_id AND l.quantity > 0 AND bi.status <> 'voided')
            FROM day d
            """));
        batch.BatchCommands.Add(Command($"""
            {day}
            SELECT bi.station_id, d.accepted_told_at, min(coalesce(bi.started_at, bi.completed_at)),
                   CASE WHEN bool_and(bi.status = 'done') THEN max(bi.completed_at) END
            FROM day d JOIN batch.batch_item_lines l ON l.order_id = d.order_id AND l.quantity > 0
            JOIN batch.batch_items bi ON bi.id = l.batch_item_id AND bi.status <> 'voided'
            GROUP BY d.order_id, d.accepted_told_at, bi.station_id
            """));

        NpgsqlBatchCommand Command(string sql) => new(sql)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = kitchenId }, new NpgsqlParameter { Value = from }, new NpgsqlParameter { Value = to },
                new NpgsqlParameter { Value = MaxOrders },
            },
        };

        var orders = new List<OrderTimes>();
        var stations = new List<StationTimes>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        DateTimeOffset? Time(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
        while (await reader.ReadAsync(cancellationToken))
        {
            orders.Add(new OrderTimes(Time(0), reader.GetFieldValue<DateTimeOffset>(1), Time(4), Time(2), Time(3)));
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stations.Add(new StationTimes(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), Time(2), Time(3)));
        }

        return (orders, stations, orders.Count == MaxOrders);
    }
}
