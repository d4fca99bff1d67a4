using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Batch.Expo;
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
    /// <param name="traces">Each order's trace, in the same order: Otter is told of an accepted order in that trace.</param>
    public async Task<(List<(StructuredOrder Order, OrderApplyResult Result)> Orders, List<KitchenEvent> Events)> ApplyAsync(
        IReadOnlyList<StructuredOrder> orders, IReadOnlyList<ActivityContext> traces, CancellationToken cancellationToken)
    {
        await places.EnsureLoadedAsync(cancellationToken);
        var map = places.Current;
        var settings = options.Value;
        var now = time.GetUtcNow();
        var work = orders.Select((order, index) =>
        {
            var canceled = order.Status is OrderStatus.Canceled or OrderStatus.Rejected || order.EventKind == OrderEventKind.Canceled;
            var doneElsewhere = !canceled && IsDoneElsewhere(order.Status);
            var (kitchen, brandId) = map.StoreLocation(order.StoreId);
            var note = GuestNotes.Clean(order.CustomerNote);
            var lines = KitchenLines.From(order, map, settings, now);
            var wanted = canceled || doneElsewhere ? [] : lines;
            // The order is marked when its own note signals an allergy, or any line's note or modifiers do.
            var allergy = GuestNotes.SignalsAllergy(note, settings.AllergyWordsInUse) || lines.Any(l => l.AllergyNote is not null);
            var guest = new GuestOfOrder(map.Brand(brandId)?.Name ?? brandId, GuestNotes.Clean(order.CustomerFirstName), note, allergy);
            return new OrderWork(order, kitchen.Id, guest, wanted, Courier(order.Courier)) { DoneElsewhere = doneElsewhere, Trace = traces[index] };
        }).ToList();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // One round trip before the locks: the keys these orders hold now, and the work queued at their stations (for the
        // prep time Otter is told; read before the orders' own items are written, so an order does not wait behind itself).
        List<BatchKey> heldKeys;
        Dictionary<(string KitchenId, string StationId), double> queued;
        await using (var reads = new NpgsqlBatch(connection, transaction))
        {
            reads.BatchCommands.Add(BatchItemStore.HeldKeysCommand([.. orders.Select(o => o.OrderId).Distinct()]));
            reads.BatchCommands.Add(TellingOtter.QueuedWorkCommand([.. work.SelectMany(w => w.Wanted.Select(l => (l.Key.KitchenId, l.Key.StationId))).Distinct()], settings, now));
            await using var reader = await reads.ExecuteReaderAsync(cancellationToken);
            heldKeys = await BatchItemStore.ReadHeldKeysAsync(reader, cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            queued = await TellingOtter.ReadQueuedWorkAsync(reader, cancellationToken);
        }

        await BatchItemStore.LockKeysAsync(connection, transaction, [.. work.SelectMany(w => w.Wanted.Select(l => l.Key)).Concat(heldKeys).Distinct()], cancellationToken);
        var estimates = TellingOtter.EstimatePrepMinutes(work.Select(w => (w.Order.OrderId, (IReadOnlyList<KitchenLine>)w.Wanted)), queued, settings);

        var created = new HashSet<long>();
        var changed = new HashSet<long>();
        foreach (var segment in Segments(work))
        {
            await ApplySegmentAsync(connection, transaction, segment, settings.Window, now, created, changed, cancellationToken);
        }

        // A changed order is looked at again at the pass (an update can take away its last unbumped line; a first
        // version's lines are all waiting); the expo screens of kitchens that run one hear of every applied order.
        var applied = work.Where(w => w.Claimed).ToList();
        string[] refreshed = [.. applied.Where(w => w.Order.Version > 1 || w.Order.EventKind != OrderEventKind.New).Select(w => w.Order.OrderId).Distinct()];
        await PassRows.RefreshAsync(connection, transaction, refreshed,
            [.. map.Kitchens.Where(k => !k.HasExpo).Select(k => k.Id)], now, cancellationToken);
        // Otter hears that the kitchen has each order it took for the first time, and of an update that made one ready.
        var acceptedNow = applied.Where(w => w.Accepted).DistinctBy(w => w.Order.OrderId).ToList();
        var accepting = TellingOtter.AcceptedCommand(
            [.. acceptedNow.Select(w => new AcceptedOrder(w.Order.OrderId, w.Order.StoreId, w.Order.Source, w.KitchenId, estimates.GetValueOrDefault(w.Order.OrderId), w.Trace))],
            now);
        await TellingOtter.EnqueueAsync(connection, transaction, refreshed, estimates: null, now, cancellationToken);
        var atThePass = applied.Where(w => map.Kitchen(w.KitchenId)?.HasExpo == true).Select(w => w.Order.OrderId).Distinct().ToArray();

        var changes = await ReadChangesAsync(connection, transaction, [.. changed], created, atThePass, accepting, cancellationToken);
        var events = await BatchItemRows.AppendEventsAsync(connection, transaction, changes, now, cancellationToken);

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
        var (claimed, accepted, retimed) = await OrderVersions.ClaimVersionsAsync(connection, transaction, segment, now, cancellationToken);
        var applying = segment.Where(w => claimed.Contains(w.Order.OrderId)).ToList();
        foreach (var item in applying)
        {
            item.Accepted = accepted.Contains(item.Order.OrderId);
            item.Retimed = retimed.Contains(item.Order.OrderId);
        }

        if (applying.Count == 0)
        {
            return;
        }

        var drafts = await BatchItemStore.LoadDraftsAsync(connection, transaction, applying, window, cancellationToken);
        long temporaryId = 0;
        foreach (var item in applying)
        {
            item.Claimed = true;
            var change = item.DoneElsewhere ? OrderChange.DoneElsewhere(item.Order.Status == OrderStatus.Prepared ? "ready" : "handed off")
                : item.Retimed ? OrderChange.Retimed
                : OrderChange.Lines;
            BatchingRule.ApplyOrder(drafts, item.Order.OrderId, OrderLabel(item.Order), item.Wanted, window, () => temporaryId--, change);
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

    /// <summary>
    /// The changed batch items and the orders at the pass as their events show them, and the accepted orders put in the
    /// outbox (<paramref name="accepting"/>): one round trip for all three.
    /// </summary>
    private static async Task<List<KitchenChange>> ReadChangesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long[] itemIds, HashSet<long> created, string[] orderIds, NpgsqlBatchCommand? accepting,
        CancellationToken cancellationToken)
    {
        List<KitchenChange> changes = [];
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (itemIds.Length == 0 && orderIds.Length == 0)
        {
            if (accepting is not null)
            {
                batch.BatchCommands.Add(accepting);
                await batch.ExecuteNonQueryAsync(cancellationToken);
            }

            return changes;
        }

        var items = new NpgsqlBatchCommand($"SELECT {BatchItemRows.ViewColumns} FROM {BatchItemRows.ViewSource} WHERE bi.id = ANY($1) ORDER BY bi.id");
        items.Parameters.Add(new NpgsqlParameter { Value = itemIds });
        batch.BatchCommands.Add(items);
        var orders = new NpgsqlBatchCommand($"SELECT {PassRows.ViewColumns} FROM batch.orders o WHERE o.order_id = ANY($1) ORDER BY o.order_id");
        orders.Parameters.Add(new NpgsqlParameter { Value = orderIds });
        batch.BatchCommands.Add(orders);
        if (accepting is not null)
        {
            batch.BatchCommands.Add(accepting);
        }

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var view = BatchItemRows.ReadView(reader);
            changes.Add(KitchenChange.Of(EventType(view, created), view));
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            changes.Add(KitchenChange.Of(PassRows.Read(reader)));
        }

        // The insert comes last, and its error (if any) is raised here rather than when the reader is closed.
        while (await reader.NextResultAsync(cancellationToken))
        {
        }

        return changes;
    }

    private static string EventType(BatchItemView view, HashSet<long> created) =>
        view.Status == BatchItemStatus.Voided.ToDatabase() ? KitchenEventTypes.Voided
        : created.Contains(view.Id) ? KitchenEventTypes.Created
        : KitchenEventTypes.Changed;

    /// <summary>Otter says the order is ready or gone: it was made so elsewhere (another tablet, the POS), or the kitchen's own step came back.</summary>
    private static bool IsDoneElsewhere(OrderStatus status) => status is OrderStatus.Prepared or OrderStatus.PickedUp or OrderStatus.Fulfilled;

    private static PassCourier? Courier(Contracts.Orders.Courier? courier) => courier is null ? null : new PassCourier(
        GuestNotes.Clean(courier.Status), GuestNotes.Clean(courier.FirstName), GuestNotes.Clean(courier.Provider), courier.EstimatedPickupAt?.ToDateTimeOffset());

    private static string OrderLabel(StructuredOrder order) =>
        $"Order {(string.IsNullOrEmpty(order.FriendlyId) ? order.OrderId : order.FriendlyId)}";
}

