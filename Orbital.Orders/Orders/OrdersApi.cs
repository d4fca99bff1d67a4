using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Orbital.Orders.Data;
using Microsoft.Extensions.Options;
using Orbital.Orders.Operators;
using Orbital.Orders.Webhooks;
using Orbital.Places;

using Orbital.Orders.TellingOtter;

namespace Orbital.Orders.Orders;

/// <summary>The operator's read API: orders as stored.</summary>
public static class OrdersApi
{
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var orders = app.MapGroup("/orders").WithTags("Orders").RequireAuthorization(OperatorAccess.Policy);
        orders.MapGet("/{id}", GetOrderAsync).WithName("GetOrder");
        orders.MapGet("/", ListOrdersAsync).WithName("ListOrders");
        return app;
    }

    public const int MaxPageSize = 500;

    /// <summary>
    /// Orders of a store changed since a time, oldest change first. Keyset-paged: pass the response's
    /// <c>next</c> back as <c>after</c> to read on.
    /// </summary>
    public static async Task<Results<Ok<OrderPage>, ValidationProblem, ProblemHttpResult>> ListOrdersAsync(
        OrdersDbContext db,
        ClaimsPrincipal user,
        PlacesCache places,
        CancellationToken cancellationToken,
        string? storeId = null,
        DateTimeOffset? since = null,
        string? after = null,
        int limit = 100)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (limit is < 1 or > MaxPageSize)
        {
            errors["limit"] = [$"limit must be 1 to {MaxPageSize}."];
        }

        var cursor = after is null ? null : PageCursor.Parse(after);
        if (after is not null && cursor is null)
        {
            errors["after"] = ["after must be the 'next' value of a previous page."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        await places.EnsureLoadedAsync(cancellationToken);
        var readable = user.ReadableStores(places.Current);
        var query = db.Orders.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(storeId))
        {
            if (readable is not null && !readable.Contains(storeId, StringComparer.Ordinal))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not one of your stores",
                    detail: $"Store '{storeId}' is not at a kitchen your account works at.");
            }

            query = query.Where(o => o.StoreId == storeId);
        }
        else if (readable is not null)
        {
            query = query.Where(o => readable.Contains(o.StoreId));
        }

        if (since is { } from)
        {
            var fromUtc = from.ToUniversalTime();
            query = query.Where(o => o.UpdatedAt >= fromUtc);
        }

        if (cursor is { } position)
        {
            // Runs as SQL, where the database's collation orders ids; the page order below uses the same one.
#pragma warning disable CA1309
            query = query.Where(o => o.UpdatedAt > position.UpdatedAt || (o.UpdatedAt == position.UpdatedAt && string.Compare(o.Id, position.Id) > 0));
#pragma warning restore CA1309
        }

        var page = await query
            .OrderBy(o => o.UpdatedAt).ThenBy(o => o.Id)
            .Take(limit + 1)
            .Select(o => new OrderSummary(o.Id, o.FriendlyId, o.StoreId, o.Source, o.Status, o.OrderedAt, o.Total, o.Version, o.UpdatedAt))
            .ToListAsync(cancellationToken);

        var next = page.Count > limit ? new PageCursor(page[limit - 1].UpdatedAt, page[limit - 1].Id).ToString() : null;
        return TypedResults.Ok(new OrderPage([.. page.Take(limit)], next));
    }

    /// <summary>One order as stored; an order of a store the caller does not work at is, to them, not found.</summary>
    public static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> GetOrderAsync(
        string id, OrdersDbContext db, ClaimsPrincipal user, PlacesCache places, IOptions<OtterOptions> options, CancellationToken cancellationToken)
    {
        await places.EnsureLoadedAsync(cancellationToken);
        var order = await db.Orders.AsNoTracking()
            .Include(o => o.Items).ThenInclude(i => i.Modifiers)
            .Include(o => o.Promotions)
            .Include(o => o.StatusHistory)
            .AsSplitQuery()
            .FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        if (order is null || !user.MayRead(order.StoreId, places.Current))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Order not found", detail: $"No order with Otter id '{id}' has been received.");
        }

        var calls = await db.OtterCalls.AsNoTracking().Where(c => c.OrderId == id).OrderBy(c => c.Id)
            .Select(c => new OtterCallResponse(c.Milestone, c.Endpoint, c.State, c.Attempts, c.OccurredAt, c.SentAt, c.LastStatus, c.LastError))
            .ToListAsync(cancellationToken);
        // The kitchen's steps are kept once, as the calls owed to Otter; the history shows them among Otter's statuses
        // (rows of 'kitchen.*' in the history table were written before that, and are the same steps).
        var response = OrderResponse.From(order, options.Value.DeliveryTravelTime);
        var history = response.StatusHistory.Where(s => !s.Source.StartsWith("kitchen.", StringComparison.Ordinal))
            .Concat(calls.Select(c => new StatusChangeResponse(KitchenOrderEventHandler.StatusOf(c.Milestone), c.OccurredAt, $"kitchen.{c.Milestone}")))
            .OrderBy(s => s.At)
            .ToList();
        return TypedResults.Ok(response with { StatusHistory = history, OtterCalls = calls });
    }
}

