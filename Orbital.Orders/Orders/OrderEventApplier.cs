using Microsoft.EntityFrameworkCore;
using Orbital.Contracts.Orders;
using Orbital.Contracts.Otter;
using Orbital.Contracts.Stores;
using Orbital.Messaging;
using Orbital.Orders.Data;
using Orbital.Orders.Otter;
using Orbital.Orders.Webhooks;

namespace Orbital.Orders.Orders;

/// <summary>What applying one Otter event did: the raw event's state, its order, why, and the structured order (or store status) to publish.</summary>
internal sealed record EventOutcome(string State, string? OrderId, string? Detail, StructuredOrder? Publish, StoreStatus? Store = null);

/// <summary>
/// Applies one Otter event to its stored order (locked), by its kind: a full order (new or update), a cancellation, a
/// status event or a status history. Lines and status each remember the time and rank of the event they came from,
/// and an older event never overwrites newer state.
/// </summary>
internal sealed class OrderEventApplier(OrdersDbContext db, TimeProvider time, TimeSpan deliveryTravelTime)
{
    public static DateTimeOffset EventTime(OtterEventEnvelope envelope, OtterEvent otterEvent) =>
        OtterOrderMapping.Utc(OtterTime.Parse(otterEvent.EventTime)) ?? envelope.ReceivedAt.ToDateTimeOffset();

    public RawEventEntity RawEvent(ReceivedOtterEvent received, DateTimeOffset eventTime, EventOutcome outcome) => new()
    {
        EventId = received.EventId,
        EventType = received.EventType,
        StoreId = OtterPayload.NullIfEmpty(received.Envelope.StoreId),
        OrderId = outcome.OrderId,
        EventTime = eventTime,
        ReceivedAt = received.Envelope.ReceivedAt.ToDateTimeOffset(),
        Body = received.Body,
        OriginalBody = received.OriginalBody,
        State = outcome.State,
        Detail = outcome.Detail,
        ProcessedAt = time.GetUtcNow(),
    };

    public async Task<EventOutcome> ApplyAsync(ReceivedOtterEvent received, CancellationToken cancellationToken)
    {
        var (envelope, otterEvent) = (received.Envelope, received.Event);
        var eventTime = EventTime(envelope, otterEvent);
        var outcome = envelope.EventType switch
        {
            OtterEventTypes.NewOrder or OtterEventTypes.Update => await ApplyFullOrderAsync(envelope, otterEvent, eventTime, cancellationToken),
            OtterEventTypes.CancelOrder => await ApplyCancellationAsync(envelope, otterEvent, eventTime, cancellationToken),
            OtterEventTypes.Confirm => await ApplyStatusEventAsync(envelope, otterEvent, eventTime, "CONFIRMED", cancellationToken),
            OtterEventTypes.OrderReady => await ApplyStatusEventAsync(envelope, otterEvent, eventTime, "PREPARED", cancellationToken),
            OtterEventTypes.OrderFulfilled => await ApplyStatusEventAsync(envelope, otterEvent, eventTime, "FULFILLED", cancellationToken),
            OtterEventTypes.OrderHandedOff => await ApplyStatusEventAsync(envelope, otterEvent, eventTime, "PICKED_UP", cancellationToken),
            OtterEventTypes.OrderStatusUpdate => await ApplyStatusHistoryAsync(envelope, otterEvent, eventTime, cancellationToken),
            OtterEventTypes.DeliveryStatusUpdate => await ApplyDeliveryStatusAsync(envelope, otterEvent, eventTime, cancellationToken),
            OtterEventTypes.PauseStore or OtterEventTypes.UnpauseStore =>
                new EventOutcome(RawEventStates.Applied, OrderId: null, null, Publish: null, StorePauseEvents.Read(envelope, otterEvent, eventTime)),
            _ => new EventOutcome(RawEventStates.Ignored, OrderId: null, $"event type {envelope.EventType} is not acted on", Publish: null),
        };

        db.RawEvents.Add(RawEvent(received, eventTime, outcome));
        await db.SaveChangesAsync(cancellationToken);
        // The next event of the batch reads the order afresh (locked, from the database), as it would on its own.
        db.ChangeTracker.Clear();
        return outcome;
    }

