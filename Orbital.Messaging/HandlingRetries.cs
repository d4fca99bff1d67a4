using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orbital.Messaging;

/// <summary>
/// Runs a message through its handler, each attempt in a DI scope of its own, and decides the outcome: handled; retried
/// with back-off while the failure is transient (for as long as it takes) or a few times when it is not; dead-lettered
/// at once when it is poison or after those few; given back when the service is stopping.
/// </summary>
internal sealed partial class HandlingRetries<THandler>(
    ConsumerBinding binding,
    IServiceScopeFactory scopes,
    IOptions<MessagingOptions> options,
    TimeProvider time,
    ILogger logger) where THandler : IMessageHandler
{
    public async Task<Outcome> HandleAsync(IncomingMessage message, CancellationToken abortHandling, CancellationToken stopping)
    {
        var settings = options.Value;
        var attempt = 0;
        var failedAttempts = 0;
        while (true)
        {
            attempt++;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var handler = scope.ServiceProvider.GetRequiredService<THandler>();
                await handler.HandleAsync(message, abortHandling);
                return Outcome.Handled.Instance;
            }
            catch (OperationCanceledException) when (abortHandling.IsCancellationRequested)
            {
                return Outcome.Requeue.Instance;
            }
            catch (Exception ex)
            {
                var kind = FailureClassifier.Classify(ex);
                var reason = $"{ex.GetType().Name}: {ex.GetBaseException().Message}";
                if (kind == FailureKind.Poison)
                {
                    MessagingLog.DeadLettering(logger, binding.Queue, message.MessageId, attempt, reason);
                    return new Outcome.DeadLetter(reason, attempt);
                }

                if (kind == FailureKind.Failed && ++failedAttempts >= settings.MaxHandlingAttempts)
                {
                    MessagingLog.DeadLettering(logger, binding.Queue, message.MessageId, attempt, reason);
                    return new Outcome.DeadLetter(reason, attempt);
                }

                MessagingTelemetry.Retried.Add(1, new KeyValuePair<string, object?>("queue", binding.Queue));
                var delay = Backoff(settings, attempt);
                Log.Retrying(logger, binding.Queue, message.MessageId, attempt, delay.TotalMilliseconds, reason);
                try
                {
                    await Task.Delay(delay, time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return Outcome.Requeue.Instance;
                }
            }
        }
    }

    private static TimeSpan Backoff(MessagingOptions settings, int attempt)
    {
        var exponential = settings.RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 16));
        var capped = Math.Min(exponential, settings.RetryMaxDelay.TotalMilliseconds);
        // Jitter keeps many consumers from hammering a recovering server in step.
        return TimeSpan.FromMilliseconds(capped * (0.8 + (Random.Shared.NextDouble() * 0.4)));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Message {MessageId} from {Queue} failed (attempt {Attempt}); retrying in {DelayMs} ms: {Reason}")]
        public static partial void Retrying(ILogger logger, string queue, string? messageId, int attempt, double delayMs, string reason);
    }
}
