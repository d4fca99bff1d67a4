using Npgsql;

namespace Orbital.Messaging.Outbox;

/// <summary>The outbox table, created in the service's own database.</summary>
public static class OutboxSchema
{
    public const string Table = "messaging.outbox";
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
