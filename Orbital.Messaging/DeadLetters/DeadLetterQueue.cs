using System.Globalization;
using RabbitMQ.Client;

namespace Orbital.Messaging;

/// <summary>A dead letter as an operator sees it.</summary>
public sealed record DeadLetter(
    string? MessageId,
    string? Type,
    string? ContentType,
    string? Reason,
    int? Attempts,
    string? DeadLetteredAt,
    int BodyBytes,
    string Preview);

/// <summary>A dead letter taken off its queue, with what is needed to keep it: its body and headers.</summary>
public sealed record TakenDeadLetter(string Queue, DeadLetter Letter, ReadOnlyMemory<byte> Body, IReadOnlyDictionary<string, string> Headers);

/// <summary>
/// Reads, replays and discards the dead letters of a consumer queue. They stay in the broker's dead-letter queue until
/// replayed or discarded: reading takes them without acknowledging and returns them, so reading never loses one. A
/// letter is removed only after its replay is confirmed or its copy is kept. One operation at a time in a process, so
/// that one operator's read does not hide letters from another's replay.
/// </summary>
public sealed class DeadLetterQueue(RabbitMqConnection connection, IMessagePublisher publisher)
{
    /// <summary>How many of a queue's dead letters one call looks through at most.</summary>
    public const int MaxScanned = 10_000;

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>How many messages wait in the dead-letter queue of <paramref name="queue"/>.</summary>
    public async Task<uint> CountAsync(string queue, CancellationToken cancellationToken)
    {
        var amqp = await connection.GetAsync(cancellationToken);
        await using var channel = await amqp.CreateChannelAsync(cancellationToken: cancellationToken);
        return await channel.MessageCountAsync(Topology.DeadLetterQueueFor(queue), cancellationToken);
    }

    /// <summary>The first <paramref name="max"/> dead letters of <paramref name="queue"/>, left where they are.</summary>
    public async Task<IReadOnlyList<DeadLetter>> ReadAsync(string queue, int max, CancellationToken cancellationToken)
    {
        var read = new List<DeadLetter>();
        await ScanAsync(queue, (taken, _) =>
        {
            read.Add(taken.Letter);
            return Task.FromResult(read.Count < max ? Scan.Leave : Scan.LeaveAndStop);
        }, cancellationToken);
        return read;
    }

    /// <summary>
    /// Sends up to <paramref name="max"/> of the dead letters waiting now back to the queue they came from (not to
    /// its exchange, so other subscribers do not see them twice). Each is removed only after the broker confirms its replay.
    /// </summary>
    public Task<IReadOnlyList<DeadLetter>> ReplayAsync(string queue, int max, CancellationToken cancellationToken) =>
        ReplayAsync(queue, max, messageId: null, (_, _) => Task.CompletedTask, cancellationToken);

    /// <summary>
    /// Replays up to <paramref name="max"/> dead letters, only those with <paramref name="messageId"/> if given;
    /// <paramref name="replayed"/> is told of each once the broker has confirmed it.
    /// </summary>
    public Task<IReadOnlyList<DeadLetter>> ReplayAsync(
        string queue, int max, string? messageId, Func<TakenDeadLetter, CancellationToken, Task> replayed, CancellationToken cancellationToken) =>
        TakeAsync(queue, max, messageId, async (taken, token) =>
        {
            var headers = taken.Headers
                .Where(h => !h.Key.StartsWith("x-orbital-", StringComparison.Ordinal) && !h.Key.StartsWith("x-death", StringComparison.Ordinal)
                    && !h.Key.StartsWith("x-first-death", StringComparison.Ordinal) && !h.Key.StartsWith("x-last-death", StringComparison.Ordinal))
                .ToDictionary(StringComparer.Ordinal);
            var message = new OutgoingMessage(
                taken.Body.ToArray(),
                taken.Letter.MessageId ?? Guid.NewGuid().ToString("N"),
                taken.Letter.Type ?? string.Empty,
                taken.Letter.ContentType ?? string.Empty,
                headers);
            await publisher.PublishToQueueAsync(queue, message, token);
        }, replayed, cancellationToken);

    /// <summary>
    /// Removes up to <paramref name="max"/> dead letters, only those with <paramref name="messageId"/> if given, each
    /// only after <paramref name="keep"/> has kept its copy (the audit trail).
    /// </summary>
    public Task<IReadOnlyList<DeadLetter>> DiscardAsync(
        string queue, int max, string? messageId, Func<TakenDeadLetter, CancellationToken, Task> keep, CancellationToken cancellationToken) =>
        TakeAsync(queue, max, messageId, keep, (_, _) => Task.CompletedTask, cancellationToken);

