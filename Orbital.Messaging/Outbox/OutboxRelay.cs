using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Orbital.Messaging.Outbox;

public sealed class OutboxOptions
{
    public const string SectionName = "Messaging:Outbox";

    /// <summary>Messages published per round trip to the database.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>How often the relay sweeps the table even without a notification (e.g. after a crash).</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Moves committed outbox rows to the broker, with publisher confirms, and deletes each row only once
/// the broker has confirmed it. A crash between confirm and delete publishes a row twice, never zero times;
/// consumers are idempotent for that reason. Rows are locked with SKIP LOCKED, so instances share the work.
/// </summary>
public sealed partial class OutboxRelay(
    NpgsqlDataSource dataSource,
    IMessagePublisher publisher,
    IOptions<OutboxOptions> options,
    TimeProvider time,
    ILogger<OutboxRelay> logger) : BackgroundService
{
    private const string SelectSql = """
        SELECT id, exchange, message_id, type, content_type, headers::text, body
        FROM messaging.outbox
        ORDER BY id
        LIMIT $1
        FOR UPDATE SKIP LOCKED
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await MessagingSchema.EnsureCreatedAsync(dataSource, stoppingToken);
                await using var listener = await dataSource.OpenConnectionAsync(stoppingToken);
                await using (var listen = new NpgsqlCommand($"LISTEN {MessagingSchema.NotifyChannel}", listener))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                Log.Started(logger);
                while (!stoppingToken.IsCancellationRequested)
                {
                    var relayed = await RelayBatchAsync(stoppingToken);
                    failures = 0;
                    if (relayed < options.Value.BatchSize)
                    {
                        await listener.WaitAsync(options.Value.SweepInterval, stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(250 * Math.Pow(2, failures), 10_000));
                Log.RelayFailed(logger, delay.TotalMilliseconds, ex.GetBaseException().Message);
                try
                {
                    await Task.Delay(delay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>Publishes one batch of pending rows; returns how many were published.</summary>
    public async Task<int> RelayBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var pending = new List<PendingRow>();
        await using (var select = new NpgsqlCommand(SelectSql, connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter { Value = options.Value.BatchSize });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var headers = JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5)) ?? [];
                pending.Add(new PendingRow(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    new OutgoingMessage(reader.GetFieldValue<byte[]>(6), reader.GetString(2), reader.GetString(3), reader.GetString(4), headers)));
            }
        }

        if (pending.Count == 0)
        {
            return 0;
        }

        var results = await Task.WhenAll(pending.Select(row => PublishAsync(row, cancellationToken)));
        var published = pending.Where((_, index) => results[index] is null).Select(row => row.Id).ToArray();
        var failed = pending.Select((row, index) => (row.Id, Error: results[index])).Where(r => r.Error is not null).ToArray();

        await using (var delete = new NpgsqlCommand("DELETE FROM messaging.outbox WHERE id = ANY($1)", connection, transaction))
        {
            delete.Parameters.Add(new NpgsqlParameter { Value = published });
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }

        if (failed.Length > 0)
        {
            await using var mark = new NpgsqlCommand(
                "UPDATE messaging.outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1)", connection, transaction);
            mark.Parameters.Add(new NpgsqlParameter { Value = failed.Select(f => f.Id).ToArray() });
            mark.Parameters.Add(new NpgsqlParameter { Value = failed[0].Error! });
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);

        if (failed.Length > 0)
        {
            // The broker is down or refusing: leave the rest for later rather than spin.
            throw new TransientMessageException($"{failed.Length} outbox message(s) not confirmed: {failed[0].Error}");
        }

        Log.Relayed(logger, published.Length);
        return published.Length;
    }

    private async Task<string?> PublishAsync(PendingRow row, CancellationToken cancellationToken)
    {
        try
        {
            await publisher.PublishAsync(row.Exchange, row.Message, cancellationToken);
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ex.GetBaseException().Message;
        }
    }

    private sealed record PendingRow(long Id, string Exchange, OutgoingMessage Message);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Outbox relay listening for committed messages")]
        public static partial void Started(ILogger logger);

        [LoggerMessage(EventId = 3202, Level = LogLevel.Debug, Message = "Outbox relay published {Count} message(s)")]
        public static partial void Relayed(ILogger logger, int count);

        [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "Outbox relay paused for {DelayMs} ms: {Reason}")]
        public static partial void RelayFailed(ILogger logger, double delayMs, string reason);
    }
}
