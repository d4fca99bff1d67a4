namespace Orbital.AppHost.Infrastructure;

/// <summary>A PostgreSQL server run by the AppHost as a local process.</summary>
public sealed class LocalPostgresResource(string name, string command, string workingDirectory, string password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public string Password { get; } = password;

    public EndpointReference Endpoint => new(this, LocalServers.EndpointName);

    /// <summary>Connection to the server's maintenance database.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={Endpoint.Property(EndpointProperty.Port)};Username=postgres;Password={Password}");

    public List<LocalPostgresDatabaseResource> Databases { get; } = [];
}

/// <summary>A database on a local PostgreSQL server; the AppHost creates it when it is missing.</summary>
public sealed class LocalPostgresDatabaseResource(string name, string databaseName, LocalPostgresResource parent)
    : Resource(name), IResourceWithParent<LocalPostgresResource>, IResourceWithConnectionString
{
    public string DatabaseName { get; } = databaseName;

    public LocalPostgresResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{Parent};Database={DatabaseName}");
}

/// <summary>A RabbitMQ broker run by the AppHost as a local process.</summary>
public sealed class LocalRabbitMqResource(string name, string command, string workingDirectory, string nodeName)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public string NodeName { get; } = nodeName;

    /// <summary>Where the node's Erlang cookie is (rabbitmqctl needs the same HOME to reach the node).</summary>
    public required string Home { get; init; }

    /// <summary>The Erlang port mapper the node registers with (rabbitmqctl needs it as ERL_EPMD_PORT).</summary>
    public required int PortMapperPort { get; init; }

    /// <summary>The cluster the node belongs to, when it is one of several.</summary>
    public RabbitMqClusterResource? Cluster { get; set; }

    public EndpointReference Endpoint => new(this, LocalServers.EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"amqp://guest:guest@127.0.0.1:{Endpoint.Property(EndpointProperty.Port)}/");
}

/// <summary>
/// A RabbitMQ cluster (local nodes or containers), one resource to the services: its connection string lists every
/// node's AMQP URI, and the client moves to another when the one it is connected to is lost.
/// </summary>
public sealed class RabbitMqClusterResource(string name) : Resource(name), IResourceWithConnectionString
{
    /// <summary>Each node's AMQP URI, credentials included.</summary>
    public List<ReferenceExpression> Nodes { get; } = [];

    public ReferenceExpression ConnectionStringExpression
    {
        get
        {
            var expression = new ReferenceExpressionBuilder();
            for (var i = 0; i < Nodes.Count; i++)
            {
                if (i > 0)
                {
                    expression.AppendLiteral(",");
                }

                expression.Append($"{Nodes[i]}");
            }

            return expression.Build();
        }
    }
}

/// <summary>A Redis server run by the AppHost as a local process.</summary>
public sealed class LocalRedisResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public EndpointReference Endpoint => new(this, LocalServers.EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"127.0.0.1:{Endpoint.Property(EndpointProperty.Port)}");
}
