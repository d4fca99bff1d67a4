using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orbital.Batch.Events;

/// <summary>A batch item as screens show it. <see cref="CancelledQuantity"/>: portions of <see cref="Quantity"/> whose orders
/// were cancelled after cooking started (still on the grill, no longer wanted).</summary>
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
    int CancelledQuantity = 0);

/// <summary>One change on a kitchen's boards. Ids increase within each kitchen (each kitchen is its own stream) and are shared by every Batch instance.</summary>
public sealed record KitchenEvent(long Id, string Type, string KitchenId, string StationId, BatchItemView Item);

public static class KitchenEventTypes
{
    public const string Created = "created";
    public const string Changed = "changed";
    public const string Started = "started";
    public const string Completed = "completed";
    public const string Recalled = "recalled";
    public const string Voided = "voided";
}

// Nulls are left out: every screen gets every event of its kitchen, and a flag, a start or a bump not yet there is most of them.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(KitchenEvent))]
[JsonSerializable(typeof(KitchenEvent[]))]
[JsonSerializable(typeof(BatchItemView))]
[JsonSerializable(typeof(List<string>))]
public sealed partial class KitchenJson : JsonSerializerContext;
