using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Orbital.Messaging;

/// <summary>
/// What happens to deliveries a consumer has taken: handled one by one or, for an <see cref="IMessageBatchHandler"/>,
/// together (each on its own if that fails), each settled with its outcome. A delivery the broker gives out again (its
/// consumer died, or the channel closed, with it in hand) is handled alone and counted in <see cref="CrashAccounting"/>:
/// one that took the process down <see cref="MessagingOptions.CrashLimit"/> times is dead-lettered with that reason, and
/// the messages that were in hand with it are not blamed.
/// </summary>
internal sealed class DeliveryHandling<THandler>(
    ConsumerBinding binding,
    IServiceScopeFactory scopes,
    IMessagePublisher publisher,
    IOptions<MessagingOptions> options,
    CrashAccounting crashes,
    TimeProvider time,
    ILogger logger,
    CancellationToken abortHandling,
    CancellationToken stopping) where THandler : IMessageHandler
{
    private readonly HandlingGate _gate = new();
    private readonly DeliverySettlement _settlement = new(binding, publisher, time, logger);
    private readonly HandlingRetries<THandler> _retries = new(binding, scopes, options, time, logger);

    /// <summary>Deliveries taken together, in queue order: redelivered ones first and each alone (they were ahead in the queue), then the rest together.</summary>
    public async Task HandleAsync(IReadOnlyList<PendingDelivery> deliveries)
    {
        foreach (var suspect in deliveries.Where(p => p.Message.Redelivered))
        {
            await HandleAloneAsync(suspect);
        }

        var ordinary = deliveries.Where(p => !p.Message.Redelivered).ToList();
        if (ordinary.Count == 0)
        {
            return;
        }

        using var _ = await _gate.EnterSharedAsync();
        if (ordinary.Count == 1)
        {
            await HandleOneAsync(ordinary[0]);
        }
        else
        {
            await HandleBatchAsync(ordinary);
        }
    }

    /// <summary>A redelivered message, with nothing else running beside it, and dead-lettered if it keeps ending the process.</summary>
    private async Task HandleAloneAsync(PendingDelivery pending)
    {
        using var alone = await _gate.EnterAloneAsync();
        var unfinished = await crashes.BeginAsync(binding.Queue, pending.Message.MessageId);
        try
        {
            if (unfinished >= options.Value.CrashLimit)
            {
                var reason = $"The consumer's process ended {unfinished} times while handling this message alone (a crash or a kill), so it is not tried again.";
                MessagingLog.DeadLettering(logger, binding.Queue, pending.Message.MessageId, (int)unfinished, reason);
                await _settlement.SettleAsync(pending, new Outcome.DeadLetter(reason, (int)unfinished), activity: null);
                return;
            }

            await HandleOneAsync(pending);
        }
        finally
        {
            await crashes.EndAsync(binding.Queue, pending.Message.MessageId);
        }
    }

    private async Task HandleBatchAsync(List<PendingDelivery> batch)
    {
        if (await TryHandleTogetherAsync(batch))
        {
            return;
        }

        // One message that cannot be handled must not hold back the others: each is handled on its own,
        // with its own retries and dead-lettering.
        foreach (var pending in batch)
        {
            await HandleOneAsync(pending);
        }
    }

    /// <summary>The whole batch through the handler at once; false if it failed and nothing of it was settled.</summary>
    private async Task<bool> TryHandleTogetherAsync(List<PendingDelivery> batch)
    {
        using var activity = MessagingTelemetry.Source.StartActivity(
            ActivityKind.Consumer, parentContext: default, name: $"process {binding.Queue}", links: [.. batch.Select(p => new ActivityLink(p.Message.TraceParent))]);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.destination.name", binding.Queue);
        activity?.SetTag("messaging.batch.message_count", batch.Count);
        // The batch is one span linked to each message's trace; the work for each message is a span in that message's
        // own trace (linked back to the batch), and the handler continues from it, so one order stays one trace.
        var perMessage = StartPerMessageSpans(batch, activity);

        var started = time.GetTimestamp();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var handler = (IMessageBatchHandler)scope.ServiceProvider.GetRequiredService<THandler>();
            await handler.HandleBatchAsync([.. batch.Select((p, i) => perMessage[i] is { } span ? p.Message with { TraceParent = span.Context } : p.Message)], abortHandling);
        }
        catch (OperationCanceledException) when (abortHandling.IsCancellationRequested)
        {
            // The host's shutdown deadline: left unacknowledged, the batch comes back from the broker.
            StopAll(perMessage, "shutting down; the broker delivers it again");
            return true;
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetBaseException().Message);
            MessagingLog.BatchFailed(logger, binding.Queue, batch.Count, ex.GetBaseException().Message);
            StopAll(perMessage, "its batch failed; handled on its own next");
            return false;
        }

        StopAll(perMessage, error: null);

        // Measured once per batch: recording the batch's time for each of its deliveries would read as slow deliveries.
        var queue = new KeyValuePair<string, object?>("queue", binding.Queue);
        MessagingTelemetry.BatchDuration.Record(time.GetElapsedTime(started).TotalSeconds, queue);
        MessagingTelemetry.BatchSize.Record(batch.Count, queue);
        foreach (var pending in batch)
        {
            await _settlement.SettleAsync(pending, Outcome.Handled.Instance, activity: null);
        }

        return true;
    }

    private Activity?[] StartPerMessageSpans(List<PendingDelivery> batch, Activity? batchSpan)
    {
        var spans = new Activity?[batch.Count];
        if (batchSpan is null)
        {
            return spans;
        }

        ActivityLink[] toBatch = [new(batchSpan.Context)];
        for (var i = 0; i < batch.Count; i++)
        {
            spans[i] = MessagingTelemetry.Source.StartActivity($"process {binding.Queue}", ActivityKind.Consumer, batch[i].Message.TraceParent, links: toBatch);
            spans[i]?.SetTag("messaging.system", "rabbitmq");
            spans[i]?.SetTag("messaging.destination.name", binding.Queue);
            spans[i]?.SetTag("messaging.message.id", batch[i].Message.MessageId);
            // Not the current span: what runs next belongs to the batch, not to this message.
            Activity.Current = batchSpan;
        }

        return spans;
    }

    private static void StopAll(Activity?[] spans, string? error)
    {
        foreach (var span in spans)
        {
            if (error is not null)
            {
                span?.SetStatus(ActivityStatusCode.Error, error);
            }

            span?.Dispose();
        }
    }

    private async Task HandleOneAsync(PendingDelivery pending)
    {
        using var activity = MessagingTelemetry.Source.StartActivity($"process {binding.Queue}", ActivityKind.Consumer, pending.Message.TraceParent);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.destination.name", binding.Queue);
        activity?.SetTag("messaging.message.id", pending.Message.MessageId);

        var started = time.GetTimestamp();
        var message = activity is null ? pending.Message : pending.Message with { TraceParent = activity.Context };
        var outcome = await _retries.HandleAsync(message, abortHandling, stopping);
        MessagingTelemetry.HandlingDuration.Record(time.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>("queue", binding.Queue));
        await _settlement.SettleAsync(pending, outcome, activity);
    }
}
