using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Orbital.Messaging;

/// <summary>An entry of the dead-letter audit trail: which letter, what was done with it, by whom and when.</summary>
public sealed record DeadLetterAuditEntry(long Id, string Action, string DoneBy, DateTimeOffset DoneAt, DeadLetter Letter);

/// <summary>
/// The audit trail of dead letters replayed or discarded, in the service's database (<c>messaging.dead_letter_audit</c>).
/// A discarded letter is written here, body and headers included, before the broker lets it go.
/// </summary>
public sealed class DeadLetterAudit(NpgsqlDataSource dataSource, TimeProvider time)
{
    public const string Replayed = "replayed";
    public const string Discarded = "discarded";

    public async Task RecordAsync(TakenDeadLetter taken, string action, string doneBy, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO messaging.dead_letter_audit
                (queue, action, message_id, type, content_type, reason, attempts, dead_lettered_at, headers, body, done_by, done_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """);
        var letter = taken.Letter;
        command.Parameters.Add(new NpgsqlParameter { Value = taken.Queue });
        command.Parameters.Add(new NpgsqlParameter { Value = action });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)letter.MessageId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)letter.Type ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)letter.ContentType ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)letter.Reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)letter.Attempts ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)letter.DeadLetteredAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(taken.Headers), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter { Value = taken.Body.ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = doneBy });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The newest <paramref name="max"/> entries of <paramref name="queue"/>, newest first.</summary>
    public async Task<IReadOnlyList<DeadLetterAuditEntry>> ReadAsync(string queue, int max, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, action, done_by, done_at, message_id, type, content_type, reason, attempts, dead_lettered_at, body
            FROM messaging.dead_letter_audit WHERE queue = $1 ORDER BY id DESC LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = queue });
        command.Parameters.Add(new NpgsqlParameter { Value = max });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<DeadLetterAuditEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            string? Text(int column) => reader.IsDBNull(column) ? null : reader.GetString(column);
            var type = Text(5);
            var contentType = Text(6);
            var body = reader.GetFieldValue<byte[]>(10);
            var letter = new DeadLetter(Text(4), type, contentType, Text(7), reader.IsDBNull(8) ? null : reader.GetInt32(8), Text(9),
                body.Length, DeadLetterPreview.Of(type, contentType, body));
            entries.Add(new DeadLetterAuditEntry(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3), letter));
        }

        return entries;
    }
}
