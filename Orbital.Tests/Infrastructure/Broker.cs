using System.Text;
using Orbital.Messaging;
using RabbitMQ.Client;

namespace Orbital.Tests.Infrastructure;

/// <summary>Direct AMQP access for tests: inspect queues and read dead letters as an operator would.</summary>
public sealed class Broker : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private Broker(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<Broker> ConnectAsync(string connectionString)
    {
        var address = BrokerAddress.Parse(connectionString);
        var factory = address.Factory();
        factory.ClientProvidedName = "orbital-tests";
        var connection = await address.ConnectAsync(factory, TestContext.Current.CancellationToken);
        var channel = await connection.CreateChannelAsync(cancellationToken: TestContext.Current.CancellationToken);
        return new Broker(connection, channel);
    }

    /// <summary>A name no other test or run uses.</summary>
    public static string UniqueName(string prefix) => $"test.{prefix}.{Guid.NewGuid():N}";

    /// <summary>A durable classic queue: not what Orbital's consumers declare, so their declaration is refused.</summary>
    public Task DeclareClassicQueueAsync(string queue) =>
        _channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: TestContext.Current.CancellationToken);

    public Task DeleteQueueAsync(string queue) => _channel.QueueDeleteAsync(queue, cancellationToken: TestContext.Current.CancellationToken);

    public Task<uint> MessageCountAsync(string queue) => _channel.MessageCountAsync(queue, TestContext.Current.CancellationToken);

    /// <summary>Takes one message off a queue, or null when it is empty.</summary>
    public async Task<(string Body, IReadOnlyDictionary<string, string?> Headers, IReadOnlyBasicProperties Properties)?> GetAsync(string queue)
    {
        var result = await _channel.BasicGetAsync(queue, autoAck: true, TestContext.Current.CancellationToken);
        if (result is null)
        {
            return null;
        }

        var headers = (result.BasicProperties.Headers ?? new Dictionary<string, object?>())
            .ToDictionary(pair => pair.Key, pair => MessagingTelemetry.HeaderText(pair.Value), StringComparer.Ordinal);
        return (Encoding.UTF8.GetString(result.Body.Span), headers, result.BasicProperties);
    }

    /// <summary>Takes one message's raw body off a queue, or null when it is empty.</summary>
    public async Task<byte[]?> GetRawAsync(string queue)
    {
        var result = await _channel.BasicGetAsync(queue, autoAck: true, TestContext.Current.CancellationToken);
        return result?.Body.ToArray();
    }

    /// <summary>Declares a durable queue bound to a fanout exchange, as a downstream subscriber would.</summary>
    public async Task<string> BindTestQueueAsync(string exchange)
    {
        var queue = UniqueName("subscriber");
        await Topology.DeclareFanoutExchangeAsync(_channel, exchange, TestContext.Current.CancellationToken);
        await _channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: true, cancellationToken: TestContext.Current.CancellationToken);
        await _channel.QueueBindAsync(queue, exchange, string.Empty, cancellationToken: TestContext.Current.CancellationToken);
        return queue;
    }

    /// <summary>A consumer's queue (quorum, with its dead-letter queue), declared as its consumer declares it.</summary>
    public Task DeclareConsumerQueueAsync(string queue, string exchange, int deliveryLimit) =>
        Topology.DeclareConsumerQueueAsync(_channel, queue, exchange, deliveryLimit, TestContext.Current.CancellationToken);

    /// <summary>Publishes a persistent message to an exchange, as another service would.</summary>
    public async Task PublishAsync(string exchange, byte[] body, string? messageId = null, string? type = null)
    {
        await Topology.DeclareFanoutExchangeAsync(_channel, exchange, TestContext.Current.CancellationToken);
        await _channel.BasicPublishAsync(exchange, string.Empty, mandatory: false,
            new BasicProperties { Persistent = true, ContentType = Orbital.Contracts.ContentTypes.Protobuf, MessageId = messageId, Type = type }, body, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}
