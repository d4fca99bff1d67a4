using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;
using Orbital.Tests.Messaging;

namespace Orbital.Tests.Cluster;

/// <summary>
/// A host wired as every service is (one connection, confirmed publisher, quorum-queue consumer) and given the cluster's
/// list of nodes keeps publishing and consuming when the node it is connected to is killed: the client reconnects to
/// another node and carries on while the killed one is still down, and every message it had confirmed is consumed.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class A_service_keeps_consuming_and_publishing_when_its_node_dies(ClusteredAppFixture orbital)
{
    private static readonly TimeSpan PublishFor = TimeSpan.FromSeconds(14);

    [Fact(Timeout = 180_000)]
    public async Task Messages_confirmed_before_during_and_after_the_loss_of_its_node_are_all_consumed()
    {
        await orbital.WaitForEveryNodeAsync();
        var cancellationToken = TestContext.Current.CancellationToken;
        var deliveries = new Deliveries();
        var exchange = Broker.UniqueName("cluster-exchange");
        var queue = Broker.UniqueName("cluster-queue");
        await using var host = await MessagingHost.StartAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq), builder =>
        {
            builder.Services.AddSingleton(deliveries);
            builder.Services.AddSingleton(new Gate());
            builder.AddMessageConsumer<ScriptedHandler>(queue, exchange);
        });
        // The consumer declares and binds its queue as it starts: until then, what reaches the exchange goes nowhere.
        await WarmUpAsync(host.Publisher, exchange, deliveries, cancellationToken);
        var connection = await host.Services.GetRequiredService<RabbitMqConnection>().GetAsync(cancellationToken);
        var node = orbital.NodeListeningOn(connection.Endpoint.Port);

        var confirmed = new ConcurrentDictionary<string, TimeSpan>(StringComparer.Ordinal);
        var confirmedWhileDown = 0;
        var killed = false;
        var clock = Stopwatch.StartNew();
        // A confirm counts as "while down" when, after the kill was seen, the AppHost does not show the node running:
        // it starts it again only after 10 s (the fixture's restart delay), and the client's recovery retries every 2 s.
        var publishing = PublishSteadilyAsync(host.Publisher, exchange, confirmed, clock, () =>
        {
            if (Volatile.Read(ref killed) && !Running(node))
            {
                Interlocked.Increment(ref confirmedWhileDown);
            }
        }, cancellationToken);
        // The stream is under way (a hundred confirms) before the node goes.
        await Poll.UntilAsync(_ => Task.FromResult(confirmed.Count), count => count >= 100, TimeSpan.FromSeconds(30), "a hundred confirms before the kill");

        var killedAt = clock.Elapsed;
        await orbital.KillAsync(node);
        Volatile.Write(ref killed, true);
        await publishing;

        var handled = await Poll.UntilAsync(
            _ => Task.FromResult(deliveries.Handled.Select(m => m.MessageId!).ToHashSet(StringComparer.Ordinal)),
            ids => confirmed.Keys.All(ids.Contains), TimeSpan.FromSeconds(60),
            () => $"every confirmed message consumed; missing {string.Join(", ", Missing(confirmed, deliveries))} ({node} killed at {killedAt.TotalSeconds:0.00} s); {QueueState(queue)}");
        Assert.DoesNotContain(confirmed.Keys, id => !handled.Contains(id));

        // It carried on without the node, not only once the node came back.
        TestContext.Current.SendDiagnosticMessage(
            $"{node} killed at {killedAt.TotalSeconds:0.0} s; {confirmedWhileDown} of {confirmed.Count} messages confirmed before the AppHost ran it again");
        Assert.True(confirmedWhileDown > 0, $"no message was confirmed while {node} was down");
        var now = await host.Services.GetRequiredService<RabbitMqConnection>().GetAsync(cancellationToken);
        Assert.True(now.IsOpen);
        Assert.NotEqual(node, orbital.NodeListeningOn(now.Endpoint.Port));
    }

    private bool Running(string node) =>
        orbital.App.ResourceNotifications.TryGetCurrentState(node, out var state) && state.Snapshot.State?.Text == KnownResourceStates.Running;

    /// <summary>Publishes a message every 20 ms; as the outbox does, a message that was not confirmed is published again.</summary>
    private static async Task PublishSteadilyAsync(IMessagePublisher publisher, string exchange, ConcurrentDictionary<string, TimeSpan> confirmed, Stopwatch clock, Action onConfirmed, CancellationToken cancellationToken)
    {
        while (clock.Elapsed < PublishFor)
        {
            var id = Guid.NewGuid().ToString("N");
            while (true)
            {
                try
                {
                    await publisher.PublishAsync(exchange, new OutgoingMessage(Encoding.UTF8.GetBytes("ok"), id, "test", ContentTypes.Json), cancellationToken);
                    confirmed[id] = clock.Elapsed;
                    onConfirmed();
                    break;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    private static async Task WarmUpAsync(IMessagePublisher publisher, string exchange, Deliveries deliveries, CancellationToken cancellationToken)
    {
        await Poll.UntilAsync(async token =>
        {
            await publisher.PublishAsync(exchange, new OutgoingMessage(Encoding.UTF8.GetBytes("ok"), $"warm-up-{Guid.NewGuid():N}", "test", ContentTypes.Json), token);
            await Task.Delay(TimeSpan.FromMilliseconds(200), token);
            return deliveries.Handled.Count;
        }, handled => handled > 0, TimeSpan.FromSeconds(30), "the consumer to take its first message");
    }

    private static IEnumerable<string> Missing(ConcurrentDictionary<string, TimeSpan> confirmed, Deliveries deliveries)
    {
        var handled = deliveries.Handled.Select(m => m.MessageId!).ToHashSet(StringComparer.Ordinal);
        return confirmed.Where(c => !handled.Contains(c.Key)).Select(c => $"{c.Key[..8]} confirmed at {c.Value.TotalSeconds:0.00} s");
    }

    private string QueueState(string queue)
    {
        var output = orbital.RabbitMqCtlAsync(CancellationToken.None, "list_queues", "name", "messages_ready", "messages_unacknowledged", "leader", "members", "--formatter", "json").GetAwaiter().GetResult();
        return string.Join("; ", System.Text.Json.JsonDocument.Parse(output).RootElement.EnumerateArray()
            .Where(q => q.GetProperty("name").GetString()!.StartsWith(queue, StringComparison.Ordinal)).Select(q => q.ToString()));
    }
}