/// <summary>One order of a batch: its kitchen, the kitchen lines it wants now, and whether its version was claimed (newer than the one applied).</summary>
internal sealed class OrderWork(StructuredOrder order, string kitchenId, GuestOfOrder guest, List<KitchenLine> wanted, PassCourier? courier = null)
{
    public PassCourier? Courier { get; } = courier;
    /// <summary>Otter says the order is ready or handed off: its lines leave the stations.</summary>
    public bool DoneElsewhere { get; init; }
    /// <summary>The trace of the message that brought this version.</summary>
    public ActivityContext Trace { get; init; }
    /// <summary>Its promise moved (Otter's accepted prep time, a courier's arrival): lines not started are re-timed.</summary>
    public bool Retimed { get; set; }
    public StructuredOrder Order { get; } = order;
    public string KitchenId { get; } = kitchenId;
    public GuestOfOrder Guest { get; } = guest;
    public List<KitchenLine> Wanted { get; } = wanted;
    public bool Claimed { get; set; }
    /// <summary>The kitchen took this order for the first time in this transaction: Otter is told it is confirmed.</summary>
    public bool Accepted { get; set; }
}

/// <summary>What the cards and the pass show of an order besides its lines; <see cref="Allergy"/> when any of its notes signals one.</summary>
internal sealed record GuestOfOrder(string? Brand, string? FirstName, string? Note, bool Allergy);
