using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Orbital.Messaging.Outbox;

/// <summary>
/// Writes messages to the outbox inside the caller's transaction: they are published if and only if
/// that transaction commits, and the relay is woken by a NOTIFY that PostgreSQL delivers at commit.
/// </summary>
public static class OutboxWriter
{
    private const string InsertSql = """
        INSERT INTO messaging.outbox (exchange, message_id, type, content_type, headers, body)
        SELECT exchange, message_id, type, content_type, headers, body
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::bytea[]) WITH ORDINALITY
            AS m(exchange, message_id, type, content_type, headers, body, n)
        ORDER BY n
        """;

    public static Task EnqueueAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        string exchange,
        OutgoingMessage message,
        CancellationToken cancellationToken) =>
        EnqueueAsync(connection, transaction, [(exchange, message, MessagingTelemetry.CaptureTraceContext())], cancellationToken);

    /// <summary>
    /// The insert of these messages as a command for the caller's own batch, so that it rides on a round trip the
    /// caller makes anyway (it takes that batch's transaction; the relay finds the messages at its next sweep). Null
    /// when there are none.
    /// </summary>
    public static NpgsqlBatchCommand? InsertCommand(IReadOnlyList<(string Exchange, OutgoingMessage Message, Dictionary<string, string> TraceHeaders)> messages)
    {
        if (messages.Count == 0)
        {
            return null;
        }

        // One statement for all of them, in their order: a rush's messages cost one insert, not one each.
        var headers = messages.Select(m =>
        {
            var all = new Dictionary<string, string>(m.TraceHeaders, StringComparer.Ordinal);
            if (m.Message.Headers is not null)
            {
                foreach (var (key, value) in m.Message.Headers)
                {
                    all[key] = value;
                }
            }

            return JsonSerializer.Serialize(all);
        }).ToArray();
        var insert = new NpgsqlBatchCommand(InsertSql);
        insert.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Exchange).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Message.MessageId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Message.Type).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Message.ContentType).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = headers, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });
        insert.Parameters.Add(new NpgsqlParameter { Value = messages.Select(m => m.Message.Body.ToArray()).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        return insert;
    }

    /// <summary>
    /// Several messages in one round trip, each with the trace context it was produced in (the relay publishes later,
    /// from another trace, and carries that one along in the headers).
    /// </summary>
    /// <param name="wakeRelay">
    /// False leaves the messages to the relay's next sweep (<see cref="OutboxOptions.SweepInterval"/>): a NOTIFY makes
    /// PostgreSQL commit the transactions that send one one at a time, across all databases of the server, which a hot
    /// path that is not in a hurry for its messages should not pay for.
    /// </param>
    public static async Task EnqueueAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        IReadOnlyList<(string Exchange, OutgoingMessage Message, Dictionary<string, string> TraceHeaders)> messages,
        CancellationToken cancellationToken,
        bool wakeRelay = true)
    {
        if (messages.Count == 0)
        {
            return;
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(InsertCommand(messages)!);
        if (wakeRelay)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"NOTIFY {MessagingSchema.NotifyChannel}"));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