    private async Task<EventOutcome> ApplyFullOrderAsync(OtterEventEnvelope envelope, OtterEvent otterEvent, DateTimeOffset eventTime, CancellationToken cancellationToken)
    {
        var payload = OtterPayload.Read(otterEvent, OtterJson.Default.OtterOrder)
            ?? throw new PoisonMessageException($"{envelope.EventType} {envelope.EventId} has no order in metadata.payload");
        var problems = OtterOrderMapping.Problems(payload);
        if (problems.Count > 0)
        {
            throw new PoisonMessageException($"{envelope.EventType} {envelope.EventId} is not a usable order: {string.Join("; ", problems)}");
        }

        var orderId = payload.ExternalIdentifiers!.Id!;
        var order = await LockOrderAsync(orderId, includeLines: false, cancellationToken);
        if (order is null)
        {
            (order, var created) = CreateFromFullOrder(envelope, payload, eventTime);
            db.Orders.Add(order);
            return created;
        }

        var linesRank = EventPrecedence.LinesRank(envelope.EventType);
        var linesChanged = !order.HasLines || EventPrecedence.Supersedes(eventTime, linesRank, order.LinesEventTime, order.LinesEventRank);
        if (linesChanged)
        {
            OtterOrderMapping.ApplyHeader(order, payload);
            await db.OrderItems.Where(item => item.OrderId == orderId).ExecuteDeleteAsync(cancellationToken);
            await db.OrderPromotions.Where(promotion => promotion.OrderId == orderId).ExecuteDeleteAsync(cancellationToken);

            order.Items = OtterOrderMapping.Lines(orderId, payload);
            order.Promotions = OtterOrderMapping.Promotions(orderId, payload);
            order.HasLines = true;
            order.LinesEventTime = eventTime;
            order.LinesEventRank = linesRank;
        }

        var statusChanged = ApplyStatus(order, OtterOrderMapping.Status(payload.Status), eventTime, envelope);
        if (!linesChanged && !statusChanged)
        {
            return new EventOutcome(RawEventStates.Stale, orderId, "older than the order's last applied event", Publish: null);
        }

        if (!linesChanged)
        {
            await LoadLinesAsync(order, cancellationToken);
        }

        order.Version++;
        order.UpdatedAt = time.GetUtcNow();
        var kind = order.Status == "CANCELED" ? OrderEventKind.Canceled
            : envelope.EventType == OtterEventTypes.NewOrder && order.Version == 1 ? OrderEventKind.New
            : OrderEventKind.Updated;
        return new EventOutcome(RawEventStates.Applied, orderId, null, StructuredOrderMapping.ToStructuredOrder(order, kind, envelope.EventId, deliveryTravelTime));
    }

    /// <summary>An order the database does not hold yet, from a full order event: version 1, in memory only.</summary>
    public (OrderEntity Order, EventOutcome Outcome) CreateFromFullOrder(OtterEventEnvelope envelope, OtterOrder payload, DateTimeOffset eventTime)
    {
        var orderId = payload.ExternalIdentifiers!.Id!;
        var order = CreateOrder(orderId, envelope);
        OtterOrderMapping.ApplyHeader(order, payload);
        order.Items = OtterOrderMapping.Lines(orderId, payload);
        order.Promotions = OtterOrderMapping.Promotions(orderId, payload);
        order.HasLines = true;
        order.LinesEventTime = eventTime;
        order.LinesEventRank = EventPrecedence.LinesRank(envelope.EventType);
        ApplyStatus(order, OtterOrderMapping.Status(payload.Status), eventTime, envelope);
        order.Version = 1;
        var kind = order.Status == "CANCELED" ? OrderEventKind.Canceled : OrderEventKind.New;
        return (order, new EventOutcome(RawEventStates.Applied, orderId, null, StructuredOrderMapping.ToStructuredOrder(order, kind, envelope.EventId, deliveryTravelTime)));
    }

