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
        VALUES ($1, $2, $3, $4, $5, $6)
        """;

    public static Task EnqueueAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction? transaction,
        string exchange,
        OutgoingMessage message,
        CancellationToken cancellationToken) =>
        EnqueueAsync(connection, transaction, [(exchange, message, MessagingTelemetry.CaptureTraceContext())], cancellationToken);

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
        foreach (var (exchange, message, traceHeaders) in messages)
        {
            var headers = new Dictionary<string, string>(traceHeaders, StringComparer.Ordinal);
            if (message.Headers is not null)
            {
                foreach (var (key, value) in message.Headers)
                {
                    headers[key] = value;
                }
            }

            var insert = new NpgsqlBatchCommand(InsertSql);
            insert.Parameters.Add(new NpgsqlParameter { Value = exchange });
            insert.Parameters.Add(new NpgsqlParameter { Value = message.MessageId });
            insert.Parameters.Add(new NpgsqlParameter { Value = message.Type });
            insert.Parameters.Add(new NpgsqlParameter { Value = message.ContentType });
            insert.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(headers), NpgsqlDbType = NpgsqlDbType.Jsonb });
            insert.Parameters.Add(new NpgsqlParameter { Value = message.Body.ToArray(), NpgsqlDbType = NpgsqlDbType.Bytea });
            batch.BatchCommands.Add(insert);
        }

        if (wakeRelay)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"NOTIFY {OutboxSchema.NotifyChannel}"));
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
