using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Orbital.Messaging;

/// <summary>
/// Remembers, across processes (in Redis), each message a consumer is handling alone, so that a message whose handling
/// ends the process (a crash, an out-of-memory kill) is known for it when the broker gives it out again. A handling that
/// finishes forgets its mark; a mark still there at the next delivery is a handling that never finished. Without Redis
/// (not registered, or down) nothing is counted, and the broker's delivery limit remains the last resort.
/// </summary>
public sealed partial class CrashAccounting(IConnectionMultiplexer? redis, ILogger<CrashAccounting> logger)
{
    /// <summary>Long enough to outlive any redelivery; short enough that marks of abandoned messages go away.</summary>
    private static readonly TimeSpan MarkLifetime = TimeSpan.FromDays(1);

    /// <summary>Marks the start of a handling; returns how many earlier handlings of the message never finished, or null if that cannot be known.</summary>
    public async Task<long?> BeginAsync(string queue, string? messageId)
    {
        if (redis is not { IsConnected: true } || messageId is null)
        {
            return null;
        }

        try
        {
            var database = redis.GetDatabase();
            var key = Key(queue, messageId);
            var handlings = await database.StringIncrementAsync(key);
            _ = database.KeyExpireAsync(key, MarkLifetime, flags: CommandFlags.FireAndForget);
            return handlings - 1;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.CannotCount(logger, queue, messageId, ex.Message);
            return null;
        }
    }

    /// <summary>The handling finished (whatever its outcome): the message did not take the process down.</summary>
    public async Task EndAsync(string queue, string? messageId)
    {
        if (redis is not { IsConnected: true } || messageId is null)
        {
            return;
        }

        try
        {
            await redis.GetDatabase().KeyDeleteAsync(Key(queue, messageId));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The mark expires; until then a redelivery would count one handling too many.
            Log.CannotCount(logger, queue, messageId, ex.Message);
        }
    }

    private static RedisKey Key(string queue, string messageId) =>
        string.Create(CultureInfo.InvariantCulture, $"orbital:messaging:handling:{queue}:{messageId}");

    private static partial class Log
    {
        [LoggerMessage(EventId = 3120, Level = LogLevel.Warning, Message = "Cannot count handlings of message {MessageId} from {Queue} in Redis: {Reason}")]
        public static partial void CannotCount(ILogger logger, string queue, string messageId, string reason);
    }
}
