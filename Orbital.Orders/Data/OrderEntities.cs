namespace Orbital.Orders.Data;

/// <summary>An order as Otter last described it, with what Orbital needs to apply events in any order.</summary>
public sealed class OrderEntity
{
    /// <summary>Otter's order id (<c>externalIdentifiers.id</c>).</summary>
    public required string Id { get; set; }
    public string? FriendlyId { get; set; }
    public required string StoreId { get; set; }
    public string? Source { get; set; }
    public string? SourceType { get; set; }
    public string? CurrencyCode { get; set; }
    public required string Status { get; set; }
    public string? CancellationReason { get; set; }
    public DateTimeOffset? OrderedAt { get; set; }
    public string? CustomerNote { get; set; }
    public string? CustomerName { get; set; }
    public string? CustomerPhone { get; set; }
    public string? CustomerEmail { get; set; }
    public string? FulfillmentMode { get; set; }
    public string? SchedulingType { get; set; }
    public DateTimeOffset? PickupTime { get; set; }
    public DateTimeOffset? EstimatedPickupTime { get; set; }
    public DateTimeOffset? DeliveryTime { get; set; }
    public TimeSpan? EstimatedPreparationTime { get; set; }
    public decimal? Subtotal { get; set; }
    public decimal? Discount { get; set; }
    public decimal? Tax { get; set; }
    public decimal? Tip { get; set; }
    public decimal? DeliveryFee { get; set; }
    public decimal? Total { get; set; }
    public string? CouponCode { get; set; }

    /// <summary>False while only status events have been seen (they can arrive before the order itself).</summary>
    public bool HasLines { get; set; }

    /// <summary>Time of the full-order event the lines came from; an older one never replaces them.</summary>
    public DateTimeOffset? LinesEventTime { get; set; }

    /// <summary>Rank of the event the lines came from (<see cref="Orders.EventPrecedence.LinesRank"/>), for events of the same time.</summary>
    public int LinesEventRank { get; set; }

    /// <summary>Time of the event the status came from; an older one never overwrites it.</summary>
    public DateTimeOffset? StatusEventTime { get; set; }

    /// <summary>
    /// When the food was promised once the order was accepted (Otter's <c>orderAcceptedInfo.preparationTimeInMinutes</c>
    /// after the acceptance): moves an ASAP order's ready-by.
    /// </summary>
    public DateTimeOffset? AcceptedReadyBy { get; set; }

    /// <summary>The courier's last status from Otter's delivery updates (REQUESTED, ALLOCATED, ARRIVED_AT_PICKUP, PICKED_UP, …).</summary>
    public string? CourierStatus { get; set; }

    /// <summary>The courier's first name, as the pass would call it (no more of it is kept).</summary>
    public string? CourierName { get; set; }

    /// <summary>Who delivers (doordash, uber, …).</summary>
    public string? DeliveryProvider { get; set; }

    /// <summary>When the courier is expected at the pass: the food is timed to it while the courier is on the way.</summary>
    public DateTimeOffset? CourierEstimatedPickupTime { get; set; }

    /// <summary>Time of the delivery update the courier fields came from; an older one never overwrites them.</summary>
    public DateTimeOffset? CourierEventTime { get; set; }

    /// <summary>Increases with every applied change; carried in <c>StructuredOrder.version</c>.</summary>
    public long Version { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public List<OrderItemEntity> Items { get; set; } = [];
    public List<OrderPromotionEntity> Promotions { get; set; } = [];
    public List<OrderStatusChangeEntity> StatusHistory { get; set; } = [];
}

public sealed class OrderItemEntity
{
    public long Id { get; set; }
    public required string OrderId { get; set; }
    public int Position { get; set; }
    /// <summary>Otter's <c>lineItemId</c>, else the item id, made unique within the order (<see cref="Contracts.LineIds"/>).</summary>
    public required string LineId { get; set; }
    public string? ItemId { get; set; }
    public string? Sku { get; set; }
    public required string Name { get; set; }
    public int Quantity { get; set; }
    public string? Note { get; set; }
    public decimal? Price { get; set; }
    public string? CategoryId { get; set; }
    public string? CategoryName { get; set; }
    public string? StationId { get; set; }

