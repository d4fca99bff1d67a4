using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orbital.AppHost.Infrastructure;
using Orbital.Contracts;

namespace Orbital.Tests.Infrastructure;

/// <summary>
/// The whole system in the AppHost's clustered mode: a three-node RabbitMQ cluster (local processes) and two instances
/// of each service, on the same single PostgreSQL and Redis.
/// </summary>
public sealed class ClusteredAppFixture : OrbitalAppFixture
{
    public static readonly string[] Nodes = [$"{ResourceNames.RabbitMq}-1", $"{ResourceNames.RabbitMq}-2", $"{ResourceNames.RabbitMq}-3"];

    protected override IEnumerable<string> Settings =>
    [
        "--Orbital:Cluster:Enabled=true",
        "--Orbital:Cluster:RabbitMqNodes=3",
        "--Orbital:Cluster:ServiceInstances=2",
        // A killed node or instance stays down a while before the AppHost starts it again: long enough to see that the
        // rest carry on without it, not only once it is back.
        "--Orbital:Restarts:FirstDelay=00:00:10",
    ];

    protected override IReadOnlyList<string> Servers => [.. base.Servers, .. Nodes];

    public const int InstancesPerService = 2;

    /// <summary>The instances of a service (their resource ids, as the dashboard lists them).</summary>
    public async Task<IReadOnlyList<string>> InstancesOfAsync(string service)
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        using var timeout = new CancellationTokenSource(WaitTimeout);
        // The watch replays every resource's current state first.
        await foreach (var update in App.ResourceNotifications.WatchAsync(timeout.Token))
        {
            if (update.Resource.Name == service && found.Add(update.ResourceId) && found.Count == InstancesPerService)
            {
                break;
            }
        }

        return [.. found];
    }

    /// <summary>Waits until every node runs and answers: a test that killed one leaves it to the AppHost to start again.</summary>
    public async Task WaitForEveryNodeAsync()
    {
        foreach (var node in Nodes)
        {
            await WaitForHealthyAsync(node);
        }
    }

    /// <summary>The cluster node (resource name) of each of Orbital's queues' leader.</summary>
    public async Task<Dictionary<string, string>> QueueLeadersAsync(CancellationToken cancellationToken)
    {
        var output = await RabbitMqCtlAsync(cancellationToken, "list_queues", "name", "leader", "--formatter", "json");
        var byNodeName = Nodes.ToDictionary(node => Resource<LocalRabbitMqResource>(node).NodeName, node => node, StringComparer.Ordinal);
        return JsonDocument.Parse(output).RootElement.EnumerateArray()
            .Where(queue => queue.TryGetProperty("leader", out var leader) && leader.ValueKind == JsonValueKind.String)
            .ToDictionary(
                queue => queue.GetProperty("name").GetString()!,
                queue => byNodeName.GetValueOrDefault(queue.GetProperty("leader").GetString()!, "?"),
                StringComparer.Ordinal);
    }

    /// <summary>The members (resource names of nodes) of each quorum queue.</summary>
    public async Task<Dictionary<string, string[]>> QueueMembersAsync(CancellationToken cancellationToken)
    {
        var output = await RabbitMqCtlAsync(cancellationToken, "list_queues", "name", "members", "--formatter", "json");
        var byNodeName = Nodes.ToDictionary(node => Resource<LocalRabbitMqResource>(node).NodeName, node => node, StringComparer.Ordinal);
        return JsonDocument.Parse(output).RootElement.EnumerateArray().ToDictionary(
            queue => queue.GetProperty("name").GetString()!,
            queue => queue.GetProperty("members").ValueKind == JsonValueKind.Array
                ? queue.GetProperty("members").EnumerateArray().Select(m => byNodeName.GetValueOrDefault(m.GetString()!, "?")).Order().ToArray()
                : [],
            StringComparer.Ordinal);
    }

    /// <summary>The node (resource name) each client connection named <paramref name="clientName"/> is on.</summary>
    public async Task<string[]> NodesOfConnectionsAsync(string clientName, CancellationToken cancellationToken)
    {
        var output = await RabbitMqCtlAsync(cancellationToken, "list_connections", "port", "client_properties", "--formatter", "json");
        return [.. JsonDocument.Parse(output).RootElement.EnumerateArray()
            .Where(connection => connection.GetProperty("client_properties").EnumerateArray()
                .Any(property => property[0].GetString() == "connection_name" && property[2].GetString() == clientName))
            .Select(connection => NodeListeningOn(connection.GetProperty("port").GetInt32()))];
    }

    /// <summary>The node (resource name) whose AMQP listener is on <paramref name="port"/>.</summary>
    public string NodeListeningOn(int port) =>
        Nodes.Single(node => App.GetEndpoint(node, LocalServers.EndpointName).Port == port);

    /// <summary>rabbitmqctl against a running node of the cluster, as an operator would run it.</summary>
    public async Task<string> RabbitMqCtlAsync(CancellationToken cancellationToken, params string[] arguments)
    {
        // Running is not enough: a node restarted a moment ago runs before its broker has booted.
        var running = Nodes.First(node => App.ResourceNotifications.TryGetCurrentState(node, out var state)
            && state.Snapshot.State?.Text == KnownResourceStates.Running
            && state.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);
        var broker = Resource<LocalRabbitMqResource>(running);
        var start = new ProcessStartInfo("/usr/lib/rabbitmq/bin/rabbitmqctl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-n");
        start.ArgumentList.Add(broker.NodeName);
        start.ArgumentList.Add("-q");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = broker.Home;
        start.Environment["ERL_EPMD_PORT"] = broker.PortMapperPort.ToString(CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        Assert.True(process.ExitCode == 0, $"rabbitmqctl {string.Join(' ', arguments)} on {running}: {await errors}");
        return await output;
    }

    /// <summary>SIGKILL to one instance of a service, and waits until the AppHost has seen it end or run again.</summary>
    public async Task KillInstanceAsync(string instance)
    {
        Assert.True(App.ResourceNotifications.TryGetCurrentState(instance, out var current), $"{instance} is not known to the AppHost");
        var pid = Convert.ToString(current.Snapshot.Properties.SingleOrDefault(p => p.Name == "executable.pid")?.Value, CultureInfo.InvariantCulture);
        Assert.True(pid is not null, $"{instance} has no process id");
        using (var process = Process.GetProcessById(int.Parse(pid, CultureInfo.InvariantCulture)))
        {
            process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(WaitTimeout);
        await foreach (var update in App.ResourceNotifications.WatchAsync(timeout.Token))
        {
            if (update.ResourceId == instance
                && (update.Snapshot.State?.Text is { } state && state != KnownResourceStates.Running && state != KnownResourceStates.Starting
                    || Convert.ToString(update.Snapshot.Properties.SingleOrDefault(p => p.Name == "executable.pid")?.Value, CultureInfo.InvariantCulture) is { } now && now != pid))
            {
                return;
            }
        }
    }

    /// <summary>Waits until the instance runs as a healthy process again.</summary>
    public async Task WaitForInstanceHealthyAsync(string instance)
    {
        using var timeout = new CancellationTokenSource(WaitTimeout);
        await foreach (var update in App.ResourceNotifications.WatchAsync(timeout.Token))
        {
            if (update.ResourceId == instance && update.Snapshot.State?.Text == KnownResourceStates.Running
                && update.Snapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy)
            {
                return;
            }
        }
    }

    private T Resource<T>(string name) where T : IResource =>
        App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<T>().Single(r => r.Name == name);
}