    private async Task<EventOutcome> ApplyCancellationAsync(OtterEventEnvelope envelope, OtterEvent otterEvent, DateTimeOffset eventTime, CancellationToken cancellationToken)
    {
        var payload = OtterPayload.Read(otterEvent, OtterJson.Default.OtterCancellation);
        var orderId = payload?.ExternalIdentifiers?.Id ?? OtterPayload.NullIfEmpty(otterEvent.Metadata?.ResourceId)
            ?? throw new PoisonMessageException($"{envelope.EventType} {envelope.EventId} does not say which order (externalIdentifiers.id)");

        var order = await LockOrderAsync(orderId, includeLines: true, cancellationToken) ?? NewOrder(orderId, envelope);
        if (!ApplyStatus(order, "CANCELED", eventTime, envelope))
        {
            return new EventOutcome(RawEventStates.Stale, orderId, "older than the order's last status", Publish: null);
        }

        order.CancellationReason = payload?.CancellationReason;
        order.Version++;
        order.UpdatedAt = time.GetUtcNow();
        return new EventOutcome(RawEventStates.Applied, orderId, null,
            order.HasLines ? StructuredOrderMapping.ToStructuredOrder(order, OrderEventKind.Canceled, envelope.EventId, deliveryTravelTime) : null);
    }

    private async Task<EventOutcome> ApplyStatusEventAsync(OtterEventEnvelope envelope, OtterEvent otterEvent, DateTimeOffset eventTime, string status, CancellationToken cancellationToken)
    {
        var payload = OtterPayload.Read(otterEvent, OtterJson.Default.OtterOrderReference);
        var orderId = OrderIdOf(payload?.OrderId, payload?.ExternalIdentifiers, otterEvent, envelope);
        var order = await LockOrderAsync(orderId, includeLines: false, cancellationToken) ?? NewOrder(orderId, envelope);
        return ApplyStatus(order, status, eventTime, envelope)
            ? await TouchedAsync(order, envelope, KitchenSees(status), cancellationToken)
            : new EventOutcome(RawEventStates.Stale, orderId, "older than the order's last status", Publish: null);
    }

    /// <summary>
    /// Otter's status history, and what the restaurant said when it accepted: its preparation time moves an ASAP order's
    /// ready-by to the acceptance plus that time (the kitchen is told, as it is of a status it must act on).
    /// </summary>
    private async Task<EventOutcome> ApplyStatusHistoryAsync(OtterEventEnvelope envelope, OtterEvent otterEvent, DateTimeOffset eventTime, CancellationToken cancellationToken)
    {
        var payload = OtterPayload.Read(otterEvent, OtterJson.Default.OtterStatusUpdate);
        var orderId = OrderIdOf(payload?.OrderId, payload?.ExternalIdentifiers, otterEvent, envelope);
        var order = await LockOrderAsync(orderId, includeLines: false, cancellationToken) ?? NewOrder(orderId, envelope);
        var (changed, kitchenSees) = (false, false);
        DateTimeOffset? acceptedAt = null;
        foreach (var entry in (payload?.OrderStatusHistory ?? []).Where(e => e is not null))
        {
            var at = OtterOrderMapping.Utc(OtterTime.Parse(entry.EventTime)) ?? envelope.ReceivedAt.ToDateTimeOffset();
            var status = OtterOrderMapping.Status(entry.Status);
            acceptedAt = status == "CONFIRMED" ? at : acceptedAt;
            if (ApplyStatus(order, status, at, envelope))
            {
                changed = true;
                kitchenSees |= KitchenSees(order.Status);
            }
        }

        var (promiseMoved, detail) = AcceptedPrepTimes.Apply(order, payload?.OrderAcceptedInfo?.PreparationTimeInMinutes, acceptedAt ?? eventTime);
        changed |= promiseMoved;
        kitchenSees |= promiseMoved;

        return changed
            ? await TouchedAsync(order, envelope, kitchenSees, cancellationToken) with { Detail = detail }
            : new EventOutcome(RawEventStates.Stale, orderId, detail ?? "no status newer than the order's", Publish: null);
    }

    /// <summary>The courier coming for a delivery (<c>metadata.resourceId</c> names the order); the kitchen is told.</summary>
    private async Task<EventOutcome> ApplyDeliveryStatusAsync(OtterEventEnvelope envelope, OtterEvent otterEvent, DateTimeOffset eventTime, CancellationToken cancellationToken)
    {
        var update = CourierUpdates.Read(envelope, otterEvent, eventTime);
        var orderId = OrderIdOf(null, null, otterEvent, envelope);
        var order = await LockOrderAsync(orderId, includeLines: false, cancellationToken) ?? NewOrder(orderId, envelope);
        return CourierUpdates.Apply(order, update)
            ? await TouchedAsync(order, envelope, kitchenSees: true, cancellationToken)
            : new EventOutcome(RawEventStates.Stale, orderId, "older than the order's last delivery update", Publish: null);
    }

