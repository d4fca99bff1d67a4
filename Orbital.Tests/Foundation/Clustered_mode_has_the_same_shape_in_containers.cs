using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Orbital.AppHost.Infrastructure;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Foundation;

/// <summary>
/// Where a container runtime answers, clustered mode runs the RabbitMQ image once per node. No container runtime runs
/// here, so its model is checked instead of its run: three nodes named as their hosts, one cookie, the peers' list
/// mounted into each, the first node started before the others, the cluster one resource to the services, and two
/// instances of each service.
/// </summary>
public sealed class Clustered_mode_has_the_same_shape_in_containers
{
    [Fact(Timeout = 120_000)]
    public async Task Three_rabbitmq_containers_find_each_other_and_the_services_see_one_cluster()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Orbital_AppHost>(
            ["--Orbital:Infrastructure:Mode=containers", "--Orbital:Infrastructure:Ephemeral=true", "--Orbital:Cluster:Enabled=true",
             "--Parameters:otter-webhook-secret=x", "--Parameters:prep-jwt-signing-key=x", "--Parameters:prep-jwt-verification-key=x",
             "--Parameters:prep-admin-password=x", "--Parameters:rabbitmq-password=p4ssw0rd"], cancellationToken);

        var nodes = builder.Resources.OfType<ContainerResource>().Where(r => r.Name.StartsWith($"{ResourceNames.RabbitMq}-", StringComparison.Ordinal)).OrderBy(r => r.Name).ToList();
        Assert.Equal(ClusteredAppFixture.Nodes, nodes.Select(n => n.Name));
        var cookies = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var image = node.Annotations.OfType<ContainerImageAnnotation>().Single();
            Assert.Equal(("docker.io", "library/rabbitmq", "4.3-management"), (image.Registry, image.Image, image.Tag));
            var environment = await EnvironmentAsync(node, cancellationToken);
            Assert.Equal($"rabbit@{node.Name}", environment["RABBITMQ_NODENAME"]);
            Assert.Equal(environment["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"], environment["RABBITMQ_CTL_ERL_ARGS"]);
            cookies.Add(environment["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"]);
            Assert.Equal("p4ssw0rd", environment["RABBITMQ_DEFAULT_PASS"]);

            var arguments = new List<object>();
            foreach (var callback in node.Annotations.OfType<ContainerRuntimeArgsCallbackAnnotation>())
            {
                await callback.Callback(new ContainerRuntimeArgsCallbackContext(arguments, cancellationToken));
            }

            Assert.Equal(["--hostname", node.Name], arguments.Select(a => a.ToString()));
            var mount = node.Annotations.OfType<ContainerMountAnnotation>().Single(m => m.Target == "/etc/rabbitmq/conf.d/20-orbital-cluster.conf");
            Assert.True(mount.IsReadOnly);
            var peers = await File.ReadAllTextAsync(mount.Source!, cancellationToken);
            Assert.Contains("cluster_formation.peer_discovery_backend = classic_config", peers, StringComparison.Ordinal);
            Assert.All(ClusteredAppFixture.Nodes, name => Assert.Contains($"= rabbit@{name}\n", peers, StringComparison.Ordinal));
            Assert.Equal(node.Name == "rabbitmq-1" ? [] : ["rabbitmq-1"], node.Annotations.OfType<WaitAnnotation>().Select(w => w.Resource.Name));
            if (node.Name == "rabbitmq-3")
            {
                // An ephemeral model writes the peers' list to a directory of its own under the temporary path.
                Directory.Delete(Path.GetDirectoryName(mount.Source)!, recursive: true);
            }
        }

        Assert.Single(cookies);
        var cluster = Assert.IsType<RabbitMqClusterResource>(builder.Resources.Single(r => r.Name == ResourceNames.RabbitMq));
        Assert.Equal(3, cluster.Nodes.Count);
        foreach (var service in new[] { ResourceNames.OrdersService, ResourceNames.BatchService, ResourceNames.PrepService })
        {
            var project = builder.Resources.OfType<ProjectResource>().Single(p => p.Name == service);
            Assert.Equal(2, project.Annotations.OfType<ReplicaAnnotation>().Single().Replicas);
            Assert.Contains(project.Annotations.OfType<WaitAnnotation>(), w => w.Resource == cluster);
        }
    }

    /// <summary>The environment a resource would be started with, parameters resolved.</summary>
    private static async Task<Dictionary<string, string>> EnvironmentAsync(IResource resource, CancellationToken cancellationToken)
    {
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run), cancellationToken: cancellationToken);
        foreach (var callback in resource.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in context.EnvironmentVariables)
        {
            values[name] = value switch
            {
                string text => text,
                IValueProvider provider => await provider.GetValueAsync(cancellationToken) ?? string.Empty,
                _ => value.ToString() ?? string.Empty,
            };
        }

        return values;
    }
}
