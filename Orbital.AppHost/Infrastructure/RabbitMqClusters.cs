using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orbital.Contracts;

namespace Orbital.AppHost.Infrastructure;

/// <summary>The cluster as the services see it, whichever way its nodes run.</summary>
internal static class RabbitMqClusters
{
    /// <summary>
    /// Adds the cluster resource: it runs once every node has been ready, so the services (which wait for it) declare
    /// their quorum queues with a member on each node, and it is healthy while a majority of nodes answer.
    /// </summary>
    public static IResourceBuilder<RabbitMqClusterResource> AddRabbitMqCluster(
        this IDistributedApplicationBuilder builder, RabbitMqClusterResource cluster, IReadOnlyList<IResource> nodes, string source)
    {
        var readyNodes = 0;
        foreach (var node in nodes)
        {
            builder.Eventing.Subscribe<ResourceReadyEvent>(node, async (@event, _) =>
            {
                if (Interlocked.Increment(ref readyNodes) != nodes.Count)
                {
                    return;
                }

                var notifications = @event.Services.GetRequiredService<ResourceNotificationService>();
                await notifications.PublishUpdateAsync(cluster, snapshot => snapshot with
                {
                    State = KnownResourceStates.Running,
                    StartTimeStamp = DateTime.UtcNow,
                });
            });
        }

        var key = $"{ResourceNames.RabbitMq}-quorum";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, _ => new RabbitMqClusterReadyCheck(cluster), failureStatus: null, tags: null));
        return builder.AddResource(cluster)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "RabbitMQCluster",
                State = KnownResourceStates.Waiting,
                Properties = [new ResourcePropertySnapshot(CustomResourceKnownProperties.Source, source)],
            })
            .WithHealthCheck(key);
    }
}
