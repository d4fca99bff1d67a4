using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orbital.Contracts;

namespace Orbital.AppHost.Infrastructure;

/// <summary>
/// PostgreSQL, RabbitMQ and Redis as processes the AppHost starts itself, for machines with no container runtime.
/// The README (*Running it*) says which trap of running them without containers each step avoids.
/// </summary>
public static class LocalServers
{
    public const string EndpointName = "tcp";

    public static OrbitalServers AddLocalServers(this IDistributedApplicationBuilder builder, InfrastructureOptions options)
    {
        var state = LocalServerState.Create(builder, options);

        var postgres = builder.AddLocalPostgres(state, options);
        var rabbitMq = builder.AddLocalRabbitMq(state, options);
        var redis = builder.AddLocalRedis(state, options);

        return new OrbitalServers(
            builder.AddLocalDatabase(postgres, ResourceNames.OrdersDatabase, "orders"),
            builder.AddLocalDatabase(postgres, ResourceNames.BatchDatabase, "batch"),
            builder.AddLocalDatabase(postgres, ResourceNames.PrepDatabase, "prep"),
            builder.AddLocalDatabase(postgres, ResourceNames.WarehouseDatabase, "warehouse"),
            rabbitMq,
            redis);
    }

    private static IResourceBuilder<LocalPostgresResource> AddLocalPostgres(this IDistributedApplicationBuilder builder, LocalServerState state, InfrastructureOptions options)
    {
        var binDirectory = options.PostgresBinDirectory ?? FindPostgresBinDirectory();
        var dataDirectory = Path.Combine(state.Root, "postgres", "data");
        var password = state.Ephemeral ? Convert.ToHexString(RandomNumberGenerator.GetBytes(16)) : options.PostgresPassword;

        // postgres and initdb refuse to run as root: drop to the postgres user with setpriv, which execs,
        // so the process the orchestrator watches is postgres itself.
        var asRoot = Environment.UserName == "root";
        var command = asRoot ? "/usr/bin/setpriv" : Path.Combine(binDirectory, "postgres");
        var resource = new LocalPostgresResource(ResourceNames.Postgres, command, state.Root, password);

        var server = builder.AddResource(resource)
            .WithEndpoint(EndpointName, endpoint =>
            {
                endpoint.IsProxied = false;
                endpoint.Port = state.Ephemeral ? null : options.PostgresPort;
                endpoint.TargetPort = state.Ephemeral ? null : options.PostgresPort;
                endpoint.UriScheme = "tcp";
            })
            .WithArgs(context =>
            {
                if (asRoot)
                {
                    context.Args.Add("--reuid=postgres");
                    context.Args.Add("--regid=postgres");
                    context.Args.Add("--init-groups");
                    context.Args.Add("--");
                    context.Args.Add(Path.Combine(binDirectory, "postgres"));
                }

                context.Args.Add("-D");
                context.Args.Add(dataDirectory);
                context.Args.Add("-p");
                context.Args.Add(resource.Endpoint.Property(EndpointProperty.TargetPort));
                foreach (var setting in PostgresSettings(state.Ephemeral))
                {
                    context.Args.Add("-c");
                    context.Args.Add(setting);
                }
            })
            .WithHealthCheck(builder.AddReadinessCheck($"{ResourceNames.Postgres}-ready",
                sp => new PostgresReadyCheck(resource, database: null)));

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, async (@event, cancellationToken) =>
        {
            var logger = @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
            await PostgresInitialiser.InitialiseAsync(binDirectory, dataDirectory, password, asRoot, state.Ephemeral, logger, cancellationToken);
        });

