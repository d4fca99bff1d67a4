using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using NpgsqlTypes;
using Orbital.Batch.Board;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Batch.Kitchens;
using Orbital.Places;

namespace Orbital.Batch.Batching;

/// <summary>The kitchen's REST API: stations, boards, batch items, all-day counts, and start / bump / recall.</summary>
public static class BatchItemsApi
{
    private static readonly string[] OpenStatuses = ["pending", "in_progress"];
    private static readonly HashSet<string> KnownStatuses = ["pending", "in_progress", "done", "voided"];

    public static IEndpointRouteBuilder MapBatchItemsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/stations", ListStationsAsync).WithTags("Stations");
        app.MapGet("/stations/{stationId}/board", GetBoardAsync).WithTags("Stations");

        var items = app.MapGroup("/batch-items").WithTags("Batch items");
        items.MapGet("/", ListAsync);
        items.MapGet("/all-day", AllDayAsync);
        items.MapGet("/{id:long}", GetAsync);
        items.MapPost("/{id:long}/start", (long id, [FromBody] KitchenActionRequest? request, HttpRequest http, BatchItemActions actions, CancellationToken ct) =>
            ActAsync(id, KitchenAction.Start, request, http, actions, ct));
        items.MapPost("/{id:long}/complete", (long id, [FromBody] KitchenActionRequest? request, HttpRequest http, BatchItemActions actions, CancellationToken ct) =>
            ActAsync(id, KitchenAction.Complete, request, http, actions, ct));
        items.MapPost("/{id:long}/recall", (long id, [FromBody] KitchenActionRequest? request, HttpRequest http, BatchItemActions actions, CancellationToken ct) =>
            ActAsync(id, KitchenAction.Recall, request, http, actions, ct));
        return app;
    }

    /// <summary>The stations of one kitchen (or of every kitchen) with how many open batch items each has.</summary>
    public static async Task<Results<Ok<List<StationView>>, ProblemHttpResult>> ListStationsAsync(
        string? kitchen, ClaimsPrincipal user, PlacesCache places, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var (kitchenId, problem) = await KitchenQuery.FindAsync(kitchen, required: false, user, places, dataSource, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var open = new Dictionary<(string Kitchen, string Station), int>();
        await using (var command = dataSource.CreateCommand(
            """
            SELECT kitchen_id, station_id, count(*)::int FROM batch.batch_items
            WHERE status IN ('pending', 'in_progress') AND ($1::text IS NULL OR kitchen_id = $1) GROUP BY kitchen_id, station_id
            """))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = (object?)kitchenId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                open[(reader.GetString(0), reader.GetString(1))] = reader.GetInt32(2);
            }
        }

        var map = places.Current;
        var known = (kitchenId is null ? map.Kitchens.Select(k => k.Id) : [kitchenId]).SelectMany(map.StationsOf).ToList();
        var stations = known.Select(s => new StationView(s.KitchenId, s.Id, s.Name, s.DisplayOrder, open.GetValueOrDefault((s.KitchenId, s.Id)), Known: true))
            // Stations named by Otter but missing from the setup still get a board: nothing is dropped.
            .Concat(open.Keys.Where(key => map.Station(key.Kitchen, key.Station) is null && !known.Any(s => s.KitchenId == key.Kitchen && s.Id == key.Station))
                .Select(key => new StationView(key.Kitchen, key.Station, map.StationName(key.Station), int.MaxValue, open[key], Known: false)))
            .OrderBy(s => s.KitchenId, StringComparer.Ordinal).ThenBy(s => s.DisplayOrder).ThenBy(s => s.Id, StringComparer.Ordinal)
            .ToList();
        return TypedResults.Ok(stations);
    }

    /// <summary>
    /// A screen's first paint: the station's open batch items (from Redis), its all-day counts for the kitchen's business
    /// day, and the kitchen event the board is at least as new as: a screen that follows the events from there misses nothing.
    /// Open items of an earlier business day stay on the board (marked by their day) but are not counted.
    /// </summary>
    public static async Task<Results<Ok<StationBoard>, ProblemHttpResult>> GetBoardAsync(
        string stationId, string? kitchen, ClaimsPrincipal user, StationBoardCache board, PlacesCache places, NpgsqlDataSource dataSource, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var (kitchenId, problem) = await KitchenQuery.FindAsync(kitchen, required: true, user, places, dataSource, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var (items, source, lastEventId) = await board.ReadAsync(kitchenId!, stationId, cancellationToken);
        var today = places.Current.BusinessDay(kitchenId!, time.GetUtcNow());
        // Read after the board: the events the screen follows from its watermark end at the newest state either way.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var offSale = await OffSaleItems.OfKitchenAsync(connection, null, places.Current, kitchenId!, stationId, cancellationToken);
        return TypedResults.Ok(new StationBoard(kitchenId!, stationId, today, source, items, AllDay.OpenToday(items, today), lastEventId, offSale));
    }

    public static async Task<Results<Ok<List<BatchItemView>>, ProblemHttpResult>> ListAsync(
        string? kitchen, string? station, string? status, int? limit, ClaimsPrincipal user, PlacesCache places, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken)
    {
        var statuses = string.IsNullOrWhiteSpace(status) ? OpenStatuses : status.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (statuses.FirstOrDefault(s => !KnownStatuses.Contains(s)) is { } unknown)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown batch item status",
                detail: $"'{unknown}' is not one of pending, in_progress, done, voided.");
        }

        var (kitchenId, problem) = await KitchenQuery.FindAsync(kitchen, required: false, user, places, dataSource, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var take = Math.Clamp(limit ?? 500, 1, 5000);
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {BatchItemRows.ViewColumns} FROM {BatchItemRows.ViewSource}
            WHERE bi.status = ANY($1) AND ($2::text IS NULL OR bi.station_id = $2) AND ($4::text IS NULL OR bi.kitchen_id = $4)
            ORDER BY bi.fire_at, bi.id LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = statuses });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)station ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = take });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)kitchenId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var items = new List<BatchItemView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(BatchItemRows.ReadView(reader));
        }

        return TypedResults.Ok(items);
    }

    /// <summary>One batch item; an item of a kitchen the caller may not open is, to them, an item that does not exist.</summary>
    public static async Task<Results<Ok<BatchItemView>, ProblemHttpResult>> GetAsync(long id, ClaimsPrincipal user, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var item = (await BatchItemRows.ReadViewsAsync(connection, null, [id], cancellationToken)).FirstOrDefault();
        return item is null || !user.MayOpen(item.KitchenId) ? NotFound(id) : TypedResults.Ok(item);
    }

    /// <summary>
    /// Toast's "all day", for each kitchen's current business day: how many of each item are waiting or cooking and still
    /// wanted, and how many were done so far; for one kitchen, one station, or everywhere.
    /// </summary>
    public static async Task<Results<Ok<List<AllDayCount>>, ProblemHttpResult>> AllDayAsync(
        string? kitchen, string? station, ClaimsPrincipal user, PlacesCache places, NpgsqlDataSource dataSource, TimeProvider time, CancellationToken cancellationToken)
    {
        var (kitchenId, problem) = await KitchenQuery.FindAsync(kitchen, required: false, user, places, dataSource, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var map = places.Current;
        var now = time.GetUtcNow();
        var kitchens = kitchenId is null ? [.. map.Kitchens.Select(k => k.Id)] : new[] { kitchenId };
        await using var command = dataSource.CreateCommand(
            """
            SELECT bi.sku, min(bi.name),
                   coalesce(sum(bi.quantity - shares.cancelled) FILTER (WHERE bi.status IN ('pending', 'in_progress')), 0)::int,
                   coalesce(sum(bi.quantity - shares.cancelled) FILTER (WHERE bi.status = 'done'), 0)::int
            FROM batch.batch_items bi
            LEFT JOIN unnest($2::text[], $3::date[]) AS today(kitchen_id, day) ON today.kitchen_id = bi.kitchen_id
            CROSS JOIN LATERAL (SELECT coalesce(sum(l.voided_quantity), 0) AS cancelled FROM batch.batch_item_lines l WHERE l.batch_item_id = bi.id) shares
            WHERE bi.status IN ('pending', 'in_progress', 'done') AND ($1::text IS NULL OR bi.station_id = $1)
              AND ($4::text IS NULL OR bi.kitchen_id = $4)
              -- Kitchens not in the setup (the 'default' one of an upgraded database) count by the UTC day.
              AND bi.business_day = coalesce(today.day, $5)
            GROUP BY bi.sku
            HAVING sum(bi.quantity - shares.cancelled) > 0
            ORDER BY 3 DESC, 4 DESC, 2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)station ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = kitchens });
        command.Parameters.Add(new NpgsqlParameter { Value = kitchens.Select(k => map.BusinessDay(k, now)).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)kitchenId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = map.BusinessDay(KitchenMap.UnassignedKitchenId, now) });
        var counts = new List<AllDayCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new AllDayCount(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3)));
        }

        return TypedResults.Ok(counts);
    }

    private static async Task<Results<Ok<BatchItemView>, ProblemHttpResult>> ActAsync(
        long id, KitchenAction action, KitchenActionRequest? request, HttpRequest http, BatchItemActions actions, CancellationToken cancellationToken)
    {
        if (request?.By is { Length: > KitchenActionRequest.MaxByLength })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Screen name too long",
                detail: $"'by' names the screen or cook in at most {KitchenActionRequest.MaxByLength} characters.");
        }

        long? expected = request?.ExpectedVersion;
        if (expected is null && http.Headers.IfMatch.ToString() is { Length: > 0 } ifMatch)
        {
            if (!long.TryParse(ifMatch.Trim('"', 'W', '/'), out var parsed))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid If-Match",
                    detail: "If-Match must carry the batch item's version, e.g. \"3\".");
            }

            expected = parsed;
        }

        // Who did it: what the screen says, else the paired screen's or the person's own name.
        var user = http.HttpContext.User;
        // A screen's name is stored: no NUL or other control character goes with it.
        var (result, item) = await actions.ApplyAsync(id, action, expected, GuestNotes.Clean(request?.By) ?? user.Identity?.Name, user.OpenableKitchens(), cancellationToken);
        return result switch
        {
            ActionResult.Done => TypedResults.Ok(item!),
            ActionResult.NotFound => NotFound(id),
            _ => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The batch item has changed",
                detail: $"Cannot {action.ToString().ToLowerInvariant()} batch item {id}: it is {item!.Status} at version {item.Version}"
                    + (expected is { } v ? $" (you had version {v})" : string.Empty) + ". Refresh and try again.",
                extensions: new Dictionary<string, object?> { ["currentStatus"] = item.Status, ["currentVersion"] = item.Version }),
        };
    }

    private static ProblemHttpResult NotFound(long id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such batch item", detail: $"Batch item {id} does not exist.");
}

public sealed record KitchenActionRequest(long? ExpectedVersion, string? By)
{
    public const int MaxByLength = 100;
}

public sealed record StationView(string KitchenId, string Id, string Name, int DisplayOrder, int OpenItems, bool Known);

/// <param name="Quantity">Waiting or cooking, and still wanted.</param>
/// <param name="Done">Bumped so far this business day.</param>
public sealed record AllDayCount(string Sku, string Name, int Quantity, int Done = 0);

/// <param name="BusinessDay">The kitchen's business day now; items of an earlier day are on the board but not in <paramref name="AllDay"/>.</param>
/// <param name="LastEventId">Follow <c>/orders/events?kitchen=</c> from this id (<c>lastEventId</c>) to miss nothing after this board.</param>
/// <param name="OffSale">The station's menu items off sale at the kitchen's stores ("86"), and why.</param>
public sealed record StationBoard(
    string KitchenId, string StationId, DateOnly BusinessDay, string Source, List<BatchItemView> Items, List<AllDayCount> AllDay, long LastEventId,
    List<OffSaleItem> OffSale);

public static class AllDay
{
    /// <summary>What a board counts: its open items of today's business day that are still wanted, most first.</summary>
    public static List<AllDayCount> OpenToday(IEnumerable<BatchItemView> items, DateOnly today) =>
        [.. items.Where(i => i.BusinessDay == today).GroupBy(i => (i.Sku, i.Name))
            .Select(g => new AllDayCount(g.Key.Sku, g.Key.Name, g.Sum(i => i.Quantity - i.CancelledQuantity)))
            .Where(c => c.Quantity > 0)
            .OrderByDescending(c => c.Quantity).ThenBy(c => c.Name, StringComparer.Ordinal)];
}
