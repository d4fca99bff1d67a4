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
    private DeliveryHandling<THandler>? _handling;
    private readonly Lock _inFlightLock = new();
    private int _inFlight;
    private TaskCompletionSource _drained = CompletedSource();
    private readonly bool _handlesBatches = typeof(IMessageBatchHandler).IsAssignableFrom(typeof(THandler));
    private readonly Channel<PendingDelivery> _inHand = Channel.CreateUnbounded<PendingDelivery>(new UnboundedChannelOptions { AllowSynchronousContinuations = false });
    private Task[] _batchLoops = [];
    private IChannel? _channel;
    private string? _consumerTag;

    /// <summary>Made when the consumer starts (it needs the consumer's own cancellation), before any delivery can arrive.</summary>
    private DeliveryHandling<THandler> Handling =>
        _handling ?? throw new InvalidOperationException("Deliveries arrive only once the consumer has started.");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _stopping.Token);
        var token = linked.Token;
        var settings = options.Value;
        _handling = new(binding, scopes, publisher, options, crashes, time, logger, _abortHandling.Token, _stopping.Token);
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
        status.Took(binding.Queue, delivery.BasicProperties.Timestamp.UnixTime);
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
            await Handling.HandleAsync([pending]);
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

                await Handling.HandleAsync(batch);
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

    private static partial class Log
    {
        [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Consuming {Queue} (bound to {Exchange}) with prefetch {Prefetch}")]
        public static partial void Consuming(ILogger logger, string queue, string exchange, ushort prefetch);

        [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Channel of {Queue} was closed by the broker; reopening it")]
        public static partial void ChannelLost(ILogger logger, string queue);

        [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "Consumer of {Queue} failed to start: {Reason}; trying again")]
        public static partial void ConsumerFailed(ILogger logger, string queue, string reason);

        [LoggerMessage(EventId = 3107, Level = LogLevel.Debug, Message = "Cancelling the consumer of {Queue} failed: {Reason}")]
        public static partial void CancelFailed(ILogger logger, string queue, string reason);

        [LoggerMessage(EventId = 3109, Level = LogLevel.Error, Message = "Handling a batch from {Queue} stopped unexpectedly: {Reason}; its messages come back from the broker")]
        public static partial void BatchLoopFailed(ILogger logger, string queue, string reason);
    }
}
