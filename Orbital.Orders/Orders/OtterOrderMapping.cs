using Orbital.Orders.Data;
using Orbital.Orders.Otter;

namespace Orbital.Orders.Orders;

/// <summary>Turns Otter's order into Orbital's stored order. Pure: no I/O, no clock.</summary>
public static class OtterOrderMapping
{
    public const int MaxQuantity = 1000;
    public const int MaxLines = 500;
    public const int MaxModifiersPerLine = 1000;
    public const int MaxModifierDepth = 8;

    /// <summary>No price, line or order total a restaurant sends is further from zero than this.</summary>
    public const decimal MaxMoney = 1_000_000m;

    /// <summary>What makes an order unusable for a kitchen; empty when it is fine.</summary>
    public static IReadOnlyList<string> Problems(OtterOrder order)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(order.ExternalIdentifiers?.Id))
        {
            problems.Add("externalIdentifiers.id is missing");
        }

        var totals = order.OrderTotal;
        foreach (var (name, amount) in new (string, decimal?)[]
        {
            ("subtotal", totals?.Subtotal), ("discount", totals?.Discount), ("tax", totals?.Tax), ("tip", totals?.Tip),
            ("deliveryFee", totals?.DeliveryFee), ("total", totals?.Total),
        })
        {
            if (amount is { } value && Math.Abs(value) > MaxMoney)
            {
                problems.Add($"orderTotal.{name} {value.ToString(System.Globalization.CultureInfo.InvariantCulture)} is beyond ±{MaxMoney:0}");
            }
        }

        var items = order.Items ?? [];
        if (items.Count > MaxLines)
        {
            problems.Add($"{items.Count} items is more than {MaxLines}");
        }

        for (var index = 0; index < items.Count; index++)
        {
            var item = items[index];
            if (item is null)
            {
                problems.Add($"items[{index}] is null");
                continue;
            }

            if (item.Quantity is not (>= 1 and <= MaxQuantity))
            {
                problems.Add($"items[{index}].quantity must be 1 to {MaxQuantity}, not {item.Quantity?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"}");
            }

            if (string.IsNullOrWhiteSpace(item.Name) && string.IsNullOrWhiteSpace(item.SkuId) && string.IsNullOrWhiteSpace(item.Id))
            {
                problems.Add($"items[{index}] has no name, skuId or id");
            }

            if ((item.Price is { } price && Math.Abs(price) > MaxMoney) || HasPriceBeyond(item.Modifiers, MaxMoney))
            {
                problems.Add($"items[{index}] has a price beyond ±{MaxMoney:0}");
            }

            var modifiers = CountModifiers(item.Modifiers, depth: 1, out var tooDeep);
            if (modifiers > MaxModifiersPerLine)
            {
                problems.Add($"items[{index}] has {modifiers} modifiers, more than {MaxModifiersPerLine}");
            }

            if (tooDeep)
            {
                problems.Add($"items[{index}] nests modifiers deeper than {MaxModifierDepth}");
            }
            else if (HasQuantityBeyond(item.Modifiers))
            {
                // Otter's reference bounds a modifier's quantity as a line's; a modifier cooked at its own station is
                // portions to cook, and a billion avocados is not an order.
                problems.Add($"items[{index}] has a modifier quantity outside 0 to {MaxQuantity}");
            }
        }

        return problems;
    }

    private static bool HasPriceBeyond(List<OtterModifier>? modifiers, decimal limit, int depth = 0) =>
        modifiers is not null && depth <= MaxModifierDepth
        && modifiers.Any(m => m is not null && ((m.Price is { } price && Math.Abs(price) > limit) || HasPriceBeyond(m.Modifiers, limit, depth + 1)));

    private static bool HasQuantityBeyond(List<OtterModifier>? modifiers) =>
        modifiers is not null && modifiers.Any(m => m is not null && (m.Quantity is < 0 or > MaxQuantity || HasQuantityBeyond(m.Modifiers)));

    private static int CountModifiers(List<OtterModifier>? modifiers, int depth, out bool tooDeep)
    {
        tooDeep = false;
        if (modifiers is null || modifiers.Count == 0)
        {
            return 0;
        }

        if (depth > MaxModifierDepth)
        {
            tooDeep = true;
            return modifiers.Count;
        }

        var count = 0;
        foreach (var modifier in modifiers)
        {
            count++;
            if (modifier is not null)
            {
                count += CountModifiers(modifier.Modifiers, depth + 1, out var deeper);
                tooDeep |= deeper;
            }
        }

        return count;
    }

    /// <summary>Copies the order's header fields (everything but lines and status) onto the stored order.</summary>
    public static void ApplyHeader(OrderEntity target, OtterOrder order)
    {
        var ids = order.ExternalIdentifiers!;
        target.FriendlyId = ids.FriendlyId;
        target.Source = ids.Source;
        target.SourceType = ids.SourceType;
        target.CurrencyCode = order.CurrencyCode;
        target.OrderedAt = Utc(OtterTime.Parse(order.OrderedAt));
        target.CustomerNote = order.CustomerNote;
        target.CustomerName = order.Customer?.Name;
        target.CustomerPhone = order.Customer?.Phone;
        target.CustomerEmail = order.Customer?.Email;
        // Otter's reference gives DELIVERY as the default when the mode is left out.
        target.FulfillmentMode = string.IsNullOrWhiteSpace(order.FulfillmentInfo?.FulfillmentMode) ? "DELIVERY" : order.FulfillmentInfo.FulfillmentMode;
        target.SchedulingType = order.FulfillmentInfo?.SchedulingType;
        target.PickupTime = Utc(OtterTime.Parse(order.FulfillmentInfo?.PickupTime));
        target.EstimatedPickupTime = Utc(OtterTime.Parse(order.FulfillmentInfo?.EstimatedPickupTime));
        target.DeliveryTime = Utc(OtterTime.Parse(order.FulfillmentInfo?.DeliveryTime));
        target.EstimatedPreparationTime = OtterTime.ParseDuration(order.PreparationTime?.EstimatedPreparationTime);
        target.Subtotal = order.OrderTotal?.Subtotal;
        target.Discount = order.OrderTotal?.Discount;
        target.Tax = order.OrderTotal?.Tax;
        target.Tip = order.OrderTotal?.Tip;
        target.DeliveryFee = order.OrderTotal?.DeliveryFee;
        target.Total = order.OrderTotal?.Total;
        target.CouponCode = order.OrderTotal?.CouponCode;
    }

    /// <summary>The order's lines as stored rows, nested modifiers kept under their parent.</summary>
    public static List<OrderItemEntity> Lines(string orderId, OtterOrder order)
    {
        var lines = new List<OrderItemEntity>();
        var items = order.Items ?? [];
        var lineIds = Contracts.LineIds.MakeUnique(items.Select(item => FirstNonEmpty(item.LineItemId, item.Id, item.SkuId) ?? "line"));
        for (var position = 0; position < items.Count; position++)
        {
            var item = items[position];
            var line = new OrderItemEntity
            {
                OrderId = orderId,
                Position = position,
                LineId = lineIds[position],
                ItemId = item.Id,
                Sku = FirstNonEmpty(item.SkuId, item.Id),
                Name = FirstNonEmpty(item.Name, item.SkuId, item.Id)!,
                Quantity = item.Quantity ?? 1,
                Note = item.Note,
                Price = item.Price,
                CategoryId = item.InternalCategoryId,
                CategoryName = item.InternalCategoryName,
                StationId = item.StationId,
            };
            AddModifiers(line, parent: null, item.Modifiers);
            lines.Add(line);
        }

        return lines;
    }

    public static List<OrderPromotionEntity> Promotions(string orderId, OtterOrder order) =>
        [.. (order.PromotionsDetails ?? []).Where(p => p is not null).Select(p => new OrderPromotionEntity
        {
            OrderId = orderId,
            ExternalId = p.ExternalId,
            Name = p.Name,
            Value = p.Value,
        })];

    private static void AddModifiers(OrderItemEntity line, OrderItemModifierEntity? parent, List<OtterModifier>? modifiers)
    {
        if (modifiers is null)
        {
            return;
        }

        var position = 0;
        foreach (var modifier in modifiers.Where(m => m is not null))
        {
            var entity = new OrderItemModifierEntity
            {
                Position = position++,
                ModifierId = modifier.Id,
                Name = FirstNonEmpty(modifier.Name, modifier.Id) ?? "(unnamed)",
                Quantity = modifier.Quantity ?? 1,
                Price = modifier.Price,
                GroupId = modifier.GroupId,
                GroupName = modifier.GroupName,
                Sku = modifier.SkuId,
                StationId = modifier.StationId,
                Parent = parent,
            };
            line.Modifiers.Add(entity);
            parent?.Children.Add(entity);
            AddModifiers(line, entity, modifier.Modifiers);
        }
    }

    /// <summary>
    /// Otter's status names as stored; the order status events' names (<c>orders.order_status_update</c>) as the order
    /// statuses they mean; anything else is UNKNOWN.
    /// </summary>
    public static string Status(string? otterStatus) => otterStatus?.Trim().ToUpperInvariant() switch
    {
        "NEW_ORDER" or "CONFIRMED" or "PICKED_UP" or "CANCELED" or "FULFILLED" or "PREPARED" or "REJECTED" => otterStatus.Trim().ToUpperInvariant(),
        "CANCELLED" => "CANCELED",
        "ORDER_ACCEPTED" => "CONFIRMED",
        "ORDER_READY_TO_PICKUP" => "PREPARED",
        "ORDER_HANDED_OFF" => "PICKED_UP",
        "ORDER_FULFILLED" => "FULFILLED",
        _ => "UNKNOWN",
    };

    public static DateTimeOffset? Utc(DateTimeOffset? time) => time?.ToUniversalTime();

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));
}
