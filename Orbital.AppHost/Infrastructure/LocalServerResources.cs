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

    public EndpointReference Endpoint => new(this, LocalServers.EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"amqp://guest:guest@127.0.0.1:{Endpoint.Property(EndpointProperty.Port)}/");
}

/// <summary>A Redis server run by the AppHost as a local process.</summary>
public sealed class LocalRedisResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public EndpointReference Endpoint => new(this, LocalServers.EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"127.0.0.1:{Endpoint.Property(EndpointProperty.Port)}");
}
