using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Orbital.Orders.Data;

namespace Orbital.Orders.Orders;

/// <summary>The operator's read API: orders as stored.</summary>
public static class OrdersApi
{
    public static IEndpointRouteBuilder MapOrdersApi(this IEndpointRouteBuilder app)
    {
        var orders = app.MapGroup("/orders").WithTags("Orders");
        orders.MapGet("/{id}", GetOrderAsync).WithName("GetOrder");
        return app;
    }

    public static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> GetOrderAsync(string id, OrdersDbContext db, CancellationToken cancellationToken)
    {
        var order = await db.Orders.AsNoTracking()
            .Include(o => o.Items).ThenInclude(i => i.Modifiers)
            .Include(o => o.Promotions)
            .Include(o => o.StatusHistory)
            .AsSplitQuery()
            .FirstOrDefaultAsync(o => o.Id == id, cancellationToken);
        return order is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Order not found", detail: $"No order with Otter id '{id}' has been received.")
            : TypedResults.Ok(OrderResponse.From(order));
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
    public static OrderResponse From(OrderEntity order) => new(
        order.Id,
        order.FriendlyId,
        order.StoreId,
        order.Source,
        order.Status,
        order.CancellationReason,
        order.OrderedAt,
        StructuredOrderMapping.ReadyBy(order),
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
        [.. order.StatusHistory.OrderBy(s => s.EventTime).Select(s => new StatusChangeResponse(s.Status, s.EventTime, s.EventType))]);
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
