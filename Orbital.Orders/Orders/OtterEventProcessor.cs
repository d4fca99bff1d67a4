using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Contracts.Otter;
using Orbital.Messaging;
using Orbital.Messaging.Outbox;
using Orbital.Orders.Data;
using Orbital.Orders.Otter;
using Orbital.Orders.Webhooks;

namespace Orbital.Orders.Orders;

/// <summary>
/// Applies Otter events to the stored orders, in one transaction with their raw copies and the
/// <see cref="StructuredOrder"/>s they produce (through the outbox). Idempotent by Otter's event id.
/// Events may arrive in any order: lines and status each remember the time of the event they came from,
/// and an older event never overwrites newer state.
/// </summary>
public sealed partial class OtterEventProcessor(
    OrdersDbContext db,
    OrdersSchema schema,
    TimeProvider time,
    IOptions<OtterOptions> options,
    ILogger<OtterEventProcessor> logger) : IMessageBatchHandler
{
    private readonly TimeSpan _deliveryTravelTime = options.Value.DeliveryTravelTime;

    public Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken) =>
        HandleBatchAsync([message], cancellationToken);

    /// <summary>
    /// The events in queue order, in one transaction: one query finds those already processed, each of the others is
    /// applied and saved in turn (so a later event sees what an earlier one wrote), and the structured orders they
    /// produce go to the outbox in one round trip before the single commit. The common case, a full order the database
    /// has never seen and no other event of the batch touches, skips EF Core: such orders are built in memory and
    /// copied in together at the end (if another instance stores one of them meanwhile, the copy fails on its key and
    /// the consumer hands the events over one by one).
    /// </summary>
    public async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        var events = messages.Select(ReceivedOtterEvent.Read).ToList();
        await schema.WaitUntilReadyAsync(cancellationToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var eventIds = events.Select(e => e.EventId).Distinct().ToList();
        var processed = (await db.RawEvents.Where(raw => eventIds.Contains(raw.EventId)).Select(raw => raw.EventId).ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);

        await ConflictingResends.KeepAsync(db, events, processed, time.GetUtcNow(), logger, cancellationToken);
        var firstSeen = await FirstSeenOrdersAsync(events.Where(e => !processed.Contains(e.EventId)), cancellationToken);
        var newOrders = new List<OrderEntity>();
        var newRawEvents = new List<RawEventEntity>();
        var outgoing = new List<(string, OutgoingMessage, Dictionary<string, string>)>();
        var applied = new List<(OtterEventEnvelope Envelope, Outcome Outcome)>();
        foreach (var received in events)
        {
            var envelope = received.Envelope;
            if (!processed.Add(envelope.EventId))
            {
                Log.Duplicate(logger, envelope.EventId, envelope.EventType);
                continue;
            }

            // Each event continues the trace of the webhook that brought it, through to the structured order it publishes.
            using var activity = MessagingTelemetry.Source.StartActivity("apply otter event", ActivityKind.Internal, received.Message.TraceParent);
            activity?.SetTag("otter.event_type", envelope.EventType);
            Outcome outcome;
            if (firstSeen.TryGetValue(envelope.EventId, out var payload))
            {
                var eventTime = EventTime(envelope, received.Event);
                (var order, outcome) = CreateFromFullOrder(envelope, payload, eventTime);
                newOrders.Add(order);
                newRawEvents.Add(RawEvent(received, eventTime, outcome));
            }
            else
            {
                outcome = await ApplyAsync(received, cancellationToken);
            }

            applied.Add((envelope, outcome));
            if (outcome.Publish is { } structured)
            {
                outgoing.Add((Exchanges.StructuredOrderData,
                    new OutgoingMessage(structured.ToByteArray(), $"{structured.OrderId}:{structured.Version}", StructuredOrder.Descriptor.FullName, ContentTypes.Protobuf),
                    MessagingTelemetry.CaptureTraceContext()));
            }
        }

        await NewOrderWriter.WriteAsync(db, newOrders, newRawEvents, cancellationToken);
        await OutboxWriter.EnqueueAsync(
            (NpgsqlConnection)db.Database.GetDbConnection(), (NpgsqlTransaction)transaction.GetDbTransaction(), outgoing, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        foreach (var (envelope, outcome) in applied)
        {
            Log.Applied(logger, envelope.EventId, envelope.EventType, outcome.OrderId, outcome.State);
        }
    }

    /// <summary>
    /// The full orders among these events (by event id) whose order the database does not hold and no other of these
    /// events names: each can be stored without reading anything first.
    /// </summary>
    private async Task<Dictionary<string, OtterOrder>> FirstSeenOrdersAsync(
        IEnumerable<ReceivedOtterEvent> events, CancellationToken cancellationToken)
    {
        var fullOrders = new List<(string EventId, string OrderId, OtterOrder Payload)>();
        var namedByOtherEvents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (_, envelope, otterEvent, _, _) in events)
        {
            if (envelope.EventType is OtterEventTypes.NewOrder or OtterEventTypes.Update
                && TryPayload(otterEvent, OtterJson.Default.OtterOrder) is { } payload
                && OtterOrderMapping.Problems(payload).Count == 0)
            {
                fullOrders.Add((envelope.EventId, payload.ExternalIdentifiers!.Id!, payload));
                continue;
            }

            foreach (var named in new[] { NamedOrder(otterEvent), NullIfEmpty(otterEvent.Metadata?.ResourceId) })
            {
                if (named is not null)
                {
                    namedByOtherEvents.Add(named);
                }
            }
        }

        var candidates = fullOrders.GroupBy(o => o.OrderId, StringComparer.Ordinal)
            .Where(g => g.Count() == 1 && !namedByOtherEvents.Contains(g.Key))
            .Select(g => g.Single())
            .ToList();
        if (candidates.Count == 0)
        {
            return [];
        }

        var ids = candidates.Select(c => c.OrderId).ToList();
        var stored = (await db.Orders.Where(o => ids.Contains(o.Id)).Select(o => o.Id).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        return candidates.Where(c => !stored.Contains(c.OrderId)).ToDictionary(c => c.EventId, c => c.Payload, StringComparer.Ordinal);
    }

    /// <summary>The order id an event that is not a full order names, as far as its payload says.</summary>
    private static string? NamedOrder(OtterEvent otterEvent)
    {
        if (otterEvent.Metadata?.Payload is not { ValueKind: JsonValueKind.Object } payload)
        {
            return null;
        }

        if (payload.TryGetProperty("orderId", out var orderId) && orderId.ValueKind == JsonValueKind.String)
        {
            return NullIfEmpty(orderId.GetString());
        }

        return payload.TryGetProperty("externalIdentifiers", out var ids) && ids.ValueKind == JsonValueKind.Object
            && ids.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
            ? NullIfEmpty(id.GetString())
            : null;
    }

    private static DateTimeOffset EventTime(OtterEventEnvelope envelope, OtterEvent otterEvent) =>
        OtterOrderMapping.Utc(OtterTime.Parse(otterEvent.EventTime)) ?? envelope.ReceivedAt.ToDateTimeOffset();

    private RawEventEntity RawEvent(ReceivedOtterEvent received, DateTimeOffset eventTime, Outcome outcome) => new()
    {
        EventId = received.EventId,
        EventType = received.EventType,
        StoreId = NullIfEmpty(received.Envelope.StoreId),
        OrderId = outcome.OrderId,
        EventTime = eventTime,
        ReceivedAt = received.Envelope.ReceivedAt.ToDateTimeOffset(),
        Body = received.Body,
        OriginalBody = received.OriginalBody,
        State = outcome.State,
        Detail = outcome.Detail,
        ProcessedAt = time.GetUtcNow(),
    };

    private async Task<Outcome> ApplyAsync(ReceivedOtterEvent received, CancellationToken cancellationToken)
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
            OtterEventTypes.OrderStatusUpdate => await ApplyStatusHistoryAsync(envelope, otterEvent, cancellationToken),
            _ => new Outcome(RawEventStates.Ignored, OrderId: null, $"event type {envelope.EventType} is not acted on", Publish: null),
        };

        db.RawEvents.Add(RawEvent(received, eventTime, outcome));
        await db.SaveChangesAsync(cancellationToken);
        // The next event of the batch reads the order afresh (locked, from the database), as it would on its own.
        db.ChangeTracker.Clear();
        return outcome;
    }

    private async Task<Outcome> ApplyFullOrderAsync(OtterEventEnvelope envelope, OtterEvent otterEvent, DateTimeOffset eventTime, CancellationToken cancellationToken)
    {
        var payload = Payload(otterEvent, OtterJson.Default.OtterOrder)
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
            return new Outcome(RawEventStates.Stale, orderId, "older than the order's last applied event", Publish: null);
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
        return new Outcome(RawEventStates.Applied, orderId, null, StructuredOrderMapping.ToStructuredOrder(order, kind, envelope.EventId, _deliveryTravelTime));
    }

    /// <summary>An order the database does not hold yet, from a full order event: version 1, in memory only.</summary>
    private (OrderEntity Order, Outcome Outcome) CreateFromFullOrder(OtterEventEnvelope envelope, OtterOrder payload, DateTimeOffset eventTime)
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
        return (order, new Outcome(RawEventStates.Applied, orderId, null, StructuredOrderMapping.ToStructuredOrder(order, kind, envelope.EventId, _deliveryTravelTime)));
    }

    private async Task<Outcome> ApplyCancellationAsync(OtterEventEnvelope envelope, OtterEvent otterEvent, DateTimeOffset eventTime, CancellationToken cancellationToken)
    {
        var payload = Payload(otterEvent, OtterJson.Default.OtterCancellation);
        var orderId = payload?.ExternalIdentifiers?.Id ?? NullIfEmpty(otterEvent.Metadata?.ResourceId)
            ?? throw new PoisonMessageException($"{envelope.EventType} {envelope.EventId} does not say which order (externalIdentifiers.id)");

        var order = await LockOrderAsync(orderId, includeLines: true, cancellationToken) ?? NewOrder(orderId, envelope);
        if (!ApplyStatus(order, "CANCELED", eventTime, envelope))
        {
            return new Outcome(RawEventStates.Stale, orderId, "older than the order's last status", Publish: null);
        }

        order.CancellationReason = payload?.CancellationReason;
        order.Version++;
        order.UpdatedAt = time.GetUtcNow();
        return new Outcome(RawEventStates.Applied, orderId, null,
            order.HasLines ? StructuredOrderMapping.ToStructuredOrder(order, OrderEventKind.Canceled, envelope.EventId, _deliveryTravelTime) : null);
    }

    private async Task<Outcome> ApplyStatusEventAsync(OtterEventEnvelope envelope, OtterEvent otterEvent, DateTimeOffset eventTime, string status, CancellationToken cancellationToken)
    {
        var payload = Payload(otterEvent, OtterJson.Default.OtterOrderReference);
        var orderId = OrderIdOf(payload?.OrderId, payload?.ExternalIdentifiers, otterEvent, envelope);
        var order = await LockOrderAsync(orderId, includeLines: false, cancellationToken) ?? NewOrder(orderId, envelope);
        return ApplyStatus(order, status, eventTime, envelope)
            ? Touched(order, orderId)
            : new Outcome(RawEventStates.Stale, orderId, "older than the order's last status", Publish: null);
    }

    private async Task<Outcome> ApplyStatusHistoryAsync(OtterEventEnvelope envelope, OtterEvent otterEvent, CancellationToken cancellationToken)
    {
        var payload = Payload(otterEvent, OtterJson.Default.OtterStatusUpdate);
        var orderId = OrderIdOf(payload?.OrderId, payload?.ExternalIdentifiers, otterEvent, envelope);
        var order = await LockOrderAsync(orderId, includeLines: false, cancellationToken) ?? NewOrder(orderId, envelope);
        var changed = false;
        foreach (var entry in (payload?.OrderStatusHistory ?? []).Where(e => e is not null))
        {
            var at = OtterOrderMapping.Utc(OtterTime.Parse(entry.EventTime)) ?? envelope.ReceivedAt.ToDateTimeOffset();
            changed |= ApplyStatus(order, OtterOrderMapping.Status(entry.Status), at, envelope);
        }

        return changed ? Touched(order, orderId) : new Outcome(RawEventStates.Stale, orderId, "no status newer than the order's", Publish: null);
    }

    private Outcome Touched(OrderEntity order, string orderId)
    {
        order.Version++;
        order.UpdatedAt = time.GetUtcNow();
        return new Outcome(RawEventStates.Applied, orderId, null, Publish: null);
    }

    /// <summary>Records the status in the history, and makes it current unless a newer one is already.</summary>
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
        NullIfEmpty(orderId) ?? NullIfEmpty(ids?.Id) ?? NullIfEmpty(otterEvent.Metadata?.ResourceId)
        ?? throw new PoisonMessageException($"{envelope.EventType} {envelope.EventId} does not say which order (orderId)");

    private static T? TryPayload<T>(OtterEvent otterEvent, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        try
        {
            return Payload(otterEvent, type);
        }
        catch (PoisonMessageException)
        {
            return default;
        }
    }

    private static T? Payload<T>(OtterEvent otterEvent, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        if (otterEvent.Metadata?.Payload is not { ValueKind: JsonValueKind.Object } payload)
        {
            return default;
        }

        try
        {
            return payload.Deserialize(type);
        }
        catch (JsonException ex)
        {
            throw new PoisonMessageException($"metadata.payload is not a valid {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private sealed record Outcome(string State, string? OrderId, string? Detail, StructuredOrder? Publish);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Otter event {EventId} ({EventType}) already processed; nothing to do")]
        public static partial void Duplicate(ILogger logger, string eventId, string eventType);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Otter event {EventId} ({EventType}) for order {OrderId}: {State}")]
        public static partial void Applied(ILogger logger, string eventId, string eventType, string? orderId, string state);
    }
}
