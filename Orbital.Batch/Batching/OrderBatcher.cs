using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Contracts.Orders;
using Orbital.Places;

namespace Orbital.Batch.Batching;

public enum OrderApplyResult
{
    Applied,
    /// <summary>The batch already holds this version of the order or a newer one.</summary>
    Stale,
}

/// <summary>
/// Applies versions of structured orders to the batch items in one transaction: each order's last applied version
/// is locked and checked (a stale or repeated message changes nothing), the batch keys they touch are locked so that
/// two instances never fill the same batch item past its size, the rule runs in memory, and the changed batch items,
/// their lines and their kitchen events are written.
/// </summary>
/// <remarks>
/// The work is done set-wise, a few round trips for a whole batch of orders rather than a dozen for each order: at a
/// few hundred orders a second the serial round trips, not the CPU, were what held the Batch service back.
/// </remarks>
public sealed class OrderBatcher(
    NpgsqlDataSource dataSource,
    PlacesCache places,
    IOptions<BatchingOptions> options,
    TimeProvider time)
{
    /// <summary>
    /// Applies the orders in queue order in one transaction. The batch keys of all of them are locked first, in one
    /// order, so that two instances handling overlapping batches never deadlock. Each batch item the orders changed gets
    /// one kitchen event showing where it ended up, appended just before the commit.
    /// </summary>
    public async Task<(List<(StructuredOrder Order, OrderApplyResult Result)> Orders, List<KitchenEvent> Events)> ApplyAsync(
        IReadOnlyList<StructuredOrder> orders, CancellationToken cancellationToken)
    {
        await places.EnsureLoadedAsync(cancellationToken);
        var map = places.Current;
        var settings = options.Value;
        var now = time.GetUtcNow();
        var work = orders.Select(order =>
        {
            var canceled = order.Status is OrderStatus.Canceled or OrderStatus.Rejected || order.EventKind == OrderEventKind.Canceled;
            return new OrderWork(order, map.StoreLocation(order.StoreId).Kitchen.Id, canceled ? [] : KitchenLines.From(order, map, settings, now));
        }).ToList();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var heldKeys = await BatchItemStore.HeldKeysAsync(connection, transaction, [.. orders.Select(o => o.OrderId).Distinct()], cancellationToken);
        await BatchItemStore.LockKeysAsync(connection, transaction, [.. work.SelectMany(w => w.Wanted.Select(l => l.Key)).Concat(heldKeys).Distinct()], cancellationToken);

        var created = new HashSet<long>();
        var changed = new HashSet<long>();
        foreach (var segment in Segments(work))
        {
            await ApplySegmentAsync(connection, transaction, segment, settings.Window, now, created, changed, cancellationToken);
        }

        List<KitchenEvent> events = [];
        if (changed.Count > 0)
        {
            var views = await BatchItemRows.ReadViewsAsync(connection, transaction, [.. changed], cancellationToken);
            events = await BatchItemRows.AppendEventsAsync(connection, transaction, [.. views.Select(view => (EventType(view, created), view))], now, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return ([.. work.Select(w => (w.Order, w.Claimed ? OrderApplyResult.Applied : OrderApplyResult.Stale))], events);
    }

    /// <summary>
    /// Runs of orders with no order twice, in queue order: within a run the versions are claimed and the rows read all
    /// at once; a second version of an order starts a new run, so that it sees what the first one did.
    /// </summary>
    private static IEnumerable<List<OrderWork>> Segments(List<OrderWork> work)
    {
        var segment = new List<OrderWork>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in work)
        {
            if (!ids.Add(item.Order.OrderId))
            {
                yield return segment;
                segment = [item];
                ids = new HashSet<string>(StringComparer.Ordinal) { item.Order.OrderId };
                continue;
            }

            segment.Add(item);
        }

        if (segment.Count > 0)
        {
            yield return segment;
        }
    }

    private static async Task ApplySegmentAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<OrderWork> segment, TimeSpan window, DateTimeOffset now,
        HashSet<long> created, HashSet<long> changed, CancellationToken cancellationToken)
    {
        var claimed = await BatchItemStore.ClaimVersionsAsync(connection, transaction, segment, now, cancellationToken);
        var applying = segment.Where(w => claimed.Contains(w.Order.OrderId)).ToList();
        if (applying.Count == 0)
        {
            return;
        }

        var drafts = await BatchItemStore.LoadDraftsAsync(connection, transaction, applying, window, cancellationToken);
        long temporaryId = 0;
        foreach (var item in applying)
        {
            item.Claimed = true;
            BatchingRule.ApplyOrder(drafts, item.Order.OrderId, OrderLabel(item.Order), item.Wanted, window, () => temporaryId--);
        }

        var dirty = drafts.Where(d => d.Dirty).ToList();
        var inserted = dirty.Where(d => d.IsNew).ToList();
        var updated = dirty.Where(d => !d.IsNew).ToList();
        var ids = await BatchItemStore.NextItemIdsAsync(connection, transaction, inserted.Count, cancellationToken);
        for (var i = 0; i < inserted.Count; i++)
        {
            inserted[i].Id = ids[i];
            created.Add(ids[i]);
        }

        await BatchItemStore.WriteAsync(connection, transaction, inserted, updated, [.. applying.Select(w => w.Order.OrderId)], now, cancellationToken);
        changed.UnionWith(dirty.Select(d => d.Id));
    }

    private static string EventType(BatchItemView view, HashSet<long> created) =>
        view.Status == BatchItemStatus.Voided.ToDatabase() ? KitchenEventTypes.Voided
        : created.Contains(view.Id) ? KitchenEventTypes.Created
        : KitchenEventTypes.Changed;

    private static string OrderLabel(StructuredOrder order) =>
        $"Order {(string.IsNullOrEmpty(order.FriendlyId) ? order.OrderId : order.FriendlyId)}";
}

/// <summary>One order of a batch: its kitchen, the kitchen lines it wants now, and whether its version was claimed (newer than the one applied).</summary>
internal sealed class OrderWork(StructuredOrder order, string kitchenId, List<KitchenLine> wanted)
{
    public StructuredOrder Order { get; } = order;
    public string KitchenId { get; } = kitchenId;
    public List<KitchenLine> Wanted { get; } = wanted;
    public bool Claimed { get; set; }
}