        return server;
    }

    private static IEnumerable<string> PostgresSettings(bool ephemeral)
    {
        yield return "listen_addresses=127.0.0.1";
        // No Unix socket: its default directory may not exist, and TCP on loopback is all we need.
        yield return "unix_socket_directories=";
        yield return "max_connections=300";
        if (ephemeral)
        {
            // Throwaway test data: no fsync (only a machine crash could lose data, and then the data goes anyway). Commits
            // stay synchronous: the fault suite kills and restarts PostgreSQL, and an asynchronous commit acknowledged just
            // before that would be lost, which is exactly what the suite must not see.
            yield return "fsync=off";
            yield return "full_page_writes=off";
        }
    }

    private static IResourceBuilder<LocalPostgresDatabaseResource> AddLocalDatabase(
        this IDistributedApplicationBuilder builder, IResourceBuilder<LocalPostgresResource> server, string name, string databaseName)
    {
        var database = new LocalPostgresDatabaseResource(name, databaseName, server.Resource);
        server.Resource.Databases.Add(database);

        // A database is not a process: it is running once its server is ready and it has been created there.
        builder.Eventing.Subscribe<ResourceReadyEvent>(server.Resource, async (@event, cancellationToken) =>
        {
            await PostgresReadyCheck.CreateDatabaseIfMissingAsync(server.Resource, database, cancellationToken);
            var notifications = @event.Services.GetRequiredService<ResourceNotificationService>();
            await notifications.PublishUpdateAsync(database, snapshot => snapshot with
            {
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            });
        });

        return builder.AddResource(database)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "PostgresDatabase",
                State = KnownResourceStates.Waiting,
                Properties = [new ResourcePropertySnapshot(CustomResourceKnownProperties.Source, databaseName)],
            })
            .WithHealthCheck(builder.AddReadinessCheck($"{name}-ready", _ => new PostgresReadyCheck(server.Resource, database)));
    }

    private static IResourceBuilder<LocalRedisResource> AddLocalRedis(this IDistributedApplicationBuilder builder, LocalServerState state, InfrastructureOptions options)
    {
        var root = Directory.CreateDirectory(Path.Combine(state.Root, "redis")).FullName;
        var resource = new LocalRedisResource(ResourceNames.Redis, "redis-server", root);
        return builder.AddResource(resource)
            .WithEndpoint(EndpointName, endpoint =>
            {
                endpoint.IsProxied = false;
                endpoint.Port = state.Ephemeral ? null : options.RedisPort;
                endpoint.TargetPort = state.Ephemeral ? null : options.RedisPort;
                endpoint.UriScheme = "redis";
            })
            .WithArgs(context =>
            {
                context.Args.Add("--port");
                context.Args.Add(resource.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--bind");
                context.Args.Add("127.0.0.1");
                context.Args.Add("--dir");
                context.Args.Add(root);
                context.Args.Add("--appendonly");
                context.Args.Add("no");
                context.Args.Add("--save");
                // Tests keep nothing; development snapshots every minute in which something changed.
                context.Args.Add(state.Ephemeral ? string.Empty : "60 1");
            })
            .WithHealthCheck(builder.AddReadinessCheck($"{ResourceNames.Redis}-ready", _ => new RedisReadyCheck(resource)));
    }

    private static string AddReadinessCheck(this IDistributedApplicationBuilder builder, string key, Func<IServiceProvider, IHealthCheck> factory)
    {
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(key, factory, failureStatus: null, tags: null));
        return key;
    }

    private static string FindPostgresBinDirectory()
    {
        const string root = "/usr/lib/postgresql";
        var candidates = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Where(directory => File.Exists(Path.Combine(directory, "bin", "postgres")))
                .OrderByDescending(directory => int.TryParse(Path.GetFileName(directory), out var version) ? version : 0)
                .ToList()
            : [];
        return candidates.Count > 0
            ? Path.Combine(candidates[0], "bin")
            : throw new InvalidOperationException(
                "PostgreSQL server binaries were not found under /usr/lib/postgresql. Install them (apt-get install postgresql) " +
                $"or set {InfrastructureOptions.SectionName}:PostgresBinDirectory.");
    }

    internal static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// A free port above the kernel's range for outgoing connections, so that none of them can take it between now and
    /// the server's start (seen: a cluster node's distribution port taken by a client in the seconds it waited for the
    /// first node). Any free port when there is no such room.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> HandedOut = new();

    internal static int FreePortOutsideEphemeralRange()
    {
        var top = 60999;
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            top = int.Parse(range[1], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            // Not Linux, or no such file: Linux's default range.
        }

        for (var attempt = 0; attempt < 50 && top < 65000; attempt++)
        {
            // Free now and not already handed to another server of this AppHost (none has bound its port yet: seen, two
            // cluster nodes given the same distribution port, the second failing to boot).
            var port = Random.Shared.Next(top + 1, 65536);
            if (IsFree(port) && HandedOut.TryAdd(port, 0))
            {
                return port;
            }
        }

        return FreeTcpPort();
    }

    internal static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
