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
/// Takes a step of an order in its kitchen (from Batch's outbox) as a row of <c>otter.otter_calls</c>, in one statement:
/// the order's status history shows it, and when Otter's API is configured it is the call owed to Otter, which the
/// sender makes. A redelivered event finds its row and changes nothing. An event for an order Orders never received (it did not come from Otter) is acknowledged and logged.
/// </summary>
public sealed partial class KitchenOrderEventHandler(
    NpgsqlDataSource dataSource, OrdersSchema schema, IOptions<OtterApiOptions> api, TimeProvider time, ILogger<KitchenOrderEventHandler> logger) : IMessageBatchHandler
{
    private const int MaxIdLength = 200;

    public Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken) => HandleBatchAsync([message], cancellationToken);

    /// <summary>A rush's steps in one statement and one commit (a bad one makes the consumer take them one by one).</summary>
    public async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        var steps = messages.Select(message => (Step: Read(message), Trace: message.TraceParent))
            .Select(m => (m.Step, Call: CallOf(m.Step), m.Trace)).ToList();
        var now = time.GetUtcNow();
        await schema.WaitUntilReadyAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        // Otter's own record of the order names its source; the kitchen's copy is the fallback. Without either the
        // call has no path, and a store id that is not printable ASCII cannot be a header (webhooks bring any text):
        // such a call is kept as failed, with the reason, and never takes a turn from the calls that can be made.
        // A step of an order Orders never received (it did not come from Otter) joins no order and is left out.
        var record = new NpgsqlBatchCommand(
            """
            WITH e AS (
                SELECT DISTINCT ON (order_id, milestone) *
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::text[], $8::timestamptz[], $11::text[])
                     WITH ORDINALITY AS e(event_id, order_id, source, milestone, endpoint, body, by, occurred_at, trace_parent, position)
                ORDER BY order_id, milestone, position),
            o AS (
                SELECT e.*, x.store_id, coalesce(nullif(x.source, ''), nullif(e.source, '')) AS call_source
                FROM e JOIN otter.orders x ON x.id = e.order_id)
            INSERT INTO otter.otter_calls (event_id, order_id, store_id, source, milestone, endpoint, body, by, state, attempts,
                                           occurred_at, next_attempt_at, created_at, last_error, trace_parent)
            SELECT o.event_id, o.order_id, o.store_id, coalesce(o.call_source, ''), o.milestone, o.endpoint, o.body, o.by,
                       CASE WHEN NOT $9 THEN 'not_configured'
                            WHEN o.call_source IS NULL OR o.store_id !~ '^[ -~]+$' THEN 'failed' ELSE 'pending' END,
                       0, o.occurred_at, $10, $10,
                       CASE WHEN NOT $9 THEN NULL
                            WHEN o.call_source IS NULL THEN 'the order has no source (Otter''s path needs one)'
                            WHEN o.store_id !~ '^[ -~]+$' THEN 'the store id cannot be sent as X-Store-Id (printable ASCII only)' END,
                       o.trace_parent
            FROM o ORDER BY o.position
            ON CONFLICT (order_id, milestone) DO NOTHING
            """);
        NpgsqlParameter Texts(IEnumerable<string?> values) => new() { Value = values.Select(v => (object?)v ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
        record.Parameters.Add(Texts(steps.Select(s => s.Step.EventId)));
        record.Parameters.Add(Texts(steps.Select(s => s.Step.OrderId)));
        record.Parameters.Add(Texts(steps.Select(s => s.Step.Source)));
        record.Parameters.Add(Texts(steps.Select(s => s.Call.Milestone)));
        record.Parameters.Add(Texts(steps.Select(s => s.Call.Endpoint)));
        record.Parameters.Add(new NpgsqlParameter { Value = steps.Select(s => (object?)s.Call.Body ?? DBNull.Value).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        record.Parameters.Add(Texts(steps.Select(s => Clean(s.Step.By))));
        record.Parameters.Add(new NpgsqlParameter { Value = steps.Select(s => s.Step.OccurredAt?.ToDateTimeOffset() ?? now).ToArray() });
        record.Parameters.Add(new NpgsqlParameter { Value = api.Value.IsConfigured });
        record.Parameters.Add(new NpgsqlParameter { Value = now });
        record.Parameters.Add(Texts(steps.Select(s => MessagingTelemetry.TraceHeadersOf(s.Trace).GetValueOrDefault(MessageHeaders.TraceParent))));
        batch.BatchCommands.Add(record);
        var recorded = await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Log.Recorded(logger, steps.Count, recorded, api.Value.IsConfigured ? "owed to Otter" : "recorded only (Otter is not being told)");
    }

    /// <summary>The step's name as kept, the call it owes Otter and its body.</summary>
    private static (string Milestone, string Endpoint, string? Body) CallOf(KitchenOrderEvent step) => step.Milestone switch
    {
        KitchenMilestone.Accepted => ("accepted", "confirm",
            step.EstimatedPrepMinutes > 0 ? string.Create(CultureInfo.InvariantCulture, $$"""{"estimatedPrepTimeMinutes":{{step.EstimatedPrepMinutes}}}""") : null),
        KitchenMilestone.Ready => ("ready", "ready-to-pickup", null),
        KitchenMilestone.HandedOff => ("handed_off", "fulfill", null),
        _ => throw new PoisonMessageException($"Kitchen event {step.EventId} has no known milestone ({step.Milestone})."),
    };

    /// <summary>
    /// A kept step as the order's status history names it. The history shows the kitchen's steps from
    /// <c>otter.otter_calls</c>, which holds each once: a row of its own per step would be a second write of the same fact.
    /// </summary>
    public static string StatusOf(string milestone) => milestone switch
    {
        "accepted" => "ACCEPTED",
        "ready" => "READY_TO_PICKUP",
        "handed_off" => "HANDED_OFF",
        _ => milestone.ToUpperInvariant(),
    };

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
    private static string? Clean(string by)
    {
        var text = new string([.. by.Where(c => !char.IsControl(c)).Take(100)]).Trim();
        return text.Length == 0 ? null : text;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1701, Level = LogLevel.Debug, Message = "{Steps} kitchen step(s) in, {Rows} row(s) written: {What}")]
        public static partial void Recorded(ILogger logger, int steps, int rows, string what);
    }
}
