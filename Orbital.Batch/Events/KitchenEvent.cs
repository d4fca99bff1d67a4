using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Orbital.Batch.Kitchens;

namespace Orbital.Batch.Events;

/// <summary>A batch item as screens show it. <see cref="CancelledQuantity"/>: portions of <see cref="Quantity"/> whose orders
/// were cancelled after cooking started (still on the grill, no longer wanted). <see cref="Note"/>: what the guest wrote
/// for every line of it; <see cref="AllergyNote"/>: what signalled an allergy (then it is one order's food only);
/// <see cref="Orders"/>: the orders it serves, at most 12 of <see cref="OrderCount"/>, allergies and notes first.</summary>
public sealed record BatchItemView(
    long Id,
    string KitchenId,
    string StationId,
    string Sku,
    string Name,
    IReadOnlyList<string> Modifiers,
    int Quantity,
    DateTimeOffset FireAt,
    DateOnly BusinessDay,
    string Status,
    bool Changed,
    string? Flag,
    int OrderCount,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? CompletedAt,
    int CancelledQuantity = 0,
    string? Note = null,
    string? AllergyNote = null,
    IReadOnlyList<BatchItemOrder>? Orders = null);

/// <summary>One order's share of a batch item, as its card lists it: who it is for, where from, when it is promised.</summary>
public sealed record BatchItemOrder(
    string OrderId,
    string? FriendlyId,
    string? Brand,
    string? Channel,
    DateTimeOffset? ReadyBy,
    int Quantity,
    bool Allergy,
    string? FirstName,
    string? Note);

/// <summary>
/// One change on a kitchen's boards: a batch item's (<see cref="Item"/>, on its station) or an order's at the pass
/// (<see cref="Order"/>, on <see cref="KitchenEventTypes.ExpoStation"/>). Ids increase within each kitchen (each
/// kitchen is its own stream) and are shared by every Batch instance.
/// </summary>
public sealed record KitchenEvent(
    long Id, string Type, string KitchenId, string StationId, BatchItemView? Item, PassOrderView? Order = null, StorePause? Store = null, OffSaleChange? Availability = null,
    IReadOnlyList<Shortage>? Shortages = null)
{
    /// <summary>The span of this event in the trace of the order that caused it, on the instance that wrote it; never sent.</summary>
    [JsonIgnore]
    public ActivityContext Trace { get; init; }
}

/// <summary>A change to be appended to a kitchen's event log.</summary>
public sealed record KitchenChange(
    string Type, string KitchenId, string StationId, BatchItemView? Item, PassOrderView? Order, StorePause? Store = null, OffSaleChange? Availability = null,
    IReadOnlyList<Shortage>? Shortages = null)
{
    public static KitchenChange Of(string type, BatchItemView item) => new(type, item.KitchenId, item.StationId, item, null);

    public static KitchenChange Of(PassOrderView order) => new(KitchenEventTypes.Order, order.KitchenId, KitchenEventTypes.ExpoStation, null, order);

    public static KitchenChange Of(string kitchenId, StorePause store) => new(KitchenEventTypes.Store, kitchenId, KitchenEventTypes.ExpoStation, null, null, store);

    public static KitchenChange Of(string kitchenId, string stationId, OffSaleChange availability) =>
        new(KitchenEventTypes.Availability, kitchenId, stationId, null, null, null, availability);

    public static KitchenChange Of(string kitchenId, IReadOnlyList<Shortage> shortages) =>
        new(KitchenEventTypes.Shortages, kitchenId, KitchenEventTypes.ExpoStation, null, null, null, null, shortages);
}

public static class KitchenEventTypes
{
    public const string Created = "created";
    public const string Changed = "changed";
    public const string Started = "started";
    public const string Completed = "completed";
    public const string Recalled = "recalled";
    public const string Voided = "voided";
    /// <summary>An order at the pass changed: a line moved on, it became ready to pack, ready, handed off, recalled.</summary>
    public const string Order = "order";
    /// <summary>One of the kitchen's stores was paused or unpaused at Otter (on the pass's stream).</summary>
    public const string Store = "store";

    /// <summary>Menu items of one of the kitchen's stores taken off sale ("86") or put back (on their stations' streams and the pass's).</summary>
    public const string Availability = "availability";

    /// <summary>What the kitchen is running short of now (the whole list, on the pass's stream).</summary>
    public const string Shortages = "shortages";

    /// <summary>The stream of the pass: no station of a setup can have this id (ids are letters, digits, '-' and '_').</summary>
    public const string ExpoStation = "@expo";
}

// Nulls are left out: every screen gets every event of its kitchen, and a flag, a start or a bump not yet there is most of them.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KitchenEvent))]
[JsonSerializable(typeof(KitchenEvent[]))]
[JsonSerializable(typeof(BatchItemView))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<BatchItemOrder>))]
[JsonSerializable(typeof(PassOrderView))]
[JsonSerializable(typeof(List<PassOrderView>))]
[JsonSerializable(typeof(List<PassLine>))]
[JsonSerializable(typeof(List<Shortage>))]
public sealed partial class KitchenJson : JsonSerializerContext;
