using System.Net;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

[Collection(OrbitalCollection.Name)]
public sealed class A_poison_event_is_dead_lettered_while_the_next_still_flows(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_order_with_an_impossible_quantity_is_dead_lettered_with_the_reason()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var deadLetters = Topology.DeadLetterQueueFor(Queues.OrdersOtterEvents);
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var poison = Otter.Event("orders.new_order", Otter.Order(Otter.NewId(), Otter.Item("l1", "fries", "Fries", 0)));
        var good = Otter.NewId();

        using (var accepted = await orders.SendAsync(poison, cancellationToken))
        {
            // Signed and well-formed, so Otter is told it was received; the consumer judges the content.
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        }

        (await orders.SendAsync(Otter.Event("orders.new_order", Otter.Order(good, Otter.Item("l1", "fries", "Fries", 1))), cancellationToken)).Dispose();
        await orders.WaitForOrderAsync(good);

        var poisonId = poison["eventId"]!.GetValue<string>();
        var letters = new List<(string Body, IReadOnlyDictionary<string, string?> Headers, RabbitMQ.Client.IReadOnlyBasicProperties Properties)>();
        await Poll.UntilAsync(async _ =>
        {
            while (await broker.GetAsync(deadLetters) is { } letter)
            {
                letters.Add(letter);
            }

            return letters;
        }, seen => seen.Any(l => l.Properties.MessageId == poisonId), TimeSpan.FromSeconds(30), "the poison event in the dead-letter queue");
        var dead = letters.Single(l => l.Properties.MessageId == poisonId);
        Assert.Contains("quantity must be 1 to 1000", dead.Headers[MessageHeaders.DeadLetterReason]);
        Assert.Equal("1", dead.Headers[MessageHeaders.DeadLetterAttempts]);
    }
}
