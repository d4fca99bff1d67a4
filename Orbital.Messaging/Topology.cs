using RabbitMQ.Client;

namespace Orbital.Messaging;

/// <summary>
/// Declares Orbital's broker topology. Every declaration is idempotent, so each publisher and consumer
/// declares what it uses and no start-up order between services matters.
/// </summary>
public static class Topology
{
    /// <summary>The exchange a consumer queue dead-letters into.</summary>
    public static string DeadLetterExchangeFor(string queue) => $"{queue}.dlx";

    /// <summary>The queue that keeps a consumer queue's dead letters.</summary>
    public static string DeadLetterQueueFor(string queue) => $"{queue}.dead";

    public static Task DeclareFanoutExchangeAsync(IChannel channel, string exchange, CancellationToken cancellationToken) =>
        channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);

    /// <summary>
    /// A durable quorum queue bound to <paramref name="exchange"/>, with its own dead-letter exchange and queue.
    /// The broker dead-letters by itself a message redelivered more than <paramref name="deliveryLimit"/> times.
    /// </summary>
    public static async Task DeclareConsumerQueueAsync(IChannel channel, string queue, string exchange, int deliveryLimit, CancellationToken cancellationToken)
    {
        var deadLetterExchange = DeadLetterExchangeFor(queue);
        var deadLetterQueue = DeadLetterQueueFor(queue);

        await DeclareFanoutExchangeAsync(channel, exchange, cancellationToken);
        await DeclareFanoutExchangeAsync(channel, deadLetterExchange, cancellationToken);

        await channel.QueueDeclareAsync(deadLetterQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" },
            cancellationToken: cancellationToken);
        await channel.QueueBindAsync(deadLetterQueue, deadLetterExchange, routingKey: string.Empty, cancellationToken: cancellationToken);

        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-dead-letter-exchange"] = deadLetterExchange,
                ["x-delivery-limit"] = deliveryLimit,
            },
            cancellationToken: cancellationToken);
        await channel.QueueBindAsync(queue, exchange, routingKey: string.Empty, cancellationToken: cancellationToken);
    }
}
