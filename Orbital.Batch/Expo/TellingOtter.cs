using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using Orbital.Batch.Batching;
using Orbital.Contracts;
using Orbital.Contracts.Kitchen;
using Orbital.Messaging;
using Orbital.Messaging.Outbox;

namespace Orbital.Batch.Expo;

/// <summary>
/// What Otter is told of an order's way through its kitchen: accepted (its lines are on the screens), ready and handed
/// off. Each milestone is put in the outbox once per order, inside the transaction that reached it (so a step that
/// commits is told, and one that rolls back is not), whichever path reached it: the batcher, a bump, the expeditor.
/// </summary>
public static class TellingOtter
{
    /// <summary>
    /// A station with more work due than this is counted as having this much: its estimate is hours already, and a
    /// kitchen nobody bumps (or a benchmark) must not make every order's transaction read all of it.
    /// </summary>
    public const int MaxItemsCounted = 40;

    /// <summary>
    /// The work queued at these stations (the prep time of every item due and not bumped, at most
    /// <see cref="MaxItemsCounted"/> of them): a command to run with the batcher's first reads, before the orders' own
    /// items are written, so an order does not wait behind itself. Read with <see cref="ReadQueuedWorkAsync"/>.
    /// </summary>
    public static NpgsqlBatchCommand QueuedWorkCommand(IReadOnlyList<(string KitchenId, string StationId)> stations, BatchingOptions options, DateTimeOffset now) => new(
        """
        SELECT s.kitchen_id, s.station_id, coalesce(q.seconds, 0)::float8
        FROM unnest($1::text[], $2::text[]) AS s(kitchen_id, station_id)
        CROSS JOIN LATERAL (
            SELECT sum(coalesce(ahead.prep_seconds, $4)) AS seconds
            FROM (SELECT bi.prep_seconds FROM batch.batch_items bi
                  WHERE bi.kitchen_id = s.kitchen_id AND bi.station_id = s.station_id
                    AND bi.status IN ('pending', 'in_progress') AND bi.fire_at <= $3
                  LIMIT $5) ahead) q
        """)
    {
        Parameters =
        {
            new NpgsqlParameter { Value = stations.Select(s => s.KitchenId).ToArray() },
            new NpgsqlParameter { Value = stations.Select(s => s.StationId).ToArray() },
            new NpgsqlParameter { Value = now },
            new NpgsqlParameter { Value = (int)options.DefaultPrepTime.TotalSeconds },
            new NpgsqlParameter { Value = MaxItemsCounted },
        },
    };

    public static async Task<Dictionary<(string KitchenId, string StationId), double>> ReadQueuedWorkAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var queued = new Dictionary<(string, string), double>();
        while (await reader.ReadAsync(cancellationToken))
        {
            queued[(reader.GetString(0), reader.GetString(1))] = reader.GetDouble(2);
        }