    private async Task<IReadOnlyList<DeadLetter>> TakeAsync(
        string queue,
        int max,
        string? messageId,
        Func<TakenDeadLetter, CancellationToken, Task> beforeRemoving,
        Func<TakenDeadLetter, CancellationToken, Task> afterRemoving,
        CancellationToken cancellationToken)
    {
        var taken = new List<DeadLetter>();
        await ScanAsync(queue, async (letter, token) =>
        {
            if (messageId is not null && letter.Letter.MessageId != messageId)
            {
                return Scan.Leave;
            }

            await beforeRemoving(letter, token);
            taken.Add(letter.Letter);
            return taken.Count < max ? Scan.Remove : Scan.RemoveAndStop;
        }, afterRemoving, cancellationToken);
        return taken;
    }

    private enum Scan
    {
        Leave,
        LeaveAndStop,
        Remove,
        RemoveAndStop,
    }

    private Task ScanAsync(string queue, Func<TakenDeadLetter, CancellationToken, Task<Scan>> decide, CancellationToken cancellationToken) =>
        ScanAsync(queue, decide, (_, _) => Task.CompletedTask, cancellationToken);

    /// <summary>
    /// Looks at the letters waiting now, oldest first, each once: a letter that fails again after a replay lands behind
    /// them and is not looked at again in the same call. What is left is returned to the queue at the end.
    /// </summary>
    private async Task ScanAsync(
        string queue,
        Func<TakenDeadLetter, CancellationToken, Task<Scan>> decide,
        Func<TakenDeadLetter, CancellationToken, Task> afterRemoving,
        CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var amqp = await connection.GetAsync(cancellationToken);
            await using var channel = await amqp.CreateChannelAsync(cancellationToken: cancellationToken);
            var deadQueue = Topology.DeadLetterQueueFor(queue);
            var waiting = Math.Min(await channel.MessageCountAsync(deadQueue, cancellationToken), MaxScanned);
            ulong? lastLeft = null;
            var removed = 0u;
            try
            {
                for (var looked = 0; looked < waiting; looked++)
                {
                    var result = await channel.BasicGetAsync(deadQueue, autoAck: false, cancellationToken);
                    if (result is null)
                    {
                        break;
                    }

                    var taken = Take(queue, result);
                    var decision = await decide(taken, cancellationToken);
                    if (decision is Scan.Remove or Scan.RemoveAndStop)
                    {
                        await channel.BasicAckAsync(result.DeliveryTag, multiple: false, cancellationToken);
                        removed++;
                        await afterRemoving(taken, cancellationToken);
                    }
                    else
                    {
                        lastLeft = result.DeliveryTag;
                    }

                    if (decision is Scan.LeaveAndStop or Scan.RemoveAndStop)
                    {
                        break;
                    }
                }
            }
            finally
            {
                // Back to the queue at once; if this fails, closing the channel returns them all the same.
                if (lastLeft is { } tag && channel.IsOpen)
                {
                    await channel.BasicNackAsync(tag, multiple: true, requeue: true, CancellationToken.None);
                    await WaitUntilReturnedAsync(channel, deadQueue, waiting - removed);
                }
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// A quorum queue takes returned messages back a moment after the nack: until it has, the next call (a discard just
    /// after a read) would not see them and answer that the letter is not there. Waits for them, a second at most.
    /// </summary>
    private static async Task WaitUntilReturnedAsync(IChannel channel, string deadQueue, uint expected)
    {
        for (var attempt = 0; attempt < 40; attempt++)
        {
            if (await channel.MessageCountAsync(deadQueue, CancellationToken.None) >= expected)
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), CancellationToken.None);
        }
    }

    private static TakenDeadLetter Take(string queue, BasicGetResult result)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in result.BasicProperties.Headers ?? new Dictionary<string, object?>())
        {
            if (MessagingTelemetry.HeaderText(value) is { } text)
            {
                headers[key] = text;
            }
        }

        return new TakenDeadLetter(queue, Describe(result.BasicProperties, result.Body), result.Body.ToArray(), headers);
    }

    internal static DeadLetter Describe(IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        var headers = properties.Headers;
        string? Text(string key) => headers is not null && headers.TryGetValue(key, out var value) ? MessagingTelemetry.HeaderText(value) : null;

        // A message the broker dead-lettered itself (delivery limit) carries x-first-death-reason instead of ours.
        var reason = Text(MessageHeaders.DeadLetterReason) ?? Text("x-first-death-reason");
        // The broker does not say how often it delivered a message it dead-lettered at its delivery limit: unknown then.
        int? attempts = int.TryParse(Text(MessageHeaders.DeadLetterAttempts), NumberStyles.None, CultureInfo.InvariantCulture, out var counted)
            ? counted
            : null;
        var at = Text(MessageHeaders.DeadLetteredAt)
            ?? (properties.Timestamp.UnixTime > 0
                ? DateTimeOffset.FromUnixTimeSeconds(properties.Timestamp.UnixTime).ToString("O", CultureInfo.InvariantCulture)
                : null);
        return new DeadLetter(properties.MessageId, properties.Type, properties.ContentType, reason, attempts, at, body.Length,
            DeadLetterPreview.Of(properties.Type, properties.ContentType, body));
    }
}
