using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

[Collection(OrbitalCollection.Name)]
public sealed class A_structured_order_that_cannot_be_read_is_dead_lettered(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_message_that_is_not_a_structured_order_goes_to_the_dead_letter_queue_with_its_reason_and_the_next_is_batched()
    {
        _ = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        using var batch = orbital.BatchClient();
        var poisonId = $"poison-{Guid.NewGuid():N}";
        var withoutVersion = Kitchen.Order(station, Otter.NewId(), 1, ("1", "dumplings", 1));
        withoutVersion.Version = 0;

        await broker.PublishAsync(Exchanges.StructuredOrderData, [0xff, 0xff, 0xff, 0x01], poisonId);
        await broker.PublishAsync(Exchanges.StructuredOrderData, Google.Protobuf.MessageExtensions.ToByteArray(withoutVersion), $"{poisonId}-v0");
        await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", "gyoza", 6)));

        await batch.WaitForItemsAsync(station, items => items.Count == 1, "the good order batched");
        var letters = new List<(string Body, IReadOnlyDictionary<string, string?> Headers, RabbitMQ.Client.IReadOnlyBasicProperties Properties)>();
        await Poll.UntilAsync(async _ =>
        {
            while (await broker.GetAsync(Topology.DeadLetterQueueFor(Queues.BatchStructuredOrders)) is { } letter)
            {
                letters.Add(letter);
            }

            return letters;
        }, seen => seen.Count(l => l.Properties.MessageId?.StartsWith(poisonId, StringComparison.Ordinal) == true) == 2,
            TimeSpan.FromSeconds(30), "both unreadable messages in the dead-letter queue");

        Assert.Contains("Not a StructuredOrder", letters.Single(l => l.Properties.MessageId == poisonId).Headers[MessageHeaders.DeadLetterReason]);
        Assert.Contains("positive version", letters.Single(l => l.Properties.MessageId == $"{poisonId}-v0").Headers[MessageHeaders.DeadLetterReason]);
    }
}
