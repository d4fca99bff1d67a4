using System.Diagnostics;
using Google.Protobuf;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Contracts.Otter;
using Orbital.Contracts.Stores;
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
    private readonly OrderEventApplier _applier = new(db, time, options.Value.DeliveryTravelTime);

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
        var applied = new List<(OtterEventEnvelope Envelope, EventOutcome Outcome)>();
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
            EventOutcome outcome;
            if (firstSeen.TryGetValue(envelope.EventId, out var payload))
            {
                var eventTime = OrderEventApplier.EventTime(envelope, received.Event);
                (var order, outcome) = _applier.CreateFromFullOrder(envelope, payload, eventTime);
                newOrders.Add(order);
                newRawEvents.Add(_applier.RawEvent(received, eventTime, outcome));
            }
            else
            {
                outcome = await _applier.ApplyAsync(received, cancellationToken);
            }

            applied.Add((envelope, outcome));
            if (outcome.Publish is { } structured)
            {
                outgoing.Add((Exchanges.StructuredOrderData,
                    new OutgoingMessage(structured.ToByteArray(), $"{structured.OrderId}:{structured.Version}", StructuredOrder.Descriptor.FullName, ContentTypes.Protobuf),
                    MessagingTelemetry.CaptureTraceContext()));
            }

            if (outcome.Store is { } store)
            {
                outgoing.Add((Exchanges.StoreStatus,
                    new OutgoingMessage(store.ToByteArray(), store.EventId, StoreStatus.Descriptor.FullName, ContentTypes.Protobuf),
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
                && OtterPayload.TryRead(otterEvent, OtterJson.Default.OtterOrder) is { } payload
                && OtterOrderMapping.Problems(payload).Count == 0)
            {
                fullOrders.Add((envelope.EventId, payload.ExternalIdentifiers!.Id!, payload));
                continue;
            }

            foreach (var named in new[] { OtterPayload.NamedOrder(otterEvent), OtterPayload.NullIfEmpty(otterEvent.Metadata?.ResourceId) })
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

    private static partial class Log
    {
        [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Otter event {EventId} ({EventType}) already processed; nothing to do")]
        public static partial void Duplicate(ILogger logger, string eventId, string eventType);

        [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Otter event {EventId} ({EventType}) for order {OrderId}: {State}")]
        public static partial void Applied(ILogger logger, string eventId, string eventType, string? orderId, string state);
    }
}
