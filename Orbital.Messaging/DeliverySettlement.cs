using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Orbital.Messaging;

/// <summary>
/// Settles a delivery with the broker once its handling has an outcome: acknowledged, dead-lettered (published to the
/// queue's dead-letter exchange with the reason, then acknowledged) or given back.
/// </summary>
internal sealed partial class DeliverySettlement(ConsumerBinding binding, IMessagePublisher publisher, TimeProvider time, ILogger logger)
{
    public async Task SettleAsync(PendingDelivery pending, Outcome outcome, Activity? activity)
    {
        try
        {
            switch (outcome)
            {
                case Outcome.Handled:
                    await pending.Channel.BasicAckAsync(pending.DeliveryTag, multiple: false, CancellationToken.None);
                    MessagingTelemetry.Handled.Add(1, new KeyValuePair<string, object?>("queue", binding.Queue));
                    break;
                case Outcome.DeadLetter deadLetter:
                    activity?.SetStatus(ActivityStatusCode.Error, deadLetter.Reason);
                    await DeadLetterAsync(pending.Message, deadLetter);
                    await pending.Channel.BasicAckAsync(pending.DeliveryTag, multiple: false, CancellationToken.None);
                    break;
                case Outcome.Requeue:
                    await pending.Channel.BasicNackAsync(pending.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
                    break;
            }
        }
        catch (Exception ex)
        {
            // The broker is gone or the channel closed: the delivery was not acknowledged and comes back.
            Log.AckFailed(logger, binding.Queue, pending.Message.MessageId, ex.GetBaseException().Message);
        }
    }

    private async Task DeadLetterAsync(IncomingMessage original, Outcome.DeadLetter deadLetter)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in original.Headers)
        {
            if (MessagingTelemetry.HeaderText(value) is { } text)
            {
                headers[key] = text;
            }
        }

        headers[MessageHeaders.DeadLetterReason] = deadLetter.Reason;
        headers[MessageHeaders.DeadLetterAttempts] = deadLetter.Attempts.ToString(CultureInfo.InvariantCulture);
        headers[MessageHeaders.DeadLetteredAt] = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        headers[MessageHeaders.SourceQueue] = binding.Queue;
        headers[MessageHeaders.SourceExchange] = binding.Exchange;

        var message = new OutgoingMessage(
            original.Body.ToArray(),
            original.MessageId ?? Guid.NewGuid().ToString("N"),
            original.Type ?? string.Empty,
            original.ContentType ?? string.Empty,
            headers);
        await publisher.PublishAsync(Topology.DeadLetterExchangeFor(binding.Queue), message, CancellationToken.None);
        MessagingTelemetry.DeadLettered.Add(1, new KeyValuePair<string, object?>("queue", binding.Queue));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "Could not settle message {MessageId} from {Queue}; the broker will redeliver it: {Reason}")]
        public static partial void AckFailed(ILogger logger, string queue, string? messageId, string reason);
    }
}

/// <summary>A delivery taken from the broker and not yet settled.</summary>
internal sealed record PendingDelivery(IChannel Channel, ulong DeliveryTag, IncomingMessage Message);

internal abstract record Outcome
{
    public sealed record Handled : Outcome
    {
        public static readonly Handled Instance = new();
    }

    public sealed record Requeue : Outcome
    {
        public static readonly Requeue Instance = new();
    }

    public sealed record DeadLetter(string Reason, int Attempts) : Outcome;
}
