using System.Globalization;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Orbital.Contracts.Kitchen;
using Orbital.Messaging;
using Orbital.Orders.Data;
using Orbital.Orders.Recovery;

namespace Orbital.Orders.TellingOtter;

/// <summary>
/// Takes a step of an order in its kitchen (from Batch's outbox) into the order's status history and, when Otter's API is
/// configured, the call it owes Otter, in one statement: a redelivered event finds its row and changes nothing. The
/// sender makes the call. An event for an order Orders never received (it did not come from Otter) is acknowledged and logged.
/// </summary>
public sealed partial class KitchenOrderEventHandler(
    NpgsqlDataSource dataSource, OrdersSchema schema, IOptions<OtterApiOptions> api, TimeProvider time, ILogger<KitchenOrderEventHandler> logger) : IMessageHandler
{
    /// <summary>Woken at commit, the sender makes a new call without waiting for its next look.</summary>
    public const string NotifyChannel = "orbital_otter_calls";

    private const int MaxIdLength = 200;

    public async Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        var step = Read(message);
        var (milestone, endpoint, status) = step.Milestone switch
        {
            KitchenMilestone.Accepted => ("accepted", "confirm", "ACCEPTED"),
            KitchenMilestone.Ready => ("ready", "ready-to-pickup", "READY_TO_PICKUP"),
            KitchenMilestone.HandedOff => ("handed_off", "fulfill", "HANDED_OFF"),
            _ => throw new PoisonMessageException($"Kitchen event {step.EventId} has no known milestone ({step.Milestone})."),
        };
        var body = step.Milestone == KitchenMilestone.Accepted && step.EstimatedPrepMinutes > 0
            ? string.Create(CultureInfo.InvariantCulture, $$"""{"estimatedPrepTimeMinutes":{{step.EstimatedPrepMinutes}}}""")
            : null;
        var now = time.GetUtcNow();
        var occurredAt = step.OccurredAt?.ToDateTimeOffset() ?? now;

        await schema.WaitUntilReadyAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        // Otter's own record of the order names its source; the kitchen's copy is the fallback. Without either the
        // call has no path, and a store id that is not printable ASCII cannot be a header (webhooks bring any text):
        // such a call is kept as failed, with the reason, and never takes a turn from the calls that can be made.
        var record = new NpgsqlBatchCommand(
            """
            WITH o AS (SELECT id, store_id, coalesce(nullif(source, ''), nullif($3, '')) AS source FROM otter.orders WHERE id = $2),
            call AS (
                INSERT INTO otter.otter_calls (event_id, order_id, store_id, source, milestone, endpoint, body, by, state, attempts,
                                               occurred_at, next_attempt_at, created_at, last_error)
                SELECT $1, o.id, o.store_id, coalesce(o.source, ''), $4, $5, $6, $7,
                       CASE WHEN NOT $8 THEN 'not_configured' WHEN o.source IS NULL OR o.store_id !~ '^[ -~]+$' THEN 'failed' ELSE 'pending' END,
                       0, $9, $10, $10,
                       CASE WHEN NOT $8 THEN NULL
                            WHEN o.source IS NULL THEN 'the order has no source (Otter''s path needs one)'
                            WHEN o.store_id !~ '^[ -~]+$' THEN 'the store id cannot be sent as X-Store-Id (printable ASCII only)' END
                FROM o
                ON CONFLICT (event_id) DO NOTHING
                RETURNING order_id)
            INSERT INTO otter.order_status_history (order_id, status, event_time, event_id, event_type, recorded_at)
            SELECT order_id, $11, $9, $1, $12, $10 FROM call
            RETURNING order_id
            """);
        record.Parameters.Add(new NpgsqlParameter { Value = step.EventId });
        record.Parameters.Add(new NpgsqlParameter { Value = step.OrderId });
        record.Parameters.Add(new NpgsqlParameter { Value = step.Source });
        record.Parameters.Add(new NpgsqlParameter { Value = milestone });
        record.Parameters.Add(new NpgsqlParameter { Value = endpoint });
        record.Parameters.Add(new NpgsqlParameter { Value = (object?)body ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
        record.Parameters.Add(new NpgsqlParameter { Value = Clean(step.By), NpgsqlDbType = NpgsqlDbType.Text });
        record.Parameters.Add(new NpgsqlParameter { Value = api.Value.IsConfigured });
        record.Parameters.Add(new NpgsqlParameter { Value = occurredAt });
        record.Parameters.Add(new NpgsqlParameter { Value = now });
        record.Parameters.Add(new NpgsqlParameter { Value = status });
        record.Parameters.Add(new NpgsqlParameter { Value = $"kitchen.{milestone}" });
        batch.BatchCommands.Add(record);
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"NOTIFY {NotifyChannel}"));
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        batch.Transaction = transaction;
        var recorded = await batch.ExecuteScalarAsync(cancellationToken) is not null;
        await transaction.CommitAsync(cancellationToken);

        if (recorded)
        {
            Log.Recorded(logger, step.OrderId, milestone, api.Value.IsConfigured ? endpoint : "nothing (Otter is not being told)");
        }
        else
        {
            Log.NothingToRecord(logger, step.EventId);
        }
    }

    private static KitchenOrderEvent Read(IncomingMessage message)
    {
        KitchenOrderEvent step;
        try
        {
            step = KitchenOrderEvent.Parser.ParseFrom(message.Body.Span);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new PoisonMessageException($"The kitchen event is not a KitchenOrderEvent: {ex.Message}");
        }

        foreach (var (name, value) in new[] { ("event_id", step.EventId), ("order_id", step.OrderId) })
        {
            if (value.Length is 0 or > MaxIdLength || value.Contains('\0', StringComparison.Ordinal))
            {
                throw new PoisonMessageException($"The kitchen event's {name} is empty, longer than {MaxIdLength} characters or holds a NUL.");
            }
        }

        if (step.Source.Length > MaxIdLength || step.Source.Contains('\0', StringComparison.Ordinal))
        {
            throw new PoisonMessageException($"The kitchen event's source is longer than {MaxIdLength} characters or holds a NUL.");
        }

        return step;
    }

    /// <summary>Who took the step, as something PostgreSQL can store: no NUL or control characters, at most 100 characters.</summary>
    private static object Clean(string by)
    {
        var text = new string([.. by.Where(c => !char.IsControl(c)).Take(100)]).Trim();
        return text.Length == 0 ? DBNull.Value : text;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1701, Level = LogLevel.Information, Message = "Order {OrderId} {Milestone} in its kitchen; Otter is owed {Call}")]
        public static partial void Recorded(ILogger logger, string orderId, string milestone, string call);

        [LoggerMessage(EventId = 1702, Level = LogLevel.Debug, Message = "Kitchen event {EventId}: already recorded, or for an order Orders never received from Otter")]
        public static partial void NothingToRecord(ILogger logger, string eventId);
    }
}
