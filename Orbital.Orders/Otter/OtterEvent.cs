using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orbital.Orders.Otter;

/// <summary>
/// An Otter webhook envelope. The payload sits under <c>metadata.payload</c>; its shape depends on <c>eventType</c>.
/// Unknown fields are ignored everywhere, as Otter adds fields without notice.
/// </summary>
public sealed record OtterEvent(
    string? EventId,
    string? EventType,
    JsonElement? EventTime,
    OtterEventMetadata? Metadata);

public sealed record OtterEventMetadata(
    string? StoreId,
    string? ApplicationId,
    string? ResourceId,
    string? ResourceHref,
    JsonElement? Payload);

/// <summary>The event types a kitchen receives from Otter.</summary>
public static class OtterEventTypes
{
    public const string Ping = "ping.ping";
    public const string NewOrder = "orders.new_order";
    public const string Update = "orders.update";
    public const string Confirm = "orders.confirm";
    public const string OrderReady = "orders.order_ready";
    public const string OrderFulfilled = "orders.order_fulfilled";
    public const string OrderHandedOff = "orders.order_handed_off";
    public const string CancelOrder = "orders.cancel_order";
    public const string OrderStatusUpdate = "orders.order_status_update";
    public const string DeliveryStatusUpdate = "delivery.delivery_status_update";
    public const string PauseStore = "storefront.pause_store";
    public const string UnpauseStore = "storefront.unpause_store";
}

public sealed record OtterOrder(
    OtterExternalIdentifiers? ExternalIdentifiers,
    string? CurrencyCode,
    string? Status,
    List<OtterItem>? Items,
    JsonElement? OrderedAt,
    string? CustomerNote,
    OtterCustomer? Customer,
    OtterOrderTotal? OrderTotal,
    OtterFulfillmentInfo? FulfillmentInfo,
    OtterPreparationTime? PreparationTime,
    List<OtterPromotion>? PromotionsDetails);

public sealed record OtterExternalIdentifiers(string? Id, string? FriendlyId, string? Source, string? SourceType);

public sealed record OtterItem(
    int? Quantity,
    string? Id,
    string? LineItemId,
    string? SkuId,
    string? Name,
    string? Note,
    decimal? Price,
    string? InternalCategoryId,
    string? InternalCategoryName,
    string? StationId,
    List<OtterModifier>? Modifiers);

public sealed record OtterModifier(
    int? Quantity,
    string? Id,
    string? Name,
    decimal? Price,
    string? GroupName,
    string? GroupId,
    List<OtterModifier>? Modifiers,
    string? SkuId = null,
    string? StationId = null);

public sealed record OtterCustomer(string? Name, string? Phone, string? Email);

public sealed record OtterOrderTotal(
    decimal? Subtotal, decimal? Discount, decimal? Tax, decimal? Tip, decimal? DeliveryFee, decimal? Total, string? CouponCode);

public sealed record OtterFulfillmentInfo(
    string? FulfillmentMode,
    string? SchedulingType,
    JsonElement? PickupTime,
    JsonElement? EstimatedPickupTime,
    JsonElement? DeliveryTime);

public sealed record OtterPreparationTime(string? EstimatedPreparationTime);

public sealed record OtterPromotion(string? ExternalId, string? Name, decimal? Value);

/// <summary><c>orders.cancel_order</c>.</summary>
public sealed record OtterCancellation(OtterExternalIdentifiers? ExternalIdentifiers, string? CancellationReason);

/// <summary><c>orders.confirm</c>, <c>orders.order_ready</c>, <c>orders.order_fulfilled</c>, <c>orders.order_handed_off</c>.</summary>
public sealed record OtterOrderReference(string? OrderId, OtterExternalIdentifiers? ExternalIdentifiers);

/// <summary><c>orders.order_status_update</c>.</summary>
public sealed record OtterStatusUpdate(
    string? OrderId,
    OtterExternalIdentifiers? ExternalIdentifiers,
    List<OtterStatusHistoryEntry>? OrderStatusHistory,
    OtterOrderAcceptedInfo? OrderAcceptedInfo);

/// <summary>What the restaurant said when it accepted the order: how long it will take.</summary>
public sealed record OtterOrderAcceptedInfo(int? PreparationTimeInMinutes);

/// <summary><c>delivery.delivery_status_update</c>: the courier coming for an order (named by <c>metadata.resourceId</c>).</summary>
public sealed record OtterDeliveryStatusUpdate(
    string? Provider,
    OtterCourier? Courier,
    JsonElement? EstimatedPickupTime,
    string? Status,
    string? DeliveryStatus,
    JsonElement? UpdatedTime);

public sealed record OtterCourier(string? Name);

public sealed record OtterStatusHistoryEntry(string? Status, JsonElement? EventTime);

// Numbers must be numbers: Otter's reference types quantities and money as numbers, and "quantity": "2" is refused
// (dead-lettered with the reason) rather than guessed at.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(OtterEvent))]
[JsonSerializable(typeof(OtterOrder))]
[JsonSerializable(typeof(OtterCancellation))]
[JsonSerializable(typeof(OtterOrderReference))]
[JsonSerializable(typeof(OtterStatusUpdate))]
[JsonSerializable(typeof(OtterDeliveryStatusUpdate))]
public sealed partial class OtterJson : JsonSerializerContext;