    /// <summary>Statuses the kitchen acts on: the order was made ready or handed off elsewhere (another tablet, the POS).</summary>
    private static bool KitchenSees(string status) => status is "PREPARED" or "PICKED_UP" or "FULFILLED";

    /// <summary>
    /// A new version of the order; when the kitchen must hear of it and the order's lines are known, the structured order
    /// to publish (lines come with it: the kitchen's consumers apply whole versions).
    /// </summary>
    private async Task<EventOutcome> TouchedAsync(OrderEntity order, OtterEventEnvelope envelope, bool kitchenSees, CancellationToken cancellationToken)
    {
        order.Version++;
        order.UpdatedAt = time.GetUtcNow();
        if (!kitchenSees || !order.HasLines)
        {
            return new EventOutcome(RawEventStates.Applied, order.Id, null, Publish: null);
        }

        await LoadLinesAsync(order, cancellationToken);
        var kind = order.Status == "CANCELED" ? OrderEventKind.Canceled : OrderEventKind.Updated;
        return new EventOutcome(RawEventStates.Applied, order.Id, null, StructuredOrderMapping.ToStructuredOrder(order, kind, envelope.EventId, deliveryTravelTime));
    }

    /// <summary>
    /// Records the status in the history, and makes it current unless a newer one is already. A status Orbital does not
    /// know is kept in the history only: it never replaces one it knows.
    /// </summary>
    private bool ApplyStatus(OrderEntity order, string status, DateTimeOffset eventTime, OtterEventEnvelope envelope)
    {
        order.StatusHistory.Add(new OrderStatusChangeEntity
        {
            OrderId = order.Id,
            Status = status,
            EventTime = eventTime,
            EventId = envelope.EventId,
            EventType = envelope.EventType,
            RecordedAt = time.GetUtcNow(),
        });

        if (status == "UNKNOWN" && order.Status != "UNKNOWN")
        {
            return false;
        }

        if (!EventPrecedence.Supersedes(eventTime, EventPrecedence.StatusRank(status), order.StatusEventTime, EventPrecedence.StatusRank(order.Status)))
        {
            return false;
        }

        var changed = order.Status != status || order.StatusEventTime is null;
        order.Status = status;
        order.StatusEventTime = eventTime;
        return changed;
    }

    /// <summary>Loads the order with a row lock, so two consumers never apply events to it at once.</summary>
    private async Task<OrderEntity?> LockOrderAsync(string orderId, bool includeLines, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM otter.orders WHERE id = {orderId} FOR UPDATE", cancellationToken);
        var order = await db.Orders.FirstOrDefaultAsync(o => o.Id == orderId, cancellationToken);
        if (order is not null && includeLines)
        {
            await LoadLinesAsync(order, cancellationToken);
        }

        return order;
    }

    private async Task LoadLinesAsync(OrderEntity order, CancellationToken cancellationToken) =>
        order.Items = await db.OrderItems
            .Where(item => item.OrderId == order.Id)
            .Include(item => item.Modifiers)
            .OrderBy(item => item.Position)
            .ToListAsync(cancellationToken);

    private OrderEntity NewOrder(string orderId, OtterEventEnvelope envelope)
    {
        var order = CreateOrder(orderId, envelope);
        db.Orders.Add(order);
        return order;
    }

    private OrderEntity CreateOrder(string orderId, OtterEventEnvelope envelope)
    {
        var now = time.GetUtcNow();
        return new OrderEntity
        {
            Id = orderId,
            StoreId = envelope.StoreId,
            Status = "UNKNOWN",
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    private static string OrderIdOf(string? orderId, OtterExternalIdentifiers? ids, OtterEvent otterEvent, OtterEventEnvelope envelope) =>
        OtterPayload.NullIfEmpty(orderId) ?? OtterPayload.NullIfEmpty(ids?.Id) ?? OtterPayload.NullIfEmpty(otterEvent.Metadata?.ResourceId)
        ?? throw new PoisonMessageException($"{envelope.EventType} {envelope.EventId} does not say which order (orderId)");
}
