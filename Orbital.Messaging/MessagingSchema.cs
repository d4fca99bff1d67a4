using Npgsql;

namespace Orbital.Messaging;

/// <summary>
/// Messaging's tables in the service's own database: the outbox, and the audit trail of dead letters replayed or
/// discarded (a discarded letter's body is kept there). Created if missing; a change to them is a new statement here
/// that is idempotent too.
/// </summary>
public static class MessagingSchema
{
    public const string OutboxTable = "messaging.outbox";
    public const string DeadLetterAuditTable = "messaging.dead_letter_audit";
    public const string NotifyChannel = "orbital_outbox";

    // Several instances may start at once; the advisory lock keeps their DDL from racing.
    private const string CreateSql = """
        SELECT pg_advisory_xact_lock(7432001);
        CREATE SCHEMA IF NOT EXISTS messaging;
        CREATE TABLE IF NOT EXISTS messaging.outbox (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            exchange text NOT NULL,
            message_id text NOT NULL,
            type text NOT NULL,
            content_type text NOT NULL,
            headers jsonb NOT NULL DEFAULT '{}'::jsonb,
            body bytea NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            attempts integer NOT NULL DEFAULT 0,
            last_error text
        );
        CREATE TABLE IF NOT EXISTS messaging.dead_letter_audit (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            queue text NOT NULL,
            action text NOT NULL CHECK (action IN ('replayed', 'discarded')),
            message_id text,
            type text,
            content_type text,
            reason text,
            attempts integer,
            dead_lettered_at text,
            headers jsonb NOT NULL,
            body bytea NOT NULL,
            done_by text NOT NULL,
            done_at timestamptz NOT NULL
        );
        CREATE INDEX IF NOT EXISTS dead_letter_audit_by_queue ON messaging.dead_letter_audit (queue, id DESC);
        """;

    public static async Task EnsureCreatedAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(CreateSql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
