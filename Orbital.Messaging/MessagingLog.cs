using Microsoft.Extensions.Logging;

namespace Orbital.Messaging;

internal static partial class MessagingLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Connected to RabbitMQ at {Endpoint}")]
    public static partial void Connected(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "RabbitMQ unreachable, trying again in {DelaySeconds} s: {Reason}")]
    public static partial void BrokerUnreachable(ILogger logger, double delaySeconds, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Publish to {Exchange} of {MessageId} was not confirmed: {Reason}")]
    public static partial void PublishFailed(ILogger logger, string exchange, string messageId, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug, Message = "Closing a channel failed: {Reason}")]
    public static partial void CloseFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 3105, Level = LogLevel.Error, Message = "Message {MessageId} from {Queue} dead-lettered after {Attempts} attempt(s): {Reason}")]
    public static partial void DeadLettering(ILogger logger, string queue, string? messageId, int attempts, string reason);

    [LoggerMessage(EventId = 3108, Level = LogLevel.Warning, Message = "A batch of {Count} messages from {Queue} failed ({Reason}); handling them one by one")]
    public static partial void BatchFailed(ILogger logger, string queue, int count, string reason);
}
