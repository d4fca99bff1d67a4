using System.Collections.Concurrent;
using System.Diagnostics;
using Aspire.Hosting.ApplicationModel;
using Orbital.Contracts;
using Orbital.Tests.Faults;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Cluster;

/// <summary>
/// The fault suite in clustered mode, at dinner time: orders stream in at a steady rate while, in turn, the RabbitMQ
/// node that leads most of Orbital's queues is killed with SIGKILL (the AppHost starts it again), a second node is
/// stopped for a minute, one instance of each service is killed, and Redis is restarted. Afterwards every accepted
/// webhook is stored once with its lines, every line is batched exactly once and reached the kitchen screen (which
/// reconnects as a real one does) once, Otter was told of each order once, and no dead-letter queue holds anything.
/// The longest wait the screen saw between two events is reported.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class Nothing_is_lost_when_a_node_or_an_instance_dies(ClusteredAppFixture orbital)
{
    private const int OrdersPerSecond = 10;
    private static readonly TimeSpan StreamFor = TimeSpan.FromSeconds(110);

    [Fact(Timeout = 15 * 60_000)]
    public async Task Orders_streamed_through_node_and_instance_losses_are_stored_cooked_and_told_once()
    {
        await orbital.WaitForEveryNodeAsync();
        var cancellationToken = TestContext.Current.CancellationToken;
        var (kitchen, store) = await orbital.OwnKitchenAsync();
        var station = Kitchen.NewStation();
        await using var screen = await ReconnectingScreen.ConnectAsync(orbital.BatchAddress(), station, kitchen);
        var orders = new OrderStream(orbital, store, station, kitchen);
        var accepted = new ConcurrentDictionary<string, int>();
        var clock = Stopwatch.StartNew();
        var started = Stopwatch.GetTimestamp();
        var sending = orders.SendAsync(OrdersPerSecond, StreamFor, accepted, cancellationToken);

        var leaders = await orbital.QueueLeadersAsync(cancellationToken);
        var busiest = leaders.Where(l => l.Key is Queues.OrdersOtterEvents or Queues.BatchStructuredOrders or Queues.PrepStructuredOrders or Queues.OrdersKitchenOrderEvents)
            .GroupBy(l => l.Value).OrderByDescending(g => g.Count()).First().Key;
        await At(clock, 5, async () =>
        {
            Report($"{busiest} leads {string.Join(", ", leaders.Where(l => l.Value == busiest).Select(l => l.Key))}: killed");
            await orbital.KillAsync(busiest);
            await orbital.WaitForHealthyAsync(busiest);
            Report($"{busiest} back");
        });

        var second = ClusteredAppFixture.Nodes.First(node => node != busiest);
        await At(clock, 30, async () =>
        {
            Report($"{second} stopped for a minute");
            await orbital.ExecuteCommandAsync(second, KnownResourceCommands.StopCommand);
        });

        await At(clock, 40, async () =>
        {
            foreach (var service in new[] { ResourceNames.OrdersService, ResourceNames.BatchService, ResourceNames.PrepService })
            {
                var instance = (await orbital.InstancesOfAsync(service))[0];
                Report($"{instance} killed");
                await orbital.KillInstanceAsync(instance);
            }
        });

        await At(clock, 90, async () =>
        {
            await orbital.ExecuteCommandAsync(second, KnownResourceCommands.StartCommand);
            await orbital.WaitForHealthyAsync(second);
            Report($"{second} started again");
        });

        await At(clock, 100, async () =>
        {
            Report("redis restarted");
            await orbital.ExecuteCommandAsync(ResourceNames.Redis, KnownResourceCommands.RestartCommand);
        });

        await sending;
        var ended = Stopwatch.GetTimestamp();
        Report($"{accepted.Count} orders accepted; {accepted.Values.Count(attempts => attempts > 1)} needed more than one attempt");
        Assert.True(accepted.Count > OrdersPerSecond * StreamFor.TotalSeconds * 0.8, $"only {accepted.Count} orders were accepted");

        var orderIds = accepted.Keys.ToList();
        await orders.EveryOrderStoredOnceWithAllItsLinesAsync(orderIds);
        await orders.EveryLineBatchedExactlyOnceAsync(orderIds);
        await OtterToldOfEachOrderOnceAsync(orderIds);
        await orders.EveryKitchenEventSeenOrReplayableAsync(screen.Received);
        await orders.NoDeadLettersAsync();
        Report($"longest wait between two events on the kitchen screen: {screen.LongestGap(started, ended).TotalSeconds:0.00} s ({screen.Reconnects} reconnects)");
    }

    /// <summary>Each order was confirmed to Otter once: no call lost in a failover, none made twice by two instances.</summary>
    private async Task OtterToldOfEachOrderOnceAsync(List<string> orderIds)
    {
        await Poll.UntilAsync(_ => Task.FromResult(orderIds.Count(id => orbital.OtterApi.AcceptedCalls(id).Any(c => c.Action == "confirm"))),
            confirmed => confirmed == orderIds.Count, TimeSpan.FromMinutes(3), "Otter told of every order");
        var doubled = orderIds.Where(id => orbital.OtterApi.AcceptedCalls(id).Count(c => c.Action == "confirm") > 1).ToList();
        Assert.True(doubled.Count == 0, $"Otter was told twice of {doubled.Count} orders: {string.Join(", ", doubled.Take(5))}");
    }

    private static void Report(string what) =>
        TestContext.Current.SendDiagnosticMessage($"[{DateTime.UtcNow:HH:mm:ss.f}] {what}");

    private static async Task At(Stopwatch clock, int second, Func<Task> fault)
    {
        var wait = TimeSpan.FromSeconds(second) - clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, TestContext.Current.CancellationToken);
        }

        await fault();
    }
}
