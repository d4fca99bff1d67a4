using Microsoft.EntityFrameworkCore;
using Npgsql;
using Orbital.Orders.Data;

namespace Orbital.Orders.Orders;

/// <summary>The same Otter event id with another body: the audit trail keeps what Otter sent the second time.</summary>
public static partial class ConflictingResends
{
    /// <summary>
    /// Events whose id was processed before (or comes twice in this batch) but whose body differs: they change nothing,
    /// and are kept in <c>otter.event_conflicts</c> with a warning. Bodies are compared as <c>jsonb</c>, so spacing and
    /// key order do not count.
    /// </summary>
    public static async Task KeepAsync(
        OrdersDbContext db, IReadOnlyList<ReceivedOtterEvent> events, IReadOnlySet<string> processed, DateTimeOffset now, ILogger logger,
        CancellationToken cancellationToken)
    {
        var firstInBatch = new Dictionary<string, ReceivedOtterEvent>(StringComparer.Ordinal);
        var suspects = new List<ReceivedOtterEvent>();
        foreach (var received in events)
        {
            if (processed.Contains(received.EventId) || !firstInBatch.TryAdd(received.EventId, received))
            {
                suspects.Add(received);
            }
        }

        if (suspects.Count == 0)
        {
            return;
        }

        // The first of the batch is compared as if it had been stored already.
        var stored = suspects.Select(s => firstInBatch.TryGetValue(s.EventId, out var first) && !processed.Contains(s.EventId) ? first.Body : null).ToArray();
        var differing = await db.Database.SqlQueryRaw<int>(
            """
            SELECT s.n - 1 AS "Value"
            FROM unnest(@ids, @bodies, @firsts) WITH ORDINALITY AS s(event_id, body, first_body, n)
            LEFT JOIN otter.raw_events r ON r.event_id = s.event_id
            WHERE coalesce(s.first_body::jsonb, r.body) IS DISTINCT FROM s.body::jsonb
            """,
            new NpgsqlParameter("ids", suspects.Select(s => s.EventId).ToArray()),
            new NpgsqlParameter("bodies", suspects.Select(s => s.Body).ToArray()),
            new NpgsqlParameter("firsts", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text) { Value = stored })
            .ToListAsync(cancellationToken);
        foreach (var index in differing)
        {
            var conflict = suspects[index];
            db.EventConflicts.Add(new EventConflictEntity
            {
                EventId = conflict.EventId,
                ReceivedAt = conflict.Envelope.ReceivedAt.ToDateTimeOffset(),
                Body = conflict.Body,
                OriginalBody = conflict.OriginalBody,
                RecordedAt = now,
            });
            Log.Conflict(logger, conflict.EventId, conflict.EventType);
        }

        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Otter event {EventId} ({EventType}) arrived again with a different body; kept in otter.event_conflicts, not applied")]
        public static partial void Conflict(ILogger logger, string eventId, string eventType);
    }
}
