using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using NpgsqlTypes;
using Orbital.Batch.Board;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Batch.ReferenceData;

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

    public static async Task<Ok<List<StationView>>> ListStationsAsync(ReferenceDataCache reference, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var open = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var command = dataSource.CreateCommand(
            "SELECT station_id, count(*)::int FROM batch.batch_items WHERE status IN ('pending', 'in_progress') GROUP BY station_id"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                open[reader.GetString(0)] = reader.GetInt32(1);
            }
        }

        var known = reference.Current.Stations;
        var stations = known.Select(s => new StationView(s.Id, s.Name, s.DisplayOrder, open.GetValueOrDefault(s.Id), Known: true))
            // Stations named by Otter but missing from the reference data still get a board: nothing is dropped.
            .Concat(open.Keys.Where(id => !reference.Current.StationsById.ContainsKey(id))
                .Select(id => new StationView(id, id, int.MaxValue, open[id], Known: false)))
            .OrderBy(s => s.DisplayOrder).ThenBy(s => s.Id, StringComparer.Ordinal)
            .ToList();
        return TypedResults.Ok(stations);
    }

    /// <summary>
    /// A screen's first paint: the station's open batch items (from Redis), its all-day counts, and the kitchen event the
    /// board is at least as new as: a screen that follows the events from there misses nothing.
    /// </summary>
    public static async Task<Ok<StationBoard>> GetBoardAsync(string stationId, StationBoardCache board, CancellationToken cancellationToken)
    {
        var (items, source, lastEventId) = await board.ReadAsync(stationId, cancellationToken);
        var allDay = items.GroupBy(i => (i.Sku, i.Name))
            .Select(g => new AllDayCount(g.Key.Sku, g.Key.Name, g.Sum(i => i.Quantity - i.CancelledQuantity)))
            .Where(c => c.Quantity > 0)
            .OrderByDescending(c => c.Quantity).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
        return TypedResults.Ok(new StationBoard(stationId, source, items, allDay, lastEventId));
    }

    public static async Task<Results<Ok<List<BatchItemView>>, ProblemHttpResult>> ListAsync(
        string? station, string? status, int? limit, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var statuses = string.IsNullOrWhiteSpace(status) ? OpenStatuses : status.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (statuses.FirstOrDefault(s => !KnownStatuses.Contains(s)) is { } unknown)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Unknown batch item status",
                detail: $"'{unknown}' is not one of pending, in_progress, done, voided.");
        }

        var take = Math.Clamp(limit ?? 500, 1, 5000);
        await using var command = dataSource.CreateCommand(
            $"SELECT {BatchItemRows.ViewColumns} FROM {BatchItemRows.ViewSource} WHERE bi.status = ANY($1) AND ($2::text IS NULL OR bi.station_id = $2) ORDER BY bi.fire_at, bi.id LIMIT $3");
        command.Parameters.Add(new NpgsqlParameter { Value = statuses });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)station ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = take });
        var items = new List<BatchItemView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(BatchItemRows.ReadView(reader));
        }

        return TypedResults.Ok(items);
    }

    public static async Task<Results<Ok<BatchItemView>, ProblemHttpResult>> GetAsync(long id, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var item = (await BatchItemRows.ReadViewsAsync(connection, null, [id], cancellationToken)).FirstOrDefault();
        return item is null ? NotFound(id) : TypedResults.Ok(item);
    }

    /// <summary>Toast's "all day": how many of each item are waiting or cooking and still wanted, per station or everywhere.</summary>
    public static async Task<Ok<List<AllDayCount>>> AllDayAsync(string? station, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT bi.sku, min(bi.name), sum(bi.quantity - coalesce(
                (SELECT sum(l.voided_quantity) FROM batch.batch_item_lines l WHERE l.batch_item_id = bi.id), 0))::int
            FROM batch.batch_items bi
            WHERE bi.status IN ('pending', 'in_progress') AND ($1::text IS NULL OR bi.station_id = $1)
            GROUP BY bi.sku HAVING sum(bi.quantity - coalesce(
                (SELECT sum(l.voided_quantity) FROM batch.batch_item_lines l WHERE l.batch_item_id = bi.id), 0)) > 0
            ORDER BY 3 DESC, 2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)station ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        var counts = new List<AllDayCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new AllDayCount(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
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

        var (result, item) = await actions.ApplyAsync(id, action, expected, request?.By, cancellationToken);
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

public sealed record StationView(string Id, string Name, int DisplayOrder, int OpenItems, bool Known);

public sealed record AllDayCount(string Sku, string Name, int Quantity);

/// <param name="LastEventId">Follow <c>/orders/events</c> from this id (<c>lastEventId</c>) to miss nothing after this board.</param>
public sealed record StationBoard(string StationId, string Source, List<BatchItemView> Items, List<AllDayCount> AllDay, long LastEventId);
