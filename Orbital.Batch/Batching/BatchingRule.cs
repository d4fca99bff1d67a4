namespace Orbital.Batch.Batching;

/// <summary>
/// How order lines become batch items. A line joins an open batch item that has not been started, for the same
/// kitchen, station, SKU and modifiers and the same business day, when every line of that item would still fire within <c>window</c> of each other and
/// the item has room (its maximum batch size); what does not fit starts a new batch item. A later version of an order
/// is applied as a difference: added or increased lines are placed as above; removed or reduced lines come out of
/// pending batch items (voiding an item that drops to zero), and what is already being cooked or done is flagged,
/// never silently changed. When the order's promise moved, its lines not yet started move with it (re-timed); when Otter
/// says it is ready or handed off, its lines leave what has not been started and what is cooking is flagged.
/// </summary>
public static class BatchingRule
{
    /// <summary>
    /// Applies the order's wanted lines (none when it is cancelled) to <paramref name="items"/>: the batch items that
    /// hold the order's lines now plus the open candidates for its keys. New batch items are added to the list with
    /// ids from <paramref name="nextTemporaryId"/> (zero or negative).
    /// </summary>
    public static void ApplyOrder(
        List<BatchItemDraft> items,
        string orderId,
        string orderLabel,
        IReadOnlyList<KitchenLine> wanted,
        TimeSpan window,
        Func<long> nextTemporaryId,
        OrderChange? change = null)
    {
        change ??= OrderChange.Lines;
        var wantedById = wanted.GroupBy(l => l.LineId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var heldById = items
            .SelectMany(item => item.Allocations.Where(a => a.OrderId == orderId).Select(a => (Item: item, Allocation: a)))
            .GroupBy(h => h.Allocation.LineId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);

        // Lines of a new order simply join; what an update adds to existing batch items is shown as a change.
        var isUpdate = heldById.Count > 0;
        foreach (var lineId in heldById.Keys.Union(wantedById.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var held = heldById.GetValueOrDefault(lineId) ?? [];
            var line = wantedById.GetValueOrDefault(lineId);
            var heldQuantity = held.Sum(h => h.Allocation.Quantity);
            var sameThing = line is not null && held.All(h => h.Item.Key == line.Key);

            var toRemove = line is null || !sameThing ? heldQuantity : Math.Max(0, heldQuantity - line.Quantity);
            var toAdd = line is null ? 0 : !sameThing ? line.Quantity : Math.Max(0, line.Quantity - heldQuantity);

            if (toRemove > 0)
            {
                Remove(held, toRemove, orderLabel, change);
            }

            if (change.Retime && line is not null && sameThing)
            {
                toAdd += Retime(held, line);
            }

            if (toAdd > 0)
            {
                Place(items, orderId, line!, toAdd, window, isUpdate, nextTemporaryId);
            }
        }
    }

    /// <summary>
    /// Moves the line's share of batch items not yet started to its new fire-at: an item holding nothing else moves with
    /// it; from an item shared with other orders the share is taken out, and the count returned to be placed again.
    /// </summary>
    private static int Retime(List<(BatchItemDraft Item, LineAllocation Allocation)> held, KitchenLine line)
    {
        var toPlace = 0;
        foreach (var (item, allocation) in held.Where(h => h.Item.Status == BatchItemStatus.Pending && h.Allocation.Quantity > 0))
        {
            if (item.FireAt == line.FireAt && item.LatestFireAt == line.FireAt)
            {
                continue;
            }

            if (item.Quantity == allocation.Quantity && item.BusinessDay == line.BusinessDay)
            {
                item.FireAt = item.LatestFireAt = line.FireAt;
                item.Dirty = true;
                continue;
            }

            toPlace += allocation.Quantity;
            item.Quantity -= allocation.Quantity;
            allocation.Quantity = 0;
            item.QuantityChanged = item.Dirty = true;
            if (item.Quantity == 0)
            {
                item.Status = BatchItemStatus.Voided;
            }
        }

        return toPlace;
    }

    private static void Remove(List<(BatchItemDraft Item, LineAllocation Allocation)> held, int quantity, string orderLabel, OrderChange change)
    {
        // Take from what has not been started first, newest batch item first; only then flag what is cooking. What Otter
        // says is ready or handed off leaves what is done as it is: the food was made.
        foreach (var (item, allocation) in held
            .Where(h => change.DoneAs is null || h.Item.Status != BatchItemStatus.Done)
            .OrderBy(h => h.Item.Status == BatchItemStatus.Pending ? 0 : 1)
            .ThenByDescending(h => h.Item.FireAt))
        {
            if (quantity == 0)
            {
                break;
            }

            var taken = Math.Min(quantity, allocation.Quantity);
            if (taken == 0)
            {
                continue;
            }

            quantity -= taken;
            allocation.Quantity -= taken;
            if (item.Status == BatchItemStatus.Pending)
            {
                item.Quantity -= taken;
                item.QuantityChanged = true;
                item.Dirty = true;
                if (item.Quantity == 0)
                {
                    item.Status = BatchItemStatus.Voided;
                }
            }
            else if (item.Status != BatchItemStatus.Voided)
            {
                allocation.VoidedQuantity += taken;
                item.Flag = change.DoneAs is { } done
                    ? $"{orderLabel}: {taken} no longer needed (already {done} at Otter)"
                    : $"{orderLabel}: {taken} no longer wanted (changed while {(item.Status == BatchItemStatus.Done ? "done" : "cooking")})";
                item.Dirty = true;
            }
        }
    }

    private static void Place(List<BatchItemDraft> items, string orderId, KitchenLine line, int quantity, TimeSpan window, bool isUpdate, Func<long> nextTemporaryId)
    {
        if (line.Batchable)
        {
            foreach (var item in items
                .Where(i => i.Status == BatchItemStatus.Pending && i.Batchable && i.Key == line.Key && i.BusinessDay == line.BusinessDay && i.Quantity > 0 && i.Quantity < i.MaxBatchSize)
                .Where(i => Fits(i, line.FireAt, window))
                .OrderBy(i => i.FireAt)
                .ThenBy(i => i.Id <= 0 ? long.MaxValue : i.Id))
            {
                var taken = Math.Min(quantity, item.MaxBatchSize - item.Quantity);
                Allocate(item, orderId, line, taken);
                item.QuantityChanged |= isUpdate;
                quantity -= taken;
                if (quantity == 0)
                {
                    return;
                }
            }
        }

        var size = line.Batchable ? Math.Max(line.MaxBatchSize, 1) : quantity;
        while (quantity > 0)
        {
            var taken = Math.Min(quantity, size);
            var item = new BatchItemDraft
            {
                Id = nextTemporaryId(),
                Key = line.Key,
                Name = line.Name,
                Modifiers = line.Modifiers,
                Batchable = line.Batchable,
                MaxBatchSize = line.Batchable ? Math.Max(line.MaxBatchSize, 1) : quantity,
                BusinessDay = line.BusinessDay,
                FireAt = line.FireAt,
                LatestFireAt = line.FireAt,
                Note = line.Note,
                AllergyNote = line.AllergyNote,
                PrepSeconds = line.PrepSeconds,
                Status = BatchItemStatus.Pending,
                Dirty = true,
            };
            items.Add(item);
            Allocate(item, orderId, line, taken);
            quantity -= taken;
        }
    }

    /// <summary>All lines of a batch item fire within the window of each other.</summary>
    private static bool Fits(BatchItemDraft item, DateTimeOffset fireAt, TimeSpan window)
    {
        var earliest = fireAt < item.FireAt ? fireAt : item.FireAt;
        var latest = fireAt > item.LatestFireAt ? fireAt : item.LatestFireAt;
        return latest - earliest < window;
    }

    private static void Allocate(BatchItemDraft item, string orderId, KitchenLine line, int quantity)
    {
        var allocation = item.Allocations.FirstOrDefault(a => a.OrderId == orderId && a.LineId == line.LineId);
        if (allocation is null)
        {
            item.Allocations.Add(new LineAllocation(orderId, line.LineId, quantity));
        }
        else
        {
            allocation.Quantity += quantity;
        }

        item.Quantity += quantity;
        if (line.FireAt < item.FireAt)
        {
            item.FireAt = line.FireAt;
        }

        if (line.FireAt > item.LatestFireAt)
        {
            item.LatestFireAt = line.FireAt;
        }

        item.Dirty = true;
    }
}

/// <summary>What kind of change a version of an order is, besides its lines: a moved promise, or done elsewhere.</summary>
public sealed record OrderChange(bool Retime, string? DoneAs)
{
    /// <summary>Lines added, changed or removed; nothing else.</summary>
    public static readonly OrderChange Lines = new(false, null);

    /// <summary>The promise moved: lines not started are re-timed.</summary>
    public static readonly OrderChange Retimed = new(true, null);

    /// <summary>Otter says the order is <paramref name="doneAs"/> ("ready", "handed off"): its lines leave the stations.</summary>
    public static OrderChange DoneElsewhere(string doneAs) => new(false, doneAs);
}
