using System.Globalization;
using RabbitMQ.Client;

namespace Orbital.Messaging;

/// <summary>A dead letter as an operator sees it.</summary>
public sealed record DeadLetter(string? MessageId, string? Type, string? Reason, string? DeadLetteredAt, int BodyBytes);

/// <summary>Reads and replays the dead letters of a consumer queue.</summary>
public sealed class DeadLetterQueue(RabbitMqConnection connection, IMessagePublisher publisher)
{
    /// <summary>How many messages wait in the dead-letter queue of <paramref name="queue"/>.</summary>
    public async Task<uint> CountAsync(string queue, CancellationToken cancellationToken)
    {
        var amqp = await connection.GetAsync(cancellationToken);
        await using var channel = await amqp.CreateChannelAsync(cancellationToken: cancellationToken);
        return await channel.MessageCountAsync(Topology.DeadLetterQueueFor(queue), cancellationToken);
    }

    /// <summary>
    /// Sends up to <paramref name="max"/> of the dead letters waiting now back to the queue they came from (not to
    /// its exchange, so other subscribers do not see them twice). Each is removed only after the broker confirms its replay.
    /// </summary>
    public async Task<IReadOnlyList<DeadLetter>> ReplayAsync(string queue, int max, CancellationToken cancellationToken)
    {
        var amqp = await connection.GetAsync(cancellationToken);
        await using var channel = await amqp.CreateChannelAsync(cancellationToken: cancellationToken);
        // Only what waits now: a replayed letter that fails again lands behind these, and must not be replayed in a loop.
        var waiting = await channel.MessageCountAsync(Topology.DeadLetterQueueFor(queue), cancellationToken);
        var limit = (int)Math.Min(max, waiting);
        var replayed = new List<DeadLetter>();
        while (replayed.Count < limit)
        {
            var result = await channel.BasicGetAsync(Topology.DeadLetterQueueFor(queue), autoAck: false, cancellationToken);
            if (result is null)
            {
                break;
            }

            var headers = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (key, value) in result.BasicProperties.Headers ?? new Dictionary<string, object?>())
            {
                if (!key.StartsWith("x-orbital-", StringComparison.Ordinal) && !key.StartsWith("x-death", StringComparison.Ordinal)
                    && MessagingTelemetry.HeaderText(value) is { } text)
                {
                    headers[key] = text;
                }
            }

            var letter = Describe(result.BasicProperties, result.Body.Length);
            var message = new OutgoingMessage(
                result.Body.ToArray(),
                result.BasicProperties.MessageId ?? Guid.NewGuid().ToString("N"),
                result.BasicProperties.Type ?? string.Empty,
                result.BasicProperties.ContentType ?? string.Empty,
                headers);
            await publisher.PublishToQueueAsync(queue, message, cancellationToken);
            await channel.BasicAckAsync(result.DeliveryTag, multiple: false, cancellationToken);
            replayed.Add(letter);
        }

        return replayed;
    }

    internal static DeadLetter Describe(IReadOnlyBasicProperties properties, int bodyBytes)
    {
        var headers = properties.Headers;
        string? Text(string key) => headers is not null && headers.TryGetValue(key, out var value) ? MessagingTelemetry.HeaderText(value) : null;

        // A message the broker dead-lettered itself (delivery limit) carries x-first-death-reason instead of ours.
        var reason = Text(MessageHeaders.DeadLetterReason) ?? Text("x-first-death-reason");
        var at = Text(MessageHeaders.DeadLetteredAt)
            ?? (properties.Timestamp.UnixTime > 0
                ? DateTimeOffset.FromUnixTimeSeconds(properties.Timestamp.UnixTime).ToString("O", CultureInfo.InvariantCulture)
                : null);
        return new DeadLetter(properties.MessageId, properties.Type, reason, at, bodyBytes);
    }
}
