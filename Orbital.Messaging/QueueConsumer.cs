using System.Diagnostics;
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
/// A delivery the broker gives out again (its consumer died, or the channel closed, with it in hand) is handled alone,
/// counted in <see cref="CrashAccounting"/>: one that took the process down <see cref="MessagingOptions.CrashLimit"/> times
/// is dead-lettered with that reason, and the messages that were in hand with it are not blamed.
/// </summary>
public sealed partial class QueueConsumer<THandler>(
    ConsumerBinding binding,
    RabbitMqConnection connection,
    IMessagePublisher publisher,
    IServiceScopeFactory scopes,
    IOptions<MessagingOptions> options,
    ConsumerStatus status,
    CrashAccounting crashes,
    TimeProvider time,
    ILogger<QueueConsumer<THandler>> logger) : BackgroundService where THandler : IMessageHandler
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abortHandling = new();
    private readonly Lock _inFlightLock = new();
    private readonly HandlingGate _gate = new();
    private readonly DeliverySettlement _settlement = new(binding, publisher, time, logger);
    private readonly HandlingRetries<THandler> _retries = new(binding, scopes, options, time, logger);
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
            if (pending.Message.Redelivered)
            {
                await HandleAloneAsync(pending);
            }
            else
            {
                using var _ = await _gate.EnterSharedAsync();
                await HandleOneAsync(pending);
            }
        }
        finally
        {
            LeaveInFlight();
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
                Log.DeadLettering(logger, binding.Queue, pending.Message.MessageId, (int)unfinished, reason);
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

                // Redelivered messages first and each alone (they were ahead in the queue), then the rest together.
                foreach (var suspect in batch.Where(p => p.Message.Redelivered))
                {
                    await HandleAloneAsync(suspect);
                }

                var ordinary = batch.Where(p => !p.Message.Redelivered).ToList();
                using var _ = await _gate.EnterSharedAsync();
                if (ordinary.Count == 1)
                {
                    await HandleOneAsync(ordinary[0]);
                }
                else if (ordinary.Count > 1)
                {
                    await HandleBatchAsync(ordinary);
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
            await _settlement.SettleAsync(pending, Outcome.Handled.Instance, activity: null);
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
        var outcome = await _retries.HandleAsync(pending.Message, _abortHandling.Token, _stopping.Token);
        MessagingTelemetry.HandlingDuration.Record(time.GetElapsedTime(started).TotalSeconds,
            new KeyValuePair<string, object?>("queue", binding.Queue));
        await _settlement.SettleAsync(pending, outcome, activity);
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

    internal static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Consuming {Queue} (bound to {Exchange}) with prefetch {Prefetch}")]
        public static partial void Consuming(ILogger logger, string queue, string exchange, ushort prefetch);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Channel of {Queue} was closed by the broker; reopening it")]
        public static partial void ChannelLost(ILogger logger, string queue);

        [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Consumer of {Queue} failed to start: {Reason}; trying again")]
        public static partial void ConsumerFailed(ILogger logger, string queue, string reason);


        [LoggerMessage(EventId = 3105, Level = LogLevel.Error, Message = "Message {MessageId} from {Queue} dead-lettered after {Attempts} attempt(s): {Reason}")]
        internal static partial void DeadLettering(ILogger logger, string queue, string? messageId, int attempts, string reason);


        [LoggerMessage(EventId = 3107, Level = LogLevel.Debug, Message = "Cancelling the consumer of {Queue} failed: {Reason}")]
        public static partial void CancelFailed(ILogger logger, string queue, string reason);

        [LoggerMessage(EventId = 3108, Level = LogLevel.Warning, Message = "A batch of {Count} messages from {Queue} failed ({Reason}); handling them one by one")]
        public static partial void BatchFailed(ILogger logger, string queue, int count, string reason);

        [LoggerMessage(EventId = 3109, Level = LogLevel.Error, Message = "Handling a batch from {Queue} stopped unexpectedly: {Reason}; its messages come back from the broker")]
        public static partial void BatchLoopFailed(ILogger logger, string queue, string reason);
    }
}