    /// <summary>Every modifier of the line, nested ones included; nesting is kept by <see cref="OrderItemModifierEntity.ParentModifierId"/>.</summary>
    public List<OrderItemModifierEntity> Modifiers { get; set; } = [];
}

public sealed class OrderItemModifierEntity
{
    public long Id { get; set; }
    public long OrderItemId { get; set; }
    public long? ParentModifierId { get; set; }
    public int Position { get; set; }
    public string? ModifierId { get; set; }
    public required string Name { get; set; }
    public int Quantity { get; set; }
    public decimal? Price { get; set; }
    public string? GroupId { get; set; }
    public string? GroupName { get; set; }
    public string? Sku { get; set; }
    /// <summary>Otter's station for the modifier, when it is cooked apart from its line.</summary>
    public string? StationId { get; set; }

    public OrderItemModifierEntity? Parent { get; set; }
    public List<OrderItemModifierEntity> Children { get; set; } = [];
}

public sealed class OrderPromotionEntity
{
    public long Id { get; set; }
    public required string OrderId { get; set; }
    public string? ExternalId { get; set; }
    public string? Name { get; set; }
    public decimal? Value { get; set; }
}

public sealed class OrderStatusChangeEntity
{
    public long Id { get; set; }
    public required string OrderId { get; set; }
    public required string Status { get; set; }
    public DateTimeOffset? EventTime { get; set; }
    public required string EventId { get; set; }
    public required string EventType { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>Every Otter event as received, so any order can be audited and re-processed.</summary>
public sealed class RawEventEntity
{
    public required string EventId { get; set; }
    public required string EventType { get; set; }
    public string? StoreId { get; set; }
    public string? OrderId { get; set; }
    public DateTimeOffset? EventTime { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public required string Body { get; set; }

    /// <summary>The bytes as Otter sent them, kept only when <see cref="Body"/> had to be cleaned to be stored (a NUL in a note).</summary>
    public byte[]? OriginalBody { get; set; }
    public required string State { get; set; }
    public string? Detail { get; set; }
    public DateTimeOffset ProcessedAt { get; set; }
}

/// <summary>
/// An event that arrived again under an id already processed, with a different body: not applied (the id was), but
/// kept for the audit trail, so that nobody has to guess what Otter sent the second time.
/// </summary>
public sealed class EventConflictEntity
{
    public long Id { get; set; }
    public required string EventId { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public required string Body { get; set; }
    public byte[]? OriginalBody { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
}

/// <summary>What happened to a raw event.</summary>
public static class RawEventStates
{
    public const string Applied = "applied";
    /// <summary>Older than what the order already holds: kept for audit, changed nothing.</summary>
    public const string Stale = "stale";
    /// <summary>A type Orbital does not act on: stored and acknowledged.</summary>
    public const string Ignored = "ignored";
}

/// <summary>
/// A step of an order in its kitchen (accepted, ready, handed off) and the call it owes Otter (confirm, ready-to-pickup,
/// fulfill): kept from the moment the kitchen's event arrives until Otter accepts the call, so neither a restart nor
/// Otter's rate limits lose it. One row per order and step (<see cref="EventId"/>).
/// </summary>
public sealed class OtterCallEntity
{
    public long Id { get; set; }
    /// <summary>The kitchen event's id, <c>order:milestone</c>: a redelivered event finds its row.</summary>
    public required string EventId { get; set; }
    public required string OrderId { get; set; }
    public required string StoreId { get; set; }
    /// <summary>Otter's order source (<c>ubereats</c>), a segment of the call's path.</summary>
    public required string Source { get; set; }
    /// <summary>The kitchen's step: accepted, ready, handed_off.</summary>
    public required string Milestone { get; set; }
    /// <summary>The call's last path segment: confirm, ready-to-pickup, fulfill.</summary>
    public required string Endpoint { get; set; }
    /// <summary>The JSON body sent, if any (<c>{"estimatedPrepTimeMinutes": n}</c> for confirm).</summary>
    public string? Body { get; set; }
    public string? By { get; set; }
    /// <summary>pending, sent, failed (Otter refused it for good, or it was too old to matter), not_configured (Otter is not being told).</summary>
    public required string State { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    /// <summary>Otter's last answer (HTTP status), or null after a network error or timeout.</summary>
    public int? LastStatus { get; set; }
    public string? LastError { get; set; }
    /// <summary>W3C <c>traceparent</c> of the kitchen step that owed the call: the call to Otter joins the order's trace.</summary>
    public string? TraceParent { get; set; }
}
