using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Orbital.Messaging;

/// <summary>Which queue a consumer reads and which exchange feeds it.</summary>
public sealed record ConsumerBinding(string Queue, string Exchange);

/// <summary>
/// Reads one queue: acknowledges a delivery only after its handler has returned (so after the handler's commit),
/// retries failures with back-off, dead-letters with the reason what cannot be handled, and on shutdown
/// stops taking deliveries and lets the ones in hand finish. A handler that is also an <see cref="IMessageBatchHandler"/>
/// gets the deliveries waiting in hand together (up to <see cref="MessagingOptions.BatchSize"/>), in queue order.
/// </summary>
public sealed partial class QueueConsumer<THandler>(
    ConsumerBinding binding,
    RabbitMqConnection connection,
    IMessagePublisher publisher,
    IServiceScopeFactory scopes,
    IOptions<MessagingOptions> options,
    ConsumerStatus status,
    TimeProvider time,
    ILogger<QueueConsumer<THandler>> logger) : BackgroundService where THandler : IMessageHandler
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abortHandling = new();
    private readonly Lock _inFlightLock = new();
    private int _inFlight;
    private TaskCompletionSource _drained = CompletedSource();
    private readonly bool _handlesBatches = typeof(IMessageBatchHandler).IsAssignableFrom(typeof(THandler));
    private readonly Channel<PendingDelivery> _inHand = Channel.CreateUnbounded<PendingDelivery>(new UnboundedChannelOptions { AllowSynchronousContinuations = false });
    private Task[] _batchLoops = [];
    private IChannel? _channel;
    private string? _consumerTag;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _stopping.Token);
        var token = linked.Token;
        var settings = options.Value;
        status.NotConsuming(binding.Queue, "starting");
        if (_handlesBatches)
        {
            // The broker's dispatch only queues a delivery here; these loops do the work, so that deliveries pile up
            // while a batch is being handled and the next batch takes them all at once.
            _batchLoops = [.. Enumerable.Range(0, settings.ConsumerConcurrency).Select(_ => Task.Run(HandleBatchesAsync, CancellationToken.None))];
        }

        while (!token.IsCancellationRequested)
        {
            try
            {
                var amqp = await connection.WaitAsync(token);
                var channel = await amqp.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false,
                        consumerDispatchConcurrency: _handlesBatches ? (ushort)1 : settings.ConsumerConcurrency),
                    token);
                _channel = channel;

                await Topology.DeclareConsumerQueueAsync(channel, binding.Queue, binding.Exchange, settings.DeliveryLimit, token);
                await channel.BasicQosAsync(prefetchSize: 0, prefetchCount: settings.Prefetch, global: false, token);

                // A channel closed by the broker for an error is gone for good; a connection failure is
                // recovered by the client, channel and consumer included.
                var channelLost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                channel.ChannelShutdownAsync += (_, args) =>
                {
                    if (args.Initiator != ShutdownInitiator.Application && amqp.IsOpen)
                    {
                        channelLost.TrySetResult();
                    }

                    return Task.CompletedTask;
                };

                var consumer = new AsyncEventingBasicConsumer(channel);
                consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(channel, delivery);
                _consumerTag = await channel.BasicConsumeAsync(binding.Queue, autoAck: false, consumer, token);
                status.Consuming(binding.Queue);
                Log.Consuming(logger, binding.Queue, binding.Exchange, settings.Prefetch);

                await channelLost.Task.WaitAsync(token);
                status.NotConsuming(binding.Queue, "the broker closed the consumer's channel");
                Log.ChannelLost(logger, binding.Queue);
                channel.Dispose();
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                status.NotConsuming(binding.Queue, ex.GetBaseException().Message);
                Log.ConsumerFailed(logger, binding.Queue, ex.GetBaseException().Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), time, token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Take no new deliveries, stop waiting between retries, and let what is in hand finish.
        await _stopping.CancelAsync();
        if (_channel is { IsOpen: true } channel && _consumerTag is { } tag)
        {
            try
            {
                await channel.BasicCancelAsync(tag, noWait: false, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.CancelFailed(logger, binding.Queue, ex.GetBaseException().Message);
            }
        }

        _inHand.Writer.TryComplete();
        Task drained;
        lock (_inFlightLock)
        {
            drained = _drained.Task;
        }

        try
        {
            await drained.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown deadline: abandon what is still running; the broker redelivers it.
            await _abortHandling.CancelAsync();
        }

        await Task.WhenAll(_batchLoops).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await base.StopAsync(cancellationToken);
        if (_channel is { IsOpen: true } open)
        {
            await AmqpShutdown.RunBoundedAsync(() => open.CloseAsync(), $"closing the channel of {binding.Queue}", logger);
        }
    }

    private async Task OnDeliveryAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        EnterInFlight();
        var headers = delivery.BasicProperties.Headers ?? new Dictionary<string, object?>();
        var pending = new PendingDelivery(
            channel,
            delivery.DeliveryTag,
            new IncomingMessage(
                delivery.Body.ToArray(),
                delivery.BasicProperties.MessageId,
                delivery.BasicProperties.Type,
                delivery.BasicProperties.ContentType,
                new Dictionary<string, object?>(headers),
                delivery.Redelivered,
                binding.Queue)
            {
                TraceParent = MessagingTelemetry.ExtractTraceContext(delivery.BasicProperties.Headers),
            });

        if (_handlesBatches)
        {
            if (!_inHand.Writer.TryWrite(pending))
            {
                // Stopping: left unacknowledged, the broker gives it to another consumer.
                LeaveInFlight();
            }

            return;
        }

        try
        {
            await HandleOneAsync(pending);
        }
        finally
        {
            LeaveInFlight();
        }
    }

    private async Task HandleBatchesAsync()
    {
        var batchSize = options.Value.BatchSize;
        while (await _inHand.Reader.WaitToReadAsync(CancellationToken.None))
        {
            var batch = new List<PendingDelivery>(batchSize);
            while (batch.Count < batchSize && _inHand.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            try
            {
                if (_abortHandling.IsCancellationRequested || batch.Count == 0)
                {
                    continue;
                }

                if (batch.Count == 1)
                {
                    await HandleOneAsync(batch[0]);
                }
                else
                {
                    await HandleBatchAsync(batch);
                }
            }
            catch (Exception ex)
            {
                Log.BatchLoopFailed(logger, binding.Queue, ex.GetBaseException().Message);
            }
            finally
            {
                foreach (var _ in batch)
                {
                    LeaveInFlight();
                }
            }
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

        var started = time.GetTimestamp();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var handler = (IMessageBatchHandler)scope.ServiceProvider.GetRequiredService<THandler>();
            await handler.HandleBatchAsync([.. batch.Select(p => p.Message)], _abortHandling.Token);
        }
        catch (OperationCanceledException) when (_abortHandling.IsCancellationRequested)
        {
            // The host's shutdown deadline: left unacknowledged, the batch comes back from the broker.
            return true;
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetBaseException().Message);
            Log.BatchFailed(logger, binding.Queue, batch.Count, ex.GetBaseException().Message);
            return false;
        }

        // Measured once per batch: recording the batch's time for each of its deliveries would read as slow deliveries.
        var queue = new KeyValuePair<string, object?>("queue", binding.Queue);
        MessagingTelemetry.BatchDuration.Record(time.GetElapsedTime(started).TotalSeconds, queue);
        MessagingTelemetry.BatchSize.Record(batch.Count, queue);
        foreach (var pending in batch)
        {
            await SettleAsync(pending, Outcome.Handled.Instance, activity: null);
        }

        return true;
    }

    private async Task HandleOneAsync(PendingDelivery pending)
    {
        using var activity = MessagingTelemetry.Source.StartActivity($"process {binding.Queue}", ActivityKind.Consumer, pending.Message.TraceParent);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.destination.name", binding.Queue);
        activity?.SetTag("messaging.message.id", pending.Message.MessageId);

        var started = time.GetTimestamp();
        var outcome = await HandleWithRetriesAsync(pending.Message);
        MessagingTelemetry.HandlingDuration.Record(time.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>("queue", binding.Queue));
        await SettleAsync(pending, outcome, activity);
    }

    private async Task SettleAsync(PendingDelivery pending, Outcome outcome, Activity? activity)
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

    private async Task<Outcome> HandleWithRetriesAsync(IncomingMessage message)
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
                await handler.HandleAsync(message, _abortHandling.Token);
                return Outcome.Handled.Instance;
            }
            catch (OperationCanceledException) when (_abortHandling.IsCancellationRequested)
            {
                return Outcome.Requeue.Instance;
            }
            catch (Exception ex)
            {
                var kind = FailureClassifier.Classify(ex);
                var reason = $"{ex.GetType().Name}: {ex.GetBaseException().Message}";
                if (kind == FailureKind.Poison)
                {
                    Log.DeadLettering(logger, binding.Queue, message.MessageId, attempt, reason);
                    return new Outcome.DeadLetter(reason, attempt);
                }

                if (kind == FailureKind.Failed && ++failedAttempts >= settings.MaxHandlingAttempts)
                {
                    Log.DeadLettering(logger, binding.Queue, message.MessageId, attempt, reason);
                    return new Outcome.DeadLetter(reason, attempt);
                }

                MessagingTelemetry.Retried.Add(1, new KeyValuePair<string, object?>("queue", binding.Queue));
                var delay = Backoff(settings, attempt);
                Log.Retrying(logger, binding.Queue, message.MessageId, attempt, delay.TotalMilliseconds, reason);
                try
                {
                    await Task.Delay(delay, time, _stopping.Token);
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

    private void EnterInFlight()
    {
        lock (_inFlightLock)
        {
            if (_inFlight++ == 0)
            {
                _drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private void LeaveInFlight()
    {
        lock (_inFlightLock)
        {
            if (--_inFlight == 0)
            {
                _drained.TrySetResult();
            }
        }
    }

    private static TaskCompletionSource CompletedSource()
    {
        var source = new TaskCompletionSource();
        source.SetResult();
        return source;
    }

    public override void Dispose()
    {
        _stopping.Dispose();
        _abortHandling.Dispose();
        if (_channel is { } channel)
        {
            AmqpShutdown.RunBounded(channel.Dispose, $"disposing the channel of {binding.Queue}", logger);
        }

        base.Dispose();
    }

    /// <summary>A delivery taken from the broker and not yet settled.</summary>
    private sealed record PendingDelivery(IChannel Channel, ulong DeliveryTag, IncomingMessage Message);

    private abstract record Outcome
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

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Consuming {Queue} (bound to {Exchange}) with prefetch {Prefetch}")]
        public static partial void Consuming(ILogger logger, string queue, string exchange, ushort prefetch);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Channel of {Queue} was closed by the broker; reopening it")]
        public static partial void ChannelLost(ILogger logger, string queue);

        [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Consumer of {Queue} failed to start: {Reason}; trying again")]
        public static partial void ConsumerFailed(ILogger logger, string queue, string reason);

        [LoggerMessage(EventId = 3104, Level = LogLevel.Warning, Message = "Message {MessageId} from {Queue} failed (attempt {Attempt}); retrying in {DelayMs} ms: {Reason}")]
        public static partial void Retrying(ILogger logger, string queue, string? messageId, int attempt, double delayMs, string reason);

        [LoggerMessage(EventId = 3105, Level = LogLevel.Error, Message = "Message {MessageId} from {Queue} dead-lettered after {Attempts} attempt(s): {Reason}")]
        public static partial void DeadLettering(ILogger logger, string queue, string? messageId, int attempts, string reason);

        [LoggerMessage(EventId = 3106, Level = LogLevel.Warning, Message = "Could not settle message {MessageId} from {Queue}; the broker will redeliver it: {Reason}")]
        public static partial void AckFailed(ILogger logger, string queue, string? messageId, string reason);

        [LoggerMessage(EventId = 3107, Level = LogLevel.Debug, Message = "Cancelling the consumer of {Queue} failed: {Reason}")]
        public static partial void CancelFailed(ILogger logger, string queue, string reason);

        [LoggerMessage(EventId = 3108, Level = LogLevel.Warning, Message = "A batch of {Count} messages from {Queue} failed ({Reason}); handling them one by one")]
        public static partial void BatchFailed(ILogger logger, string queue, int count, string reason);

        [LoggerMessage(EventId = 3109, Level = LogLevel.Error, Message = "Handling a batch from {Queue} stopped unexpectedly: {Reason}; its messages come back from the broker")]
        public static partial void BatchLoopFailed(ILogger logger, string queue, string reason);
    }
}
