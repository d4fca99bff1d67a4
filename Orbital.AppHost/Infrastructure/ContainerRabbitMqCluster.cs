using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orbital.Contracts;

namespace Orbital.AppHost.Infrastructure;

/// <summary>
/// Clustered mode where a container runtime answers: the RabbitMQ image (the tag Aspire's own RabbitMQ resource uses)
/// once per node, each with the host name its node is named after (<c>rabbit@rabbitmq-2</c>), which the containers'
/// network resolves; one Erlang cookie given to the server and to its CLI tools; classic peer discovery from a
/// configuration file mounted into each; the first node started alone and the others after it, as with local nodes.
/// Not run on the machines Orbital is developed on (no container runtime there): its model is checked by
/// <c>Foundation/Clustered_mode_has_the_same_shape_in_containers</c>.
/// </summary>
internal static class ContainerRabbitMqCluster
{
    public const string Image = "library/rabbitmq";
    public const string Tag = "4.3-management";
    private const string User = "orbital";

    public static IResourceBuilder<RabbitMqClusterResource> AddContainerRabbitMqCluster(
        this IDistributedApplicationBuilder builder, InfrastructureOptions options)
    {
        // The password is kept (user secrets) because a node's data volume keeps the user it created first.
        var password = builder.AddParameter($"{ResourceNames.RabbitMq}-password",
            new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);
        // Only running nodes use the cookie: a new one each run is as good as a kept one.
        var cookie = Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
        var names = Enumerable.Range(1, options.RabbitMqNodes).Select(i => $"{ResourceNames.RabbitMq}-{i}").ToList();
        var configuration = WriteClusterConfiguration(builder, options, names);

        var cluster = new RabbitMqClusterResource(ResourceNames.RabbitMq);
        var nodes = new List<IResource>();
        IResourceBuilder<ContainerResource>? first = null;
        foreach (var name in names)
        {
            var node = builder.AddContainer(name, Image, Tag)
                .WithImageRegistry("docker.io")
                .WithContainerRuntimeArgs("--hostname", name)
                .WithEnvironment("RABBITMQ_NODENAME", $"rabbit@{name}")
                .WithEnvironment("RABBITMQ_DEFAULT_USER", User)
                .WithEnvironment("RABBITMQ_DEFAULT_PASS", password)
                .WithEnvironment("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", $"-setcookie {cookie}")
                .WithEnvironment("RABBITMQ_CTL_ERL_ARGS", $"-setcookie {cookie}")
                .WithBindMount(configuration, "/etc/rabbitmq/conf.d/20-orbital-cluster.conf", isReadOnly: true)
                .WithEndpoint(targetPort: 5672, name: LocalServers.EndpointName, scheme: "amqp");
            if (!options.Ephemeral)
            {
                node.WithVolume($"orbital-{name}-data", "/var/lib/rabbitmq");
            }

            var endpoint = node.GetEndpoint(LocalServers.EndpointName);
            var uri = ReferenceExpression.Create(
                $"amqp://{User}:{password}@{endpoint.Property(EndpointProperty.Host)}:{endpoint.Property(EndpointProperty.Port)}/");
            var key = $"{name}-ready";
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, _ => new AmqpReadyCheck(uri), failureStatus: null, tags: null));
            node.WithHealthCheck(key);
            cluster.Nodes.Add(uri);
            nodes.Add(node.Resource);
            if (first is null)
            {
                first = node;
            }
            else
            {
                node.WaitFor(first);
            }
        }

        return builder.AddRabbitMqCluster(cluster, nodes, string.Join(", ", names.Select(name => $"rabbit@{name}")));
    }

    /// <summary>The peers every node looks for at boot, in a file of the AppHost's data directory.</summary>
    private static string WriteClusterConfiguration(IDistributedApplicationBuilder builder, InfrastructureOptions options, IReadOnlyList<string> names)
    {
        var directory = Directory.CreateDirectory(options.Ephemeral
            ? Path.Combine(Path.GetTempPath(), $"orbital-rabbitmq-containers-{Guid.NewGuid():N}")
            : Path.Combine(builder.AppHostDirectory, "..", options.DataDirectory, "rabbitmq-containers")).FullName;
        var file = Path.Combine(directory, "20-orbital-cluster.conf");
        File.WriteAllText(file, ClusterConfiguration(names));
        return file;
    }

    public static string ClusterConfiguration(IReadOnlyList<string> names) =>
        "cluster_formation.peer_discovery_backend = classic_config\n"
        + string.Concat(names.Select((name, i) => $"cluster_formation.classic_config.nodes.{i + 1} = rabbit@{name}\n"))
        + "cluster_partition_handling = pause_minority\n";
}
