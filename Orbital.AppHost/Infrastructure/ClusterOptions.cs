using Microsoft.Extensions.Configuration;

namespace Orbital.AppHost.Infrastructure;

/// <summary>
/// Clustered mode (section <c>Orbital:Cluster</c>, off by default so <c>./run.sh</c> stays light): a RabbitMQ cluster
/// instead of one broker, and several instances of each service. PostgreSQL and Redis stay single here (README,
/// <em>Production topology</em>, says what replaces them).
/// </summary>
public sealed class ClusterOptions
{
    public const string SectionName = "Orbital:Cluster";

    public bool Enabled { get; set; }

    /// <summary>RabbitMQ nodes in clustered mode: an odd number, so that a majority survives one loss.</summary>
    public int RabbitMqNodes { get; set; } = 3;

    /// <summary>Instances of each service (Orders, Batch, Prep) in clustered mode.</summary>
    public int ServiceInstances { get; set; } = 2;

    public static ClusterOptions Read(IConfiguration configuration)
    {
        var options = configuration.GetSection(SectionName).Get<ClusterOptions>() ?? new();
        if (options.RabbitMqNodes is < 1 or > 7 || options.RabbitMqNodes % 2 == 0)
        {
            throw new InvalidOperationException($"{SectionName}:RabbitMqNodes must be 1, 3, 5 or 7 (a majority must survive a node's loss), not {options.RabbitMqNodes}.");
        }

        if (options.ServiceInstances is < 1 or > 8)
        {
            throw new InvalidOperationException($"{SectionName}:ServiceInstances must be between 1 and 8, not {options.ServiceInstances}.");
        }

        return options;
    }

    /// <summary>RabbitMQ nodes to run: the cluster's in clustered mode, else one.</summary>
    public int BrokerNodes => Enabled ? RabbitMqNodes : 1;

    /// <summary>Instances of each service to run: the cluster's in clustered mode, else one.</summary>
    public int InstancesPerService => Enabled ? ServiceInstances : 1;
}