public sealed record OrderResponse(
    string Id,
    string? FriendlyId,
    string StoreId,
    string? Source,
    string Status,
    string? CancellationReason,
    DateTimeOffset? OrderedAt,
    DateTimeOffset? ReadyBy,
    string? FulfillmentMode,
    string? SchedulingType,
    string? CustomerNote,
    string? CurrencyCode,
    OrderTotals Totals,
    long Version,
    IReadOnlyList<OrderLineResponse> Lines,
    IReadOnlyList<PromotionResponse> Promotions,
    IReadOnlyList<StatusChangeResponse> StatusHistory)
{
    /// <summary>What Otter has been told of the kitchen's steps, and how each call went.</summary>
    public IReadOnlyList<OtterCallResponse> OtterCalls { get; init; } = [];

    /// <summary>The courier coming for a delivery, as Otter last said; null until Otter says anything of one.</summary>
    public CourierResponse? Courier { get; init; }

    public static OrderResponse From(OrderEntity order, TimeSpan deliveryTravelTime) => new OrderResponse(
        order.Id,
        order.FriendlyId,
        order.StoreId,
        order.Source,
        order.Status,
        order.CancellationReason,
        order.OrderedAt,
        StructuredOrderMapping.ReadyBy(order, deliveryTravelTime),
        order.FulfillmentMode,
        order.SchedulingType,
        order.CustomerNote,
        order.CurrencyCode,
        new OrderTotals(order.Subtotal, order.Discount, order.Tax, order.Tip, order.DeliveryFee, order.Total, order.CouponCode),
        order.Version,
        [.. order.Items.OrderBy(i => i.Position).Select(i => new OrderLineResponse(
            i.LineId, i.Sku, i.Name, i.Quantity, i.Price, i.Note, i.StationId, i.CategoryName,
            ModifierResponse.Tree(i.Modifiers, parentId: null)))],
        [.. order.Promotions.Select(p => new PromotionResponse(p.ExternalId, p.Name, p.Value))],
        [.. order.StatusHistory.OrderBy(s => s.EventTime).Select(s => new StatusChangeResponse(s.Status, s.EventTime, s.EventType))])
    {
        Courier = order.CourierStatus is null && order.CourierEstimatedPickupTime is null ? null
            : new CourierResponse(order.CourierStatus, order.CourierName, order.DeliveryProvider, order.CourierEstimatedPickupTime, order.CourierEventTime),
    };
}

public sealed record CourierResponse(string? Status, string? FirstName, string? Provider, DateTimeOffset? ExpectedAt, DateTimeOffset? UpdatedAt);

public sealed record OrderPage(IReadOnlyList<OrderSummary> Orders, string? Next);

public sealed record OrderSummary(
    string Id, string? FriendlyId, string StoreId, string? Source, string Status, DateTimeOffset? OrderedAt, decimal? Total, long Version, DateTimeOffset UpdatedAt);

/// <summary>Where a page ended: the last order's change time and id, as one opaque token.</summary>
public sealed record PageCursor(DateTimeOffset UpdatedAt, string Id)
{
    public override string ToString() =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{UpdatedAt.UtcTicks}|{Id}"));

    public static PageCursor? Parse(string token)
    {
        try
        {
            var text = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var separator = text.IndexOf('|', StringComparison.Ordinal);
            return separator > 0 && long.TryParse(text[..separator], System.Globalization.CultureInfo.InvariantCulture, out var ticks)
                && ticks >= DateTimeOffset.MinValue.UtcTicks && ticks <= DateTimeOffset.MaxValue.UtcTicks
                ? new PageCursor(new DateTimeOffset(ticks, TimeSpan.Zero), text[(separator + 1)..])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

public sealed record OrderTotals(decimal? Subtotal, decimal? Discount, decimal? Tax, decimal? Tip, decimal? DeliveryFee, decimal? Total, string? CouponCode);

public sealed record OrderLineResponse(
    string LineId, string? Sku, string Name, int Quantity, decimal? Price, string? Note, string? StationId, string? Category,
    IReadOnlyList<ModifierResponse> Modifiers);

public sealed record ModifierResponse(string Name, int Quantity, decimal? Price, string? GroupName, IReadOnlyList<ModifierResponse> Modifiers)
{
    public static IReadOnlyList<ModifierResponse> Tree(IReadOnlyCollection<OrderItemModifierEntity> all, long? parentId) =>
        [.. all.Where(m => m.ParentModifierId == parentId).OrderBy(m => m.Position)
            .Select(m => new ModifierResponse(m.Name, m.Quantity, m.Price, m.GroupName, Tree(all, m.Id)))];
}

public sealed record PromotionResponse(string? ExternalId, string? Name, decimal? Value);

public sealed record StatusChangeResponse(string Status, DateTimeOffset? At, string Source);

/// <summary>A call owed to Otter for a step in the kitchen: state pending, sent, failed or not_configured.</summary>
public sealed record OtterCallResponse(
    string Milestone, string Endpoint, string State, int Attempts, DateTimeOffset OccurredAt, DateTimeOffset? SentAt, int? LastStatus, string? LastError);
