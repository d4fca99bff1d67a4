using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Orbital.Messaging;

/// <summary>Publishes to a durable fanout exchange and returns only once the broker has confirmed the message.</summary>
public interface IMessagePublisher
{
    /// <summary>Throws when the broker is unreachable or refuses the message: the caller still owns it then.</summary>
    Task PublishAsync(string exchange, OutgoingMessage message, CancellationToken cancellationToken);

    /// <summary>Publishes straight into a queue (the default exchange), as a dead-letter replay does.</summary>
    Task PublishToQueueAsync(string queue, OutgoingMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// One channel with publisher confirms, shared by all callers: confirms are awaited concurrently,
/// so many publishes are in flight at once. The channel is reopened when it closes.
/// </summary>
public sealed class ConfirmedPublisher(RabbitMqConnection connection, TimeProvider time, ILogger<ConfirmedPublisher> logger) : IMessagePublisher, IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<string, bool> _declaredExchanges = new(StringComparer.Ordinal);
    private IChannel? _channel;

    public Task PublishAsync(string exchange, OutgoingMessage message, CancellationToken cancellationToken) =>
        PublishCoreAsync(exchange, routingKey: string.Empty, message, declareExchange: true, cancellationToken);

    public Task PublishToQueueAsync(string queue, OutgoingMessage message, CancellationToken cancellationToken) =>
        PublishCoreAsync(exchange: string.Empty, routingKey: queue, message, declareExchange: false, cancellationToken);

    private async Task PublishCoreAsync(string exchange, string routingKey, OutgoingMessage message, bool declareExchange, CancellationToken cancellationToken)
    {
        // A message written earlier (the outbox, a dead letter) is published in the trace it was written in, not in
        // whatever the relay is doing now: one order stays one trace from the webhook to the kitchen.
        using var activity = MessagingTelemetry.StoredTraceContext(message.Headers) is { } written
            ? MessagingTelemetry.Source.StartActivity($"publish {(exchange.Length > 0 ? exchange : routingKey)}", ActivityKind.Producer, written)
            : MessagingTelemetry.Source.StartActivity($"publish {(exchange.Length > 0 ? exchange : routingKey)}", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "rabbitmq");
        activity?.SetTag("messaging.destination.name", exchange.Length > 0 ? exchange : routingKey);
        activity?.SetTag("messaging.message.id", message.MessageId);

        var channel = await GetChannelAsync(cancellationToken);
        if (declareExchange && !_declaredExchanges.ContainsKey(exchange))
        {
            await Topology.DeclareFanoutExchangeAsync(channel, exchange, cancellationToken);
            _declaredExchanges[exchange] = true;
        }

        var headers = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (message.Headers is not null)
        {
            foreach (var (key, value) in message.Headers)
            {
                headers[key] = value;
            }
        }

        // The consumer continues from this publish; unrecorded, the message keeps the trace it came with.
        if (activity is not null || !headers.ContainsKey(MessageHeaders.TraceParent))
        {
            headers.Remove(MessageHeaders.TraceState);
            MessagingTelemetry.InjectTraceContext(activity, headers);
        }

        var properties = new BasicProperties
        {
            Persistent = true,
            MessageId = message.MessageId,
            Type = message.Type,
            ContentType = message.ContentType,
            Timestamp = new AmqpTimestamp(time.GetUtcNow().ToUnixTimeSeconds()),
            Headers = headers,
        };

        try
        {
            await channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, message.Body, cancellationToken);
            MessagingTelemetry.Published.Add(1, new KeyValuePair<string, object?>("exchange", exchange));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            MessagingLog.PublishFailed(logger, exchange, message.MessageId, ex.GetBaseException().Message);
            throw;
        }
    }

    private async Task<IChannel> GetChannelAsync(CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open)
        {
            return open;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_channel is { IsOpen: true } raced)
            {
                return raced;
            }

            if (_channel is not null)
            {
                _channel.Dispose();
                _channel = null;
                _declaredExchanges.Clear();
            }

            var amqp = await connection.GetAsync(cancellationToken);
            _channel = await amqp.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken);
            return _channel;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Registered both as itself and as IMessagePublisher, so the container disposes it twice.
        if (Interlocked.Exchange(ref _channel, null) is { } channel)
        {
            await AmqpShutdown.RunBoundedAsync(async () =>
            {
                if (channel.IsOpen)
                {
                    await channel.CloseAsync();
                }

                channel.Dispose();
            }, "closing the publisher channel", logger);
        }
    }
}
