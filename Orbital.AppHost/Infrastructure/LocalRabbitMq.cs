using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Orbital.Contracts;

namespace Orbital.AppHost.Infrastructure;

/// <summary>
/// RabbitMQ as local processes: one broker, or (clustered mode) a cluster of nodes that share an Erlang cookie and a
/// port mapper and join each other at boot. The first node starts alone; the others wait for it and join it, so one
/// cluster forms every time (started all at once, two nodes can each boot standalone and form two).
/// </summary>
internal static class LocalRabbitMq
{
    public static IResourceBuilder<IResourceWithConnectionString> AddLocalRabbitMq(
        this IDistributedApplicationBuilder builder, LocalServerState state, InfrastructureOptions options)
    {
        var epmdPort = state.Ephemeral ? LocalServers.FreePortOutsideEphemeralRange() : options.ErlangPortMapperPort;
        state.ErlangPortMapperPort = epmdPort;
        if (options.RabbitMqNodes <= 1)
        {
            var root = Directory.CreateDirectory(Path.Combine(state.Root, "rabbitmq")).FullName;
            var node = new RabbitMqNode(
                ResourceNames.RabbitMq,
                state.Ephemeral ? $"orbital-{state.RunId}@localhost" : "orbital@localhost",
                state.Ephemeral ? null : options.RabbitMqPort,
                DistributionPort(state, options, 1),
                root,
                Home: Path.Combine(root, "home"),
                Peers: []);
            return builder.AddNode(node, epmdPort, cookie: null);
        }

        return builder.AddCluster(state, options, epmdPort);
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddCluster(
        this IDistributedApplicationBuilder builder, LocalServerState state, InfrastructureOptions options, int epmdPort)
    {
        var clusterRoot = Directory.CreateDirectory(Path.Combine(state.Root, "rabbitmq-cluster")).FullName;
        var home = Path.Combine(clusterRoot, "home");
        var nodeNames = Enumerable.Range(1, options.RabbitMqNodes)
            .Select(i => state.Ephemeral ? $"orbital-{state.RunId}-{i}@localhost" : $"orbital-{i}@localhost")
            .ToList();
        var cookie = ClusterCookie(home);

        var cluster = new RabbitMqClusterResource(ResourceNames.RabbitMq);
        var nodes = new List<LocalRabbitMqResource>();
        IResourceBuilder<LocalRabbitMqResource>? first = null;
        for (var i = 1; i <= options.RabbitMqNodes; i++)
        {
            var node = new RabbitMqNode(
                $"{ResourceNames.RabbitMq}-{i}",
                nodeNames[i - 1],
                state.Ephemeral ? null : options.RabbitMqPort + i,
                DistributionPort(state, options, i + 1),
                Directory.CreateDirectory(Path.Combine(clusterRoot, $"node-{i}")).FullName,
                home,
                nodeNames);
            var added = builder.AddNode(node, epmdPort, cookie);
            added.Resource.Cluster = cluster;
            cluster.Nodes.Add(added.Resource.ConnectionStringExpression);
            nodes.Add(added.Resource);
            if (first is null)
            {
                first = added;
            }
            else
            {
                added.WaitFor(first);
            }
        }

        return builder.AddRabbitMqCluster(cluster, nodes, string.Join(", ", nodeNames));
    }

    private sealed record RabbitMqNode(string ResourceName, string NodeName, int? Port, int DistributionPort, string Root, string Home, IReadOnlyList<string> Peers);

    private static IResourceBuilder<LocalRabbitMqResource> AddNode(this IDistributedApplicationBuilder builder, RabbitMqNode node, int epmdPort, string? cookie)
    {
        var root = node.Root;
        var resource = new LocalRabbitMqResource(node.ResourceName, "/usr/lib/rabbitmq/bin/rabbitmq-server", root, node.NodeName)
        {
            Home = node.Home,
            PortMapperPort = epmdPort,
        };
        var broker = builder.AddResource(resource)
            .WithEndpoint(LocalServers.EndpointName, endpoint =>
            {
                endpoint.IsProxied = false;
                endpoint.Port = node.Port;
                endpoint.TargetPort = node.Port;
                endpoint.UriScheme = "amqp";
            })
            .WithEnvironment(context =>
            {
                // Several brokers side by side, all on loopback: each gets its own node name, ports and files; the nodes
                // of a cluster share a cookie (in HOME, where rabbitmqctl looks too) and the port mapper.
                var environment = context.EnvironmentVariables;
                environment["HOME"] = node.Home;
                environment["RABBITMQ_NODENAME"] = node.NodeName;
                environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
                environment["RABBITMQ_NODE_PORT"] = resource.Endpoint.Property(EndpointProperty.TargetPort);
                environment["RABBITMQ_DIST_PORT"] = node.DistributionPort.ToString(CultureInfo.InvariantCulture);
                environment["ERL_EPMD_PORT"] = epmdPort.ToString(CultureInfo.InvariantCulture);
                environment["ERL_EPMD_ADDRESS"] = "127.0.0.1";
                environment["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = "-kernel inet_dist_use_interface {127,0,0,1}";
                environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(root, "mnesia");
                environment["RABBITMQ_LOG_BASE"] = Path.Combine(root, "log");
                environment["RABBITMQ_LOGS"] = "-";
                environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(root, "enabled_plugins");
                environment["RABBITMQ_CONFIG_FILE"] = Path.Combine(root, "rabbitmq.conf");
            })
            .WithHealthCheck(AddReadinessCheck(builder, $"{node.ResourceName}-ready", _ => new RabbitMqReadyCheck(resource)));

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, (_, _) =>
        {
            Directory.CreateDirectory(node.Home);
            Directory.CreateDirectory(Path.Combine(root, "mnesia"));
            Directory.CreateDirectory(Path.Combine(root, "log"));
            if (cookie is not null)
            {
                WriteCookie(node.Home, cookie);
            }

            File.WriteAllText(Path.Combine(root, "enabled_plugins"), "[].\n");
            var peers = node.Peers.Select((peer, i) => $"cluster_formation.classic_config.nodes.{i + 1} = {peer}\n");
            File.WriteAllText(Path.Combine(root, "rabbitmq.conf"), $"""
                log.console = true
                log.console.level = info
                log.file = false
                disk_free_limit.absolute = 100MB

                """ + (node.Peers.Count == 0 ? string.Empty : "cluster_formation.peer_discovery_backend = classic_config\n" + string.Concat(peers)));
            return Task.CompletedTask;
        });

        return broker;
    }

    private static string AddReadinessCheck(IDistributedApplicationBuilder builder, string key, Func<IServiceProvider, Microsoft.Extensions.Diagnostics.HealthChecks.IHealthCheck> factory)
    {
        builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(key, factory, failureStatus: null, tags: null));
        return key;
    }

