using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orbital.Messaging.Outbox;
using RabbitMQ.Client;

namespace Orbital.Messaging;

/// <summary>One queue this service consumes, as the broker and its consumer see it now.</summary>
/// <param name="Waiting">Messages ready in the queue (not counting those a consumer holds).</param>
/// <param name="Consumers">Consumers attached, of every instance of the service.</param>
/// <param name="OldestWaitingSeconds">How long the oldest waiting message has waited at most (see <see cref="ConsumerStatus.OldestWaitingAge"/>); null when unknown.</param>
/// <param name="DeadLetters">Messages in the queue's dead-letter queue.</param>
/// <param name="Problem">Why the broker could not say, when it could not.</param>
public sealed record QueueStatus(string Queue, uint Waiting, uint Consumers, double? OldestWaitingSeconds, uint DeadLetters, string? Problem = null);

/// <summary>The service's transactional outbox: rows not yet published, and how long the oldest has waited.</summary>
public sealed record OutboxStatus(long Pending, double? OldestSeconds);

/// <summary>What an operator looks at for one service's messaging: its queues and its outbox (null when it has none).</summary>
public sealed record MessagingStatus(string Service, DateTimeOffset At, IReadOnlyList<QueueStatus> Queues, OutboxStatus? Outbox);

/// <summary>Reads <see cref="MessagingStatus"/>: each consumed queue's counts from the broker (a passive declare each), the outbox from the database.</summary>
public sealed class MessagingStatusReader(
    IEnumerable<ConsumedQueue> consumed,
    RabbitMqConnection connection,
    ConsumerStatus consumers,
    IServiceProvider services,
    Microsoft.Extensions.Hosting.IHostEnvironment environment,
    TimeProvider time)
{
    public async Task<MessagingStatus> ReadAsync(CancellationToken cancellationToken)
    {
        var queues = new List<QueueStatus>();
        foreach (var queue in consumed.Select(q => q.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            queues.Add(await ReadQueueAsync(queue, cancellationToken));
        }

        return new MessagingStatus(environment.ApplicationName, time.GetUtcNow(), queues, await ReadOutboxAsync(cancellationToken));
    }

    private async Task<QueueStatus> ReadQueueAsync(string queue, CancellationToken cancellationToken)
    {
        try
        {
            var amqp = await connection.GetAsync(cancellationToken);
            // A channel each: a passive declare of a queue that is not there yet closes its channel.
            await using var channel = await amqp.CreateChannelAsync(cancellationToken: cancellationToken);
            var declared = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            var deadLetters = await channel.MessageCountAsync(Topology.DeadLetterQueueFor(queue), cancellationToken);
            return new QueueStatus(queue, declared.MessageCount, declared.ConsumerCount,
                consumers.OldestWaitingAge(queue, declared.MessageCount)?.TotalSeconds, deadLetters);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new QueueStatus(queue, 0, 0, null, 0, ex.GetBaseException().Message);
        }
    }

    private async Task<OutboxStatus?> ReadOutboxAsync(CancellationToken cancellationToken)
    {
        // Only a service with an outbox relay writes to messaging.outbox.
        if (services.GetService<OutboxRelay>() is null || services.GetService<NpgsqlDataSource>() is not { } dataSource)
        {
            return null;
        }

        try
        {
            await using var command = dataSource.CreateCommand("SELECT count(*), min(created_at) FROM messaging.outbox");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var oldest = reader.IsDBNull(1) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(1);
            return new OutboxStatus(reader.GetInt64(0), oldest is { } at ? Math.Max(0, (time.GetUtcNow() - at).TotalSeconds) : null);
        }
        catch (NpgsqlException)
        {
            return null;
        }
    }
}
