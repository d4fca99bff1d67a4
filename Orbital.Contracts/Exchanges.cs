namespace Orbital.Contracts;

/// <summary>The durable fanout exchanges that carry Orbital's messages between services.</summary>
public static class Exchanges
{
    /// <summary>Raw Otter webhooks, as accepted by the Orders service.</summary>
    public const string OtterEvents = "otter_events";

    /// <summary>Normalised orders (<c>StructuredOrder</c>), published by Orders after commit.</summary>
    public const string StructuredOrderData = "structured_order_data";

    /// <summary>Product and transfer-unit scans from the Prep service.</summary>
    public const string Scans = "scans";

    /// <summary>An order's steps in its kitchen (<c>KitchenOrderEvent</c>: accepted, ready, handed off), published by Batch after commit.</summary>
    public const string KitchenOrderEvents = "kitchen_order_events";

    /// <summary>Stores paused and unpaused at Otter (<c>StoreStatus</c>), published by Orders after commit.</summary>
    public const string StoreStatus = "store_status";

    /// <summary>Menu items of a store taken off sale or put back (<c>MenuAvailabilityChange</c>), published by Prep after commit.</summary>
    public const string MenuAvailability = "menu_availability";

    /// <summary>What each kitchen is running short of (<c>StockWarnings</c>, a snapshot per kitchen), published by Prep after commit.</summary>
    public const string StockWarnings = "stock_warnings";
}

/// <summary>The queues Orbital's own consumers read; each is bound to one exchange.</summary>
public static class Queues
{
    public const string OrdersOtterEvents = "orders.otter_events";
    public const string BatchStructuredOrders = "batch.structured_order_data";
    public const string OrdersKitchenOrderEvents = "orders.kitchen_order_events";
    public const string BatchStoreStatus = "batch.store_status";
    public const string PrepStructuredOrders = "prep.structured_order_data";
    public const string OrdersMenuAvailability = "orders.menu_availability";
    public const string BatchMenuAvailability = "batch.menu_availability";
    public const string BatchStockWarnings = "batch.stock_warnings";
}

/// <summary>Content types of Orbital messages, set as the AMQP <c>content_type</c>.</summary>
public static class ContentTypes
{
    public const string Protobuf = "application/x-protobuf";
    public const string Json = "application/json";
}