    /// <summary>
    /// Tools find a node through the port mapper, so its distribution port need not be fixed: the one after the mapper's
    /// when free, else one no outgoing connection can take before the node starts.
    /// </summary>
    private static int DistributionPort(LocalServerState state, InfrastructureOptions options, int offset) =>
        state.Ephemeral || !LocalServers.IsFree(options.ErlangPortMapperPort + offset) ? LocalServers.FreePortOutsideEphemeralRange() : options.ErlangPortMapperPort + offset;

    /// <summary>The cluster's shared secret: kept with its data (a restarted node must present the same one), random per cluster.</summary>
    private static string ClusterCookie(string home)
    {
        var file = Path.Combine(home, ".erlang.cookie");
        if (File.Exists(file))
        {
            return File.ReadAllText(file).Trim();
        }

        Directory.CreateDirectory(home);
        var cookie = Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
        WriteCookie(home, cookie);
        return cookie;
    }

    private static void WriteCookie(string home, string cookie)
    {
        var file = Path.Combine(home, ".erlang.cookie");
        if (File.Exists(file) && File.ReadAllText(file).Trim() == cookie)
        {
            return;
        }

        // Erlang refuses a cookie file that others can read.
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllText(file, cookie);
            return;
        }

        if (File.Exists(file))
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.WriteAllText(file, cookie);
        File.SetUnixFileMode(file, UnixFileMode.UserRead);
    }
}
