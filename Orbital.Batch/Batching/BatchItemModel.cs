namespace Orbital.Batch.Batching;

public enum BatchItemStatus
{
    Pending,
    InProgress,
    Done,
    Voided,
}

public static class BatchItemStatuses
{
    public static string ToDatabase(this BatchItemStatus status) => status switch
    {
        BatchItemStatus.Pending => "pending",
        BatchItemStatus.InProgress => "in_progress",
        BatchItemStatus.Done => "done",
        BatchItemStatus.Voided => "voided",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static BatchItemStatus Parse(string value) => value switch
    {
        "pending" => BatchItemStatus.Pending,
        "in_progress" => BatchItemStatus.InProgress,
        "done" => BatchItemStatus.Done,
        "voided" => BatchItemStatus.Voided,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown batch item status."),
    };

    public static bool IsOpen(this BatchItemStatus status) => status is BatchItemStatus.Pending or BatchItemStatus.InProgress;
}

/// <summary>
/// What makes two order lines the same thing to cook: kitchen, station, SKU and the rest of what is asked for (brands at
/// one kitchen share it). <see cref="ModifierSignature"/> holds the modifiers, the note and, for an allergy, the order
/// (<see cref="KitchenLines.CookSignature"/>).
/// </summary>
public sealed record BatchKey(string KitchenId, string StationId, string Sku, string ModifierSignature)
{
    public override string ToString() => $"{KitchenId}\u001f{StationId}\u001f{Sku}\u001f{ModifierSignature}";
}

/// <summary>
/// One order line as the kitchen sees it: what, where, how many, when it must be fired, the guest's note for it, and
/// the note(s) that signalled an allergy (then the line is cooked apart from every other order's).
/// </summary>
public sealed record KitchenLine(
    string LineId,
    BatchKey Key,
    string Name,
    IReadOnlyList<string> Modifiers,
    int Quantity,
    DateTimeOffset FireAt,
    DateOnly BusinessDay,
    bool Batchable,
    int MaxBatchSize,
    string? Note = null,
    string? AllergyNote = null,
    int PrepSeconds = 0);

/// <summary>The part of an order line held by one batch item.</summary>
public sealed class LineAllocation(string orderId, string lineId, int quantity)
{
    public string OrderId { get; } = orderId;
    public string LineId { get; } = lineId;
    public int Quantity { get; set; } = quantity;
    /// <summary>Units the order no longer wants but that were already being cooked or done when it changed.</summary>
    public int VoidedQuantity { get; set; }
}

/// <summary>A batch item while a change is worked out: loaded from the database, changed in memory, written back.</summary>
public sealed class BatchItemDraft
{
    public required long Id { get; set; }
    public required BatchKey Key { get; init; }
    public required string Name { get; init; }
    public required IReadOnlyList<string> Modifiers { get; init; }
    public required bool Batchable { get; init; }
    public required int MaxBatchSize { get; init; }
    /// <summary>The kitchen's business day the item is cooked for: lines of another day never join it.</summary>
    public required DateOnly BusinessDay { get; init; }
    /// <summary>The note every line of the item carries (it is part of the key); written when the item is created.</summary>
    public string? Note { get; init; }
    /// <summary>What signalled an allergy: the item then holds one order's lines only.</summary>
    public string? AllergyNote { get; init; }
    /// <summary>How long one takes to cook, from the menu when the item was created: the station's queued work is the sum of these.</summary>
    public int PrepSeconds { get; init; }
    public int Quantity { get; set; }
    /// <summary>Earliest fire-at of the lines it holds: when the cook should start it.</summary>
    public DateTimeOffset FireAt { get; set; }
    /// <summary>Latest fire-at of the lines it holds; with <see cref="FireAt"/> it bounds the batching window.</summary>
    public DateTimeOffset LatestFireAt { get; set; }
    public BatchItemStatus Status { get; set; }
    /// <summary>Why the kitchen must look at it again (an order changed while it was cooking).</summary>
    public string? Flag { get; set; }
    public long Version { get; set; }
    public List<LineAllocation> Allocations { get; init; } = [];

    public bool IsNew => Id <= 0;
    public bool Dirty { get; set; }
    public bool QuantityChanged { get; set; }
}
