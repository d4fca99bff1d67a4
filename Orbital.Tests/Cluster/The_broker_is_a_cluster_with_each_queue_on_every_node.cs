using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Cluster;

/// <summary>
/// Clustered mode starts three RabbitMQ nodes that form one cluster before any service declares a queue, so every
/// quorum queue Orbital declares (and its dead-letter queue) has a member on each node and survives the loss of any one.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class The_broker_is_a_cluster_with_each_queue_on_every_node(ClusteredAppFixture orbital)
{
    [Fact(Timeout = 120_000)]
    public async Task Every_queue_of_Orbitals_has_a_member_on_each_of_the_three_nodes()
    {
        await orbital.WaitForEveryNodeAsync();
        var cancellationToken = TestContext.Current.CancellationToken;
        var queues = new[]
        {
            Queues.OrdersOtterEvents, Queues.BatchStructuredOrders, Queues.PrepStructuredOrders, Queues.OrdersMenuAvailability,
            Queues.BatchMenuAvailability, Queues.BatchStockWarnings,
        };

        var members = await orbital.QueueMembersAsync(cancellationToken);

        foreach (var queue in queues.Concat(queues.Select(Topology.DeadLetterQueueFor)))
        {
            Assert.True(members.TryGetValue(queue, out var nodes), $"{queue} was not declared");
            Assert.Equal(ClusteredAppFixture.Nodes, nodes);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Each_service_runs_twice_and_connects_to_the_cluster()
    {
        await orbital.WaitForEveryNodeAsync();
        foreach (var service in new[] { ResourceNames.OrdersService, ResourceNames.BatchService, ResourceNames.PrepService })
        {
            var instances = await orbital.InstancesOfAsync(service);
            Assert.Equal(ClusteredAppFixture.InstancesPerService, instances.Count);
            foreach (var instance in instances)
            {
                await orbital.WaitForInstanceHealthyAsync(instance);
            }
        }

        // Each instance holds one connection to some node of the cluster (the client picks the nodes in random order).
        var connections = await orbital.NodesOfConnectionsAsync("Orbital.Orders", TestContext.Current.CancellationToken);
        Assert.Equal(ClusteredAppFixture.InstancesPerService, connections.Length);
    }
}
