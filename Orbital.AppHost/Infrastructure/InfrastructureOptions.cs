namespace Orbital.AppHost.Infrastructure;

/// <summary>How the AppHost provides PostgreSQL, RabbitMQ and Redis. Section <c>Orbital:Infrastructure</c>.</summary>
public sealed class InfrastructureOptions
{
    public const string SectionName = "Orbital:Infrastructure";

    /// <summary><c>auto</c> (containers when a container runtime answers, else local), <c>containers</c> or <c>local</c>.</summary>
    public string Mode { get; set; } = "auto";

    /// <summary>
    /// Local servers only: fresh data in a temporary directory and free ports, removed when the AppHost stops.
    /// The tests set it; <c>dotnet run</c> keeps data in <see cref="DataDirectory"/> on the fixed ports below.
    /// </summary>
    public bool Ephemeral { get; set; }

    /// <summary>Where local servers keep their data between runs; relative paths are from the repository root.</summary>
    public string DataDirectory { get; set; } = ".data";

    /// <summary>
    /// RabbitMQ nodes: 1, or a cluster (clustered mode: 3). Cluster nodes listen on <see cref="RabbitMqPort"/> + 1, + 2, …
    /// and quorum queues get a member on each.
    /// </summary>
    public int RabbitMqNodes { get; set; } = 1;

    public int PostgresPort { get; set; } = 54320;
    public int RabbitMqPort { get; set; } = 56720;
    public int RedisPort { get; set; } = 63790;

    /// <summary>The Erlang port mapper of the local broker (kept off the default 4369 so it is ours alone to stop).</summary>
    public int ErlangPortMapperPort { get; set; } = 54369;

    /// <summary>Password of the local PostgreSQL superuser in development (tests use a random one).</summary>
    public string PostgresPassword { get; set; } = "orbital";

    /// <summary>PostgreSQL's bin directory; found under /usr/lib/postgresql when empty.</summary>
    public string? PostgresBinDirectory { get; set; }
}
