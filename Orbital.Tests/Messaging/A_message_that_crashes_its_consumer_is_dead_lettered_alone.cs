using System.Text;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;
using StackExchange.Redis;

namespace Orbital.Tests.Messaging;

/// <summary>
/// A message whose handling kills the consumer's process comes back from the broker with every message that was in
/// hand beside it. Only the one that keeps killing the process may be blamed: handled alone when it comes back, it is
/// dead-lettered with the reason after <c>CrashLimit</c> crashes of its own, and every other message is handled, none
/// dead-lettered by the broker's delivery limit.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_message_that_crashes_its_consumer_is_dead_lettered_alone(OrbitalAppFixture orbital)
{
    private const int DeliveryLimit = 5;
    private const int CrashLimit = 2;

    [Fact(Timeout = 5 * 60_000)]
    public async Task The_crashing_message_is_dead_lettered_with_its_reason_and_the_messages_in_hand_with_it_are_handled()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var queue = Broker.UniqueName("crashing");
        var redisConnection = await orbital.ConnectionStringAsync(ResourceNames.Redis);
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        await broker.DeclareConsumerQueueAsync(queue, queue, DeliveryLimit);
        var innocents = Enumerable.Range(0, 40).Select(i => $"innocent-{i}").ToList();
        foreach (var body in innocents.Take(3).Append("crash").Concat(innocents.Skip(3)))
        {
            await broker.PublishAsync(queue, Encoding.UTF8.GetBytes(body), messageId: Guid.NewGuid().ToString("N"));
        }

        using var redis = await ConnectionMultiplexer.ConnectAsync(redisConnection);
        var starts = 0;
        var done = false;
        while (!done && starts < CrashLimit + DeliveryLimit + 2)
        {
            starts++;
            await using var consumer = ServiceProcess.Start("Orbital.Tests.CrashingConsumer", new Dictionary<string, string>
            {
                [$"ConnectionStrings__{ResourceNames.RabbitMq}"] = await orbital.ConnectionStringAsync(ResourceNames.RabbitMq),
                [$"ConnectionStrings__{ResourceNames.Redis}"] = redisConnection,
                ["Consumer__Queue"] = queue,
                ["Messaging__Prefetch"] = "50",
                ["Messaging__BatchSize"] = "10",
                ["Messaging__CrashLimit"] = CrashLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Messaging__DeliveryLimit"] = DeliveryLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            });
            (done, _) = await Poll.UntilAsync(
                async _ => (Done: await AllSettledAsync(), consumer.HasExited),
                state => state.Done || state.HasExited,
                TimeSpan.FromSeconds(60), () => $"the consumer to settle every message or to die. Output:\n{consumer.Output}");
        }

        Assert.True(done, $"after {starts} consumer processes, {await HandledCountAsync()} of {innocents.Count} handled and {await broker.MessageCountAsync(Topology.DeadLetterQueueFor(queue))} dead-lettered");
        var handled = (await redis.GetDatabase().SetMembersAsync($"handled:{queue}")).Select(v => v.ToString()).ToHashSet();
        Assert.Equal(innocents.Order(), handled.Order());
        var deadLetter = await broker.GetAsync(Topology.DeadLetterQueueFor(queue));
        Assert.NotNull(deadLetter);
        Assert.Equal("crash", deadLetter.Value.Body);
        Assert.Contains("ended", deadLetter.Value.Headers[MessageHeaders.DeadLetterReason], StringComparison.Ordinal);
        Assert.Equal(0u, await broker.MessageCountAsync(Topology.DeadLetterQueueFor(queue)));
        Assert.Equal(0u, await broker.MessageCountAsync(queue));
        cancellationToken.ThrowIfCancellationRequested();

        async Task<long> HandledCountAsync() => await redis.GetDatabase().SetLengthAsync($"handled:{queue}");

        async Task<bool> AllSettledAsync() =>
            await HandledCountAsync() + await broker.MessageCountAsync(Topology.DeadLetterQueueFor(queue)) >= innocents.Count + 1
            && await broker.MessageCountAsync(Topology.DeadLetterQueueFor(queue)) >= 1;
    }
}