        return queued;
    }

    /// <summary>
    /// Minutes until each order could be ready, from the kitchen's real load: for each station the order needs, the
    /// work queued there, cooked <see cref="BatchingOptions.ItemsCookedAtOnce"/> at a time, plus the order's own longest
    /// prep time at it; the order's estimate is its slowest station's.
    /// </summary>
    public static Dictionary<string, int> EstimatePrepMinutes(
        IEnumerable<(string OrderId, IReadOnlyList<KitchenLine> Lines)> orders, IReadOnlyDictionary<(string KitchenId, string StationId), double> queued, BatchingOptions options)
    {
        var estimates = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (orderId, lines) in orders)
        {
            if (lines.Count == 0)
            {
                continue;
            }

            var seconds = lines.GroupBy(l => (l.Key.KitchenId, l.Key.StationId))
                .Max(station => queued.GetValueOrDefault(station.Key) / options.ItemsCookedAtOnce + station.Max(l => l.PrepSeconds));
            estimates[orderId] = (int)Math.Clamp(Math.Ceiling(seconds / 60), 1, 24 * 60);
        }

        return estimates;
    }

    /// <summary>
    /// The outbox insert saying that the kitchen accepted these orders (the claim of their first version marked them
    /// told), from what the batcher has in hand: no read of the orders again. A command for the batcher's last round trip
    /// (none of its own: the batcher holds its stations' locks meanwhile); null when there are none.
    /// </summary>
    public static NpgsqlBatchCommand? AcceptedCommand(IReadOnlyList<AcceptedOrder> orders, DateTimeOffset now)
    {
        return OutboxWriter.InsertCommand([.. orders.Select(order =>
        {
            var accepted = new KitchenOrderEvent
            {
                EventId = $"{order.OrderId}:{KitchenMilestone.Accepted}",
                OrderId = order.OrderId,
                StoreId = order.StoreId,
                Source = order.Source,
                KitchenId = order.KitchenId,
                Milestone = KitchenMilestone.Accepted,
                OccurredAt = Timestamp.FromDateTimeOffset(now),
                EstimatedPrepMinutes = order.EstimatedPrepMinutes,
                By = "kitchen",
            };
            return (Exchanges.KitchenOrderEvents, Message(accepted), MessagingTelemetry.TraceHeadersOf(order.Trace));
        })]);
    }

    private static OutgoingMessage Message(KitchenOrderEvent step) =>
        new(step.ToByteArray(), step.EventId, KitchenOrderEvent.Descriptor.FullName, ContentTypes.Protobuf);

    /// <summary>
    /// Puts in the outbox each milestone these orders have reached and Otter has not been told of, and marks it told.
    /// A recalled order that is ready again is not told twice (Otter has no way back). Cancelled orders are told nothing.
    /// </summary>
    public static async Task EnqueueAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] orderIds, IReadOnlyDictionary<string, int>? estimates, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        if (orderIds.Length == 0)
        {
            return;
        }

        var messages = new List<(string, OutgoingMessage, Dictionary<string, string>)>();
        await using (var command = new NpgsqlCommand(
            """
            WITH due AS (
                SELECT order_id, accepted_told_at IS NULL AS accept,
                       ready_at IS NOT NULL AND ready_told_at IS NULL AS ready,
                       handed_off_at IS NOT NULL AND handed_off_told_at IS NULL AS hand_off
                FROM batch.orders
                WHERE order_id = ANY($1) AND version > 0 AND status NOT IN ('Canceled', 'Rejected'))
            UPDATE batch.orders o SET
                accepted_told_at = CASE WHEN due.accept THEN $2 ELSE o.accepted_told_at END,
                ready_told_at = CASE WHEN due.ready THEN $2 ELSE o.ready_told_at END,
                handed_off_told_at = CASE WHEN due.hand_off THEN $2 ELSE o.handed_off_told_at END
            FROM due
            WHERE o.order_id = due.order_id AND (due.accept OR due.ready OR due.hand_off)
            RETURNING o.order_id, o.store_id, coalesce(o.source, ''), o.kitchen_id, due.accept, due.ready, due.hand_off,
                      coalesce(o.ready_marked_by, ''), coalesce(o.handed_off_by, ''), o.ready_at, o.handed_off_at
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = orderIds });
            command.Parameters.Add(new NpgsqlParameter { Value = now });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var trace = MessagingTelemetry.CaptureTraceContext();
            while (await reader.ReadAsync(cancellationToken))
            {
                var orderId = reader.GetString(0);
                KitchenOrderEvent Event(KitchenMilestone milestone, DateTimeOffset at, string by) => new()
                {
                    EventId = $"{orderId}:{milestone}",
                    OrderId = orderId,
                    StoreId = reader.GetString(1),
                    Source = reader.GetString(2),
                    KitchenId = reader.GetString(3),
                    Milestone = milestone,
                    OccurredAt = Timestamp.FromDateTimeOffset(at),
                    By = by,
                };
                void Add(KitchenOrderEvent message) => messages.Add((Exchanges.KitchenOrderEvents, Message(message), trace));

                if (reader.GetBoolean(4))
                {
                    var accepted = Event(KitchenMilestone.Accepted, now, "kitchen");
                    accepted.EstimatedPrepMinutes = estimates?.GetValueOrDefault(orderId) ?? 0;
                    Add(accepted);
                }

                if (reader.GetBoolean(5))
                {
                    Add(Event(KitchenMilestone.Ready, reader.GetFieldValue<DateTimeOffset>(9), reader.GetString(7)));
                }

                if (reader.GetBoolean(6))
                {
                    Add(Event(KitchenMilestone.HandedOff, reader.GetFieldValue<DateTimeOffset>(10), reader.GetString(8)));
                }
            }
        }

        // Otter can wait for the relay's next sweep; the kitchen's commits should not wait for each other.
        await OutboxWriter.EnqueueAsync(connection, transaction, messages, cancellationToken, wakeRelay: false);
    }
}

/// <summary>An order the kitchen has just taken, as Otter is told of it.</summary>
public sealed record AcceptedOrder(string OrderId, string StoreId, string Source, string KitchenId, int EstimatedPrepMinutes, ActivityContext Trace = default);
