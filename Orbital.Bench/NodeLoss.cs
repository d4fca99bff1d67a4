using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Orbital.AppHost.Infrastructure;

namespace Orbital.Bench;

/// <summary>Kills (SIGKILL) the RabbitMQ cluster node that leads a queue, at a moment of the run: a machine lost at dinner time.</summary>
public static class NodeLoss
{
    public static async Task<string?> KillLeaderAsync(DistributedApplication app, string queue, TimeSpan after)
    {
        await Task.Delay(after);
        var nodes = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<LocalRabbitMqResource>().ToList();
        if (nodes.Count < 2)
        {
            return "not clustered: no node killed";
        }

        var leaderName = await LeaderAsync(nodes[0], queue);
        var leader = nodes.Single(node => node.NodeName == leaderName);
        if (!app.ResourceNotifications.TryGetCurrentState(leader.Name, out var state)
            || state.Snapshot.Properties.SingleOrDefault(p => p.Name == "executable.pid")?.Value is not { } pid)
        {
            return $"{leader.Name} has no process to kill";
        }

        using var process = Process.GetProcessById(Convert.ToInt32(pid, CultureInfo.InvariantCulture));
        process.Kill(entireProcessTree: true);
        return $"{leader.Name} (leader of {queue}) killed at {after.TotalSeconds:F0} s; the AppHost starts it again";
    }

    private static async Task<string> LeaderAsync(LocalRabbitMqResource node, string queue)
    {
        var start = new ProcessStartInfo("/usr/lib/rabbitmq/bin/rabbitmqctl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-n", node.NodeName, "-q", "list_queues", "name", "leader", "--formatter", "json" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["HOME"] = node.Home;
        start.Environment["ERL_EPMD_PORT"] = node.PortMapperPort.ToString(CultureInfo.InvariantCulture);
        using var ctl = Process.Start(start)!;
        var output = await ctl.StandardOutput.ReadToEndAsync();
        await ctl.WaitForExitAsync();
        return JsonDocument.Parse(output).RootElement.EnumerateArray()
            .Single(q => q.GetProperty("name").GetString() == queue).GetProperty("leader").GetString()!;
    }
}
