using Google.Protobuf.WellKnownTypes;
using Orbital.Contracts.Orders;
using Orbital.Orders.Data;

namespace Orbital.Orders.Orders;

/// <summary>The stored order as the kitchen's <see cref="StructuredOrder"/>.</summary>
public static class StructuredOrderMapping
{
    /// <summary>Preparation time assumed for an ASAP order that does not say.</summary>
    public static readonly TimeSpan DefaultPreparationTime = TimeSpan.FromMinutes(15);

    public static StructuredOrder ToStructuredOrder(OrderEntity order, OrderEventKind kind, string sourceEventId, TimeSpan deliveryTravelTime)
    {
        var structured = new StructuredOrder
        {
            OrderId = order.Id,
            FriendlyId = order.FriendlyId ?? string.Empty,
            StoreId = order.StoreId,
            Source = order.Source ?? string.Empty,
            Status = Status(order.Status),
            EventKind = kind,
            FulfillmentMode = FulfillmentMode(order.FulfillmentMode),
            SchedulingType = IsScheduled(order) ? SchedulingType.FixedTime : SchedulingType.Asap,
            CustomerNote = order.CustomerNote ?? string.Empty,
            CustomerFirstName = FirstName(order.CustomerName),
            Version = order.Version,
            SourceEventId = sourceEventId,
        };
        structured.OrderedAt = Timestamp.FromDateTimeOffset(OrderedAt(order));
        structured.ReadyBy = Timestamp.FromDateTimeOffset(ReadyBy(order, deliveryTravelTime));
        if (order.CourierStatus is not null || order.CourierEstimatedPickupTime is not null)
        {
            structured.Courier = new Courier
            {
                Status = order.CourierStatus ?? string.Empty,
                FirstName = order.CourierName ?? string.Empty,
                Provider = order.DeliveryProvider ?? string.Empty,
                EstimatedPickupAt = order.CourierEstimatedPickupTime is { } eta ? Timestamp.FromDateTimeOffset(eta) : null,
            };
        }

        foreach (var item in order.Items.OrderBy(i => i.Position))
        {
            var line = new OrderLine
            {
                LineId = item.LineId,
                Sku = item.Sku ?? string.Empty,
                Name = item.Name,
                Quantity = item.Quantity,
                StationId = item.StationId ?? string.Empty,
                CategoryId = item.CategoryId ?? string.Empty,
                CategoryName = item.CategoryName ?? string.Empty,
                Note = item.Note ?? string.Empty,
            };
            line.Modifiers.AddRange(Modifiers(item.Modifiers.Where(m => m.Parent is null && m.ParentModifierId is null)));
            structured.Lines.Add(line);
        }

        return structured;
    }

    /// <summary>
    /// When the food must be ready to leave the pass. While a courier is on the way: when they are expected (food is hot
    /// when the courier walks in). Once the restaurant accepted an ASAP order: the acceptance plus the preparation time it
    /// gave. Scheduled: the pickup time (Otter's, else its estimate); for a scheduled delivery that gives only the time
    /// at the door, that time less the travel time. ASAP: the pickup time or Otter's estimate of it when given, else
    /// ordered-at plus the estimated preparation time.
    /// </summary>
    public static DateTimeOffset ReadyBy(OrderEntity order, TimeSpan deliveryTravelTime)
    {
        if (CourierOnTheWay(order.CourierStatus) && order.CourierEstimatedPickupTime is { } courier)
        {
            return courier;
        }

        if (!IsScheduled(order) && order.AcceptedReadyBy is { } accepted)
        {
            return accepted;
        }

        if ((order.PickupTime ?? order.EstimatedPickupTime) is { } pickup)
        {
            return pickup;
        }

        if (IsScheduled(order) && order.DeliveryTime is { } atTheDoor)
        {
            return atTheDoor - deliveryTravelTime;
        }

        return OrderedAt(order) + (order.EstimatedPreparationTime ?? DefaultPreparationTime);
    }

    /// <summary>A courier is coming to the pass (not yet there with the food, not gone, not cancelled).</summary>
    public static bool CourierOnTheWay(string? status) => status is "REQUESTED" or "ALLOCATED" or "ARRIVED_AT_PICKUP";

    /// <summary>When the order was placed: Otter's time, else when Orbital first stored it (never the epoch).</summary>
    public static DateTimeOffset OrderedAt(OrderEntity order) => order.OrderedAt ?? order.CreatedAt;

    /// <summary>What the pass calls out: the first word of the name Otter gives (the kitchen needs no more of it).</summary>
    public static string FirstName(string? name) =>
        name?.Trim().Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries) is [var first, ..] ? first : string.Empty;

    private static bool IsScheduled(OrderEntity order) =>
        string.Equals(order.SchedulingType, "FIXED_TIME", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<LineModifier> Modifiers(IEnumerable<OrderItemModifierEntity> modifiers) =>
        modifiers.OrderBy(m => m.Position).Select(m =>
        {
            var modifier = new LineModifier
            {
                Id = m.ModifierId ?? string.Empty,
                Name = m.Name,
                Quantity = m.Quantity,
                GroupId = m.GroupId ?? string.Empty,
                GroupName = m.GroupName ?? string.Empty,
                StationId = m.StationId ?? string.Empty,
                Sku = m.Sku ?? m.ModifierId ?? string.Empty,
            };
            modifier.Modifiers.AddRange(Modifiers(m.Children));
            return modifier;
        });

    private static OrderStatus Status(string status) => status switch
    {
        "NEW_ORDER" => OrderStatus.New,
        "CONFIRMED" => OrderStatus.Confirmed,
        "PREPARED" => OrderStatus.Prepared,
        "PICKED_UP" => OrderStatus.PickedUp,
        "FULFILLED" => OrderStatus.Fulfilled,
        "CANCELED" => OrderStatus.Canceled,
        "REJECTED" => OrderStatus.Rejected,
        _ => OrderStatus.Unknown,
    };

    private static FulfillmentMode FulfillmentMode(string? mode) => mode?.ToUpperInvariant() switch
    {
        "DELIVERY" => Contracts.Orders.FulfillmentMode.Delivery,
        "PICKUP" or "PICK_UP" => Contracts.Orders.FulfillmentMode.Pickup,
        "DINE_IN" => Contracts.Orders.FulfillmentMode.DineIn,
        "RESTAURANT_DELIVERY" => Contracts.Orders.FulfillmentMode.RestaurantDelivery,
        "DRIVE_THROUGH" => Contracts.Orders.FulfillmentMode.DriveThrough,
        _ => Contracts.Orders.FulfillmentMode.Unspecified,
    };
}
