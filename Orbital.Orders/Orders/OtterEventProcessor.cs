using System.Text.Json;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Contracts.Otter;
using Orbital.Messaging;
using Orbital.Messaging.Outbox;
using Orbital.Orders.Data;
using Orbital.Orders.Otter;

namespace Orbital.Orders.Orders;

/// <summary>
/// Applies one Otter event to the stored orders, in one transaction with its raw copy and the
/// <see cref="StructuredOrder"/> it produces (through the outbox). Idempotent by Otter's event id.
/// Events may arrive in any order: lines and status each remember the time of the event they came from,
/// and an older event never overwrites newer state.
/// </summary>
public sealed partial class OtterEventProcessor(
    OrdersDbContext db,
    OrdersSchema schema,
    TimeProvider time,
    ILogger<OtterEventProcessor> logger) : IMessageHandler
{
    public async Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        var envelope = ParseEnvelope(message);
        var otterEvent = ParseEvent(envelope);
        await schema.WaitUntilReadyAsync(cancellationToken);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (await db.RawEvents.AnyAsync(raw => raw.EventId == envelope.EventId, cancellationToken))
        {
            Log.Duplicate(logger, envelope.EventId, envelope.EventType);
            return;
        }

        var eventTime = OtterOrderMapping.Utc(OtterTime.Parse(otterEvent.EventTime)) ?? envelope.ReceivedAt.ToDateTimeOffset();
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

        db.RawEvents.Add(new RawEventEntity
        {
            EventId = envelope.EventId,
            EventType = envelope.EventType,
            StoreId = NullIfEmpty(envelope.StoreId),
            OrderId = outcome.OrderId,
            EventTime = eventTime,
            ReceivedAt = envelope.ReceivedAt.ToDateTimeOffset(),
            Body = envelope.Body.ToStringUtf8(),
            State = outcome.State,
            Detail = outcome.Detail,
            ProcessedAt = time.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);

        if (outcome.Publish is { } structured)
        {
            await OutboxWriter.EnqueueAsync(
                (NpgsqlConnection)db.Database.GetDbConnection(),
                (NpgsqlTransaction)transaction.GetDbTransaction(),
                Exchanges.StructuredOrderData,
                new OutgoingMessage(structured.ToByteArray(), $"{structured.OrderId}:{structured.Version}", StructuredOrder.Descriptor.FullName, ContentTypes.Protobuf),
                cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        Log.Applied(logger, envelope.EventId, envelope.EventType, outcome.OrderId, outcome.State);
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
        var isNew = order is null;
        order ??= NewOrder(orderId, envelope);

        var linesChanged = order.LinesEventTime is null || eventTime > order.LinesEventTime;
        if (linesChanged)
        {
            OtterOrderMapping.ApplyHeader(order, payload);
            if (!isNew)
            {
                await db.OrderItems.Where(item => item.OrderId == orderId).ExecuteDeleteAsync(cancellationToken);
                await db.OrderPromotions.Where(promotion => promotion.OrderId == orderId).ExecuteDeleteAsync(cancellationToken);
            }

            order.Items = OtterOrderMapping.Lines(orderId, payload);
            order.Promotions = OtterOrderMapping.Promotions(orderId, payload);
            order.HasLines = true;
            order.LinesEventTime = eventTime;
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
            : isNew || envelope.EventType == OtterEventTypes.NewOrder && order.Version == 1 ? OrderEventKind.New
            : OrderEventKind.Updated;
        return new Outcome(RawEventStates.Applied, orderId, null, StructuredOrderMapping.ToStructuredOrder(order, kind, envelope.EventId));
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
            order.HasLines ? StructuredOrderMapping.ToStructuredOrder(order, OrderEventKind.Canceled, envelope.EventId) : null);
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

        if (order.StatusEventTime is { } current && eventTime < current)
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
        var now = time.GetUtcNow();
        var order = new OrderEntity
        {
            Id = orderId,
            StoreId = envelope.StoreId,
            Status = "UNKNOWN",
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.Orders.Add(order);
        return order;
    }

    private static string OrderIdOf(string? orderId, OtterExternalIdentifiers? ids, OtterEvent otterEvent, OtterEventEnvelope envelope) =>
        NullIfEmpty(orderId) ?? NullIfEmpty(ids?.Id) ?? NullIfEmpty(otterEvent.Metadata?.ResourceId)
        ?? throw new PoisonMessageException($"{envelope.EventType} {envelope.EventId} does not say which order (orderId)");

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

    private static OtterEventEnvelope ParseEnvelope(IncomingMessage message)
    {
        try
        {
            var envelope = OtterEventEnvelope.Parser.ParseFrom(message.Body.Span);
            return string.IsNullOrEmpty(envelope.EventId) || string.IsNullOrEmpty(envelope.EventType)
                ? throw new PoisonMessageException("the Otter event envelope has no event id or type")
                : envelope;
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new PoisonMessageException($"not an OtterEventEnvelope: {ex.Message}", ex);
        }
    }

    private static OtterEvent ParseEvent(OtterEventEnvelope envelope)
    {
        try
        {
            return JsonSerializer.Deserialize(envelope.Body.Span, OtterJson.Default.OtterEvent)
                ?? throw new PoisonMessageException("the Otter event body is null");
        }
        catch (JsonException ex)
        {
            throw new PoisonMessageException($"the Otter event body is not valid JSON: {ex.Message}", ex);
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
