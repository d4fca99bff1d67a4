using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Orbital.Batch.Batching;
using Orbital.Batch.Events;
using Orbital.Batch.Kitchens;
using Orbital.Places;

namespace Orbital.Batch.Expo;

/// <summary>
/// The pass (expo): <c>GET /expo?kitchen=K</c> is its screen; <c>GET /kitchens/{k}/expo</c> its first paint (the
/// kitchen's orders at the pass and the event the list is as new as); ready, handed off and recall per order. The
/// screen follows <c>/orders/events?kitchen=K&amp;station=@expo</c> from the list's watermark.
/// </summary>
public static class ExpoApi
{
    /// <summary>Orders promised this long ago and not handed off are still at the pass.</summary>
    public static readonly TimeSpan OpenFor = TimeSpan.FromHours(24);

    /// <summary>Handed-off orders stay listed this long, so that a wrong hand-off can be recalled.</summary>
    public static readonly TimeSpan RecallableFor = TimeSpan.FromMinutes(15);

    /// <summary>At most this many open orders are listed (those promised or received latest) and this many handed-off ones.</summary>
    public const int MaxOpenOrders = 500, MaxHandedOffOrders = 100;

    public static IEndpointRouteBuilder MapExpoApi(this IEndpointRouteBuilder app)
    {
        // The screen's page is a static file like the station screen's; its data needs a paired screen or staff.
        app.MapGet("/expo", () => Results.File("expo.html", "text/html; charset=utf-8")).AllowAnonymous().ExcludeFromDescription();

        var expo = app.MapGroup("/kitchens/{kitchen}/expo").WithTags("Expo");
        expo.MapGet("/", ListAsync);
        expo.MapGet("/orders/{orderId}", GetAsync);
        expo.MapPost("/orders/{orderId}/ready", (string kitchen, string orderId, [FromBody] PassActionRequest? request, HttpContext http, PlacesCache places, NpgsqlDataSource dataSource, PassActions actions) =>
            ActAsync(kitchen, orderId, PassAction.Ready, request, http, places, dataSource, actions));
        expo.MapPost("/orders/{orderId}/handed-off", (string kitchen, string orderId, [FromBody] PassActionRequest? request, HttpContext http, PlacesCache places, NpgsqlDataSource dataSource, PassActions actions) =>
            ActAsync(kitchen, orderId, PassAction.HandOff, request, http, places, dataSource, actions));
        expo.MapPost("/orders/{orderId}/recall", (string kitchen, string orderId, [FromBody] PassActionRequest? request, HttpContext http, PlacesCache places, NpgsqlDataSource dataSource, PassActions actions) =>
            ActAsync(kitchen, orderId, PassAction.Recall, request, http, places, dataSource, actions));
        return app;
    }

