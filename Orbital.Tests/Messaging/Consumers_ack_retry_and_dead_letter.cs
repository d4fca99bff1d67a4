using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;
using RabbitMQ.Client;

namespace Orbital.Tests.Messaging;

[Collection(OrbitalCollection.Name)]
public sealed class Consumers_ack_retry_and_dead_letter(OrbitalAppFixture orbital) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly string _exchange = Broker.UniqueName("exchange");
    private readonly string _queue = Broker.UniqueName("queue");
    private readonly Deliveries _deliveries = new();
    private readonly Gate _gate = new();
    private string _rabbitMq = string.Empty;
    private Broker _broker = null!;

    public async ValueTask InitializeAsync()
    {
        _rabbitMq = await orbital.ConnectionStringAsync(ResourceNames.RabbitMq);
        _broker = await Broker.ConnectAsync(_rabbitMq);
    }

    public async ValueTask DisposeAsync() => await _broker.DisposeAsync();

    private Task<MessagingHost> StartConsumerAsync() => StartConsumerAsync<ScriptedHandler>();

    private Task<MessagingHost> StartConsumerAsync<THandler>()
        where THandler : class, IMessageHandler =>
        MessagingHost.StartAsync(_rabbitMq, builder =>
        {
            builder.Services.AddSingleton(_deliveries);
            builder.Services.AddSingleton(_gate);
            builder.AddMessageConsumer<THandler>(_queue, _exchange);
        });

    private static OutgoingMessage Message(string body, string? id = null) =>
        new(Encoding.UTF8.GetBytes(body), id ?? Guid.NewGuid().ToString("N"), "test", ContentTypes.Json);

    private async Task WaitForQueueAsync() =>
        await Poll.UntilAsync(async _ =>
        {
            try
            {
                return await _broker.MessageCountAsync(_queue) >= 0;
            }
            catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
            {
                // Declared by the consumer as it starts.
                _broker = await Broker.ConnectAsync(_rabbitMq);
                return false;
            }
        }, declared => declared, Timeout, $"queue {_queue} to be declared");

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_handled_message_is_acknowledged_once_and_continues_the_publishers_trace()
    {
        await using var consumer = await StartConsumerAsync();
        await WaitForQueueAsync();
        using var listener = ActivityRecorder.Listen(MessagingTelemetry.SourceName);
        using var publishing = new Activity("webhook").Start();

        await consumer.Publisher.PublishAsync(_exchange, Message("ok"), TestContext.Current.CancellationToken);
        await _deliveries.WaitForAsync(1, Timeout);

        var handled = Assert.Single(_deliveries.Handled);
        Assert.Equal(publishing.TraceId.ToString(), ActivityContext.Parse(handled.Header(MessageHeaders.TraceParent)!, null).TraceId.ToString());
        await Poll.UntilAsync(_ => _broker.MessageCountAsync(_queue), count => count == 0, Timeout, "the queue to be empty");
        Assert.Equal(0u, await _broker.MessageCountAsync(Topology.DeadLetterQueueFor(_queue)));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Deliveries_handled_together_are_measured_once_as_a_batch_not_once_each()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var consumer = await StartConsumerAsync<ScriptedBatchHandler>();
        await WaitForQueueAsync();
        var measured = new ConcurrentQueue<(string Instrument, double Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (instrument.Meter.Name == MessagingTelemetry.SourceName)
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();

        // The first delivery holds the handler while nine more arrive, so that those nine are in hand together.
        await consumer.Publisher.PublishAsync(_exchange, Message("gate"), cancellationToken);
        await _gate.Entered.Task.WaitAsync(Timeout, cancellationToken);
        for (var i = 0; i < 9; i++)
        {
            await consumer.Publisher.PublishAsync(_exchange, Message("ok"), cancellationToken);
        }

        await Poll.UntilAsync(_ => _broker.MessageCountAsync(_queue), ready => ready == 0, Timeout, "the nine to be delivered");
        _gate.Release.TrySetResult();
        await _deliveries.WaitForAsync(10, Timeout);

        var alone = measured.Count(m => m.Instrument == "orbital.messaging.handling.duration");
        var sizes = measured.Where(m => m.Instrument == "orbital.messaging.batch.size").Select(m => (int)m.Value).ToList();
        Assert.Contains(sizes, size => size > 1);
        Assert.Equal(sizes.Count, measured.Count(m => m.Instrument == "orbital.messaging.batch.duration"));
        Assert.Equal(10, alone + sizes.Sum());
        Assert.Equal(10, _deliveries.Handled.Select(m => m.MessageId).Distinct().Count());

        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "queue" && Equals(tag.Value, _queue))
                {
                    measured.Enqueue((instrument.Name, value));
                }
            }
        }
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_message_that_keeps_failing_is_dead_lettered_with_its_reason_and_the_next_one_still_flows()
    {
        await using var consumer = await StartConsumerAsync();
        await WaitForQueueAsync();
        var failing = Message("fail");

        await consumer.Publisher.PublishAsync(_exchange, failing, TestContext.Current.CancellationToken);
        await consumer.Publisher.PublishAsync(_exchange, Message("ok"), TestContext.Current.CancellationToken);
        await _deliveries.WaitForAsync(1, Timeout);

        var deadQueue = Topology.DeadLetterQueueFor(_queue);
        await Poll.UntilAsync(_ => _broker.MessageCountAsync(deadQueue), count => count == 1, Timeout, "one dead letter");
        var dead = await _broker.GetAsync(deadQueue);
        Assert.NotNull(dead);
        Assert.Equal("fail", dead.Value.Body);
        Assert.Equal(failing.MessageId, dead.Value.Properties.MessageId);
        Assert.Contains("the fryer is on fire", dead.Value.Headers[MessageHeaders.DeadLetterReason]);
        Assert.Equal("3", dead.Value.Headers[MessageHeaders.DeadLetterAttempts]);
        Assert.Equal(_queue, dead.Value.Headers[MessageHeaders.SourceQueue]);
        Assert.Equal(3, _deliveries.AttemptsAt(failing.MessageId));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_poison_message_is_dead_lettered_without_retries()
    {
        await using var consumer = await StartConsumerAsync();
        await WaitForQueueAsync();
        var poison = Message("poison");

        await consumer.Publisher.PublishAsync(_exchange, poison, TestContext.Current.CancellationToken);

        var deadQueue = Topology.DeadLetterQueueFor(_queue);
        await Poll.UntilAsync(_ => _broker.MessageCountAsync(deadQueue), count => count == 1, Timeout, "one dead letter");
        var dead = await _broker.GetAsync(deadQueue);
        Assert.Contains("ticket has no lines", dead!.Value.Headers[MessageHeaders.DeadLetterReason]);
        Assert.Equal(1, _deliveries.AttemptsAt(poison.MessageId));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_message_failing_for_a_transient_reason_is_retried_until_it_succeeds()
    {
        await using var consumer = await StartConsumerAsync();
        await WaitForQueueAsync();
        var message = Message("transient:6");

        await consumer.Publisher.PublishAsync(_exchange, message, TestContext.Current.CancellationToken);
        await _deliveries.WaitForAsync(1, Timeout);

        Assert.Equal(7, _deliveries.AttemptsAt(message.MessageId));
        Assert.Equal(0u, await _broker.MessageCountAsync(Topology.DeadLetterQueueFor(_queue)));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Dead_letters_replayed_to_their_queue_are_handled_again()
    {
        await using var consumer = await StartConsumerAsync();
        await WaitForQueueAsync();
        await consumer.Publisher.PublishAsync(_exchange, Message("poison"), TestContext.Current.CancellationToken);
        var deadQueue = Topology.DeadLetterQueueFor(_queue);
        await Poll.UntilAsync(_ => _broker.MessageCountAsync(deadQueue), count => count == 1, Timeout, "one dead letter");

        var replayed = await consumer.Services.GetRequiredService<DeadLetterQueue>()
            .ReplayAsync(_queue, max: 10, TestContext.Current.CancellationToken);

        var letter = Assert.Single(replayed);
        Assert.Contains("ticket has no lines", letter.Reason);
        // Still poison, so it comes back to the dead-letter queue: replay moved it, lost nothing.
        await Poll.UntilAsync(_ => _broker.MessageCountAsync(deadQueue), count => count == 1, Timeout, "the replayed letter to be dead again");
        Assert.Equal(2, _deliveries.AttemptsAt(letter.MessageId!));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Shutdown_lets_the_message_in_hand_finish_and_acknowledges_it()
    {
        var consumer = await StartConsumerAsync();
        await WaitForQueueAsync();
        await consumer.Publisher.PublishAsync(_exchange, Message("gate"), TestContext.Current.CancellationToken);
        await _gate.Entered.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        var stopping = consumer.StopAsync();
        Assert.False(stopping.IsCompleted);
        _gate.Release.TrySetResult();
        await stopping.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        await consumer.DisposeAsync();

        Assert.Single(_deliveries.Handled);
        Assert.Equal(0u, await _broker.MessageCountAsync(_queue));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_message_in_hand_when_the_consumer_dies_is_delivered_again()
    {
        var dying = await StartConsumerAsync();
        await WaitForQueueAsync();
        await dying.Publisher.PublishAsync(_exchange, Message("gate"), TestContext.Current.CancellationToken);
        await _gate.Entered.Task.WaitAsync(Timeout, TestContext.Current.CancellationToken);

        // The process dies: its connection drops without an acknowledgement, and its work is abandoned.
        // (The client waits for running handlers while it aborts, so the abandoning happens alongside.)
        var connection = await dying.Services.GetRequiredService<RabbitMqConnection>().GetAsync(TestContext.Current.CancellationToken);
        var abort = connection.AbortAsync(TestContext.Current.CancellationToken);
        await dying.StopWithDeadlineAsync(TimeSpan.FromMilliseconds(200));
        await abort.WaitAsync(Timeout, TestContext.Current.CancellationToken);
        await dying.DisposeAsync();
        Assert.Empty(_deliveries.Handled);
        _gate.Release.TrySetResult();

        await using var replacement = await StartConsumerAsync();
        await _deliveries.WaitForAsync(1, Timeout);

        var handled = Assert.Single(_deliveries.Handled);
        Assert.True(handled.Redelivered);
    }
}