    /// <summary>The kitchen's orders at the pass, oldest promise first, read in one snapshot with the event they are as new as.</summary>
    public static async Task<Results<Ok<PassBoard>, ProblemHttpResult>> ListAsync(
        string kitchen, ClaimsPrincipal user, PlacesCache places, NpgsqlDataSource dataSource, TimeProvider time, CancellationToken cancellationToken)
    {
        var (kitchenId, problem) = await KitchenQuery.FindAsync(kitchen, required: true, user, places, dataSource, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var snapshot = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        long lastEventId;
        await using (var counter = new NpgsqlCommand("SELECT coalesce((SELECT last_id FROM batch.kitchen_event_counters WHERE kitchen_id = $1), 0)", connection, snapshot))
        {
            counter.Parameters.Add(new NpgsqlParameter { Value = kitchenId! });
            lastEventId = (long)(await counter.ExecuteScalarAsync(cancellationToken))!;
        }

        var orders = await PassRows.ReadKitchenAsync(connection, snapshot, kitchenId!, now - OpenFor, now - RecallableFor, MaxOpenOrders, MaxHandedOffOrders, cancellationToken);
        var map = places.Current;
        var paused = await StorePauses.PausedAsync(connection, snapshot, map, kitchenId!, cancellationToken);
        var offSale = await OffSaleItems.OfKitchenAsync(connection, snapshot, map, kitchenId!, stationId: null, cancellationToken);
        var shortages = await Shortages.OfKitchenAsync(connection, snapshot, kitchenId!, cancellationToken);
        await snapshot.CommitAsync(cancellationToken);
        return TypedResults.Ok(new PassBoard(kitchenId!, map.Kitchen(kitchenId!)?.HasExpo ?? false, map.BusinessDay(kitchenId!, now), orders, lastEventId, paused, offSale, shortages));
    }

    /// <summary>One order at the pass, whenever it was promised.</summary>
    public static async Task<Results<Ok<PassOrderView>, ProblemHttpResult>> GetAsync(
        string kitchen, string orderId, ClaimsPrincipal user, PlacesCache places, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var (kitchenId, problem) = await KitchenQuery.FindAsync(kitchen, required: true, user, places, dataSource, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (orderId.Length > 200 || orderId.Contains('\0', StringComparison.Ordinal))
        {
            return NotFound(GuestNotes.Clean(orderId[..Math.Min(orderId.Length, 200)]) ?? string.Empty);
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var order = (await PassRows.ReadViewsAsync(connection, null, [orderId], cancellationToken)).SingleOrDefault();
        return order is null || order.KitchenId != kitchenId ? NotFound(orderId) : TypedResults.Ok(order);
    }

    private static async Task<Results<Ok<PassOrderView>, ProblemHttpResult>> ActAsync(
        string kitchen, string orderId, PassAction action, PassActionRequest? request, HttpContext http, PlacesCache places, NpgsqlDataSource dataSource,
        PassActions actions)
    {
        var cancellationToken = http.RequestAborted;
        if (request?.By is { Length: > KitchenActionRequest.MaxByLength })
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Screen name too long",
                detail: $"'by' names the screen or expeditor in at most {KitchenActionRequest.MaxByLength} characters.");
        }

        // No order id is that long or holds a NUL (PostgreSQL could not even compare it).
        if (orderId.Length > 200 || orderId.Contains('\0', StringComparison.Ordinal))
        {
            return NotFound(GuestNotes.Clean(orderId[..Math.Min(orderId.Length, 200)]) ?? string.Empty);
        }

        var (kitchenId, problem) = await KitchenQuery.FindAsync(kitchen, required: true, http.User, places, dataSource, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var (result, order) = await actions.ApplyAsync(kitchenId!, orderId, action, request?.ExpectedVersion, request?.Force ?? false,
            GuestNotes.Clean(request?.By) ?? http.User.Identity?.Name, cancellationToken);
        return result switch
        {
            PassActionResult.Done => TypedResults.Ok(order!),
            PassActionResult.NotFound => NotFound(orderId),
            _ => TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "The order is not where that step applies",
                detail: Why(action, order!, request?.ExpectedVersion),
                extensions: new Dictionary<string, object?> { ["currentState"] = order!.State, ["currentVersion"] = order.Version }),
        };
    }

    private static string Why(PassAction action, PassOrderView order, long? expected)
    {
        if (expected is { } version && version != order.Version)
        {
            return $"Order {order.FriendlyId ?? order.OrderId} changed (version {order.Version}, you had {version}). Refresh and try again.";
        }

        var waiting = order.Lines.Count(l => l.State != "done");
        return (action, order.State) switch
        {
            (_, PassStates.Canceled) => $"Order {order.FriendlyId ?? order.OrderId} was cancelled.",
            (PassAction.Ready, PassStates.Cooking) => $"{waiting} line(s) of order {order.FriendlyId ?? order.OrderId} are not bumped yet; send \"force\": true to mark it ready anyway.",
            (PassAction.HandOff, PassStates.Cooking or PassStates.ReadyToPack) => $"Order {order.FriendlyId ?? order.OrderId} is not marked ready yet.",
            (PassAction.Recall, _) => $"Order {order.FriendlyId ?? order.OrderId} is not ready or handed off: nothing to recall.",
            _ => $"Order {order.FriendlyId ?? order.OrderId} is already {order.State.Replace('_', ' ')}.",
        };
    }

    private static ProblemHttpResult NotFound(string orderId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such order at this pass", detail: $"Order {orderId} is not one of this kitchen's.");
}

/// <param name="Force">Ready though not every line is bumped.</param>
public sealed record PassActionRequest(long? ExpectedVersion, string? By, bool? Force);

/// <param name="HasExpo">Whether the kitchen runs an expo; without one an order is ready when its last line is bumped.</param>
/// <param name="LastEventId">Follow <c>/orders/events?kitchen=&amp;station=@expo</c> from this id to miss nothing after this list.</param>
/// <param name="PausedStores">The kitchen's stores paused at Otter now (they take no new orders).</param>
public sealed record PassBoard(
    string KitchenId, bool HasExpo, DateOnly BusinessDay, List<PassOrderView> Orders, long LastEventId, List<StorePause> PausedStores, List<OffSaleItem> OffSale,
    List<Shortage> Shortages);
