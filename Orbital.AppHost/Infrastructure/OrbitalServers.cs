using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Orbital.Contracts;

namespace Orbital.AppHost.Infrastructure;

/// <summary>The servers every service connects to, by the same resource names whichever way they are provided.</summary>
public sealed record OrbitalServers(
    IResourceBuilder<IResourceWithConnectionString> OrdersDatabase,
    IResourceBuilder<IResourceWithConnectionString> BatchDatabase,
    IResourceBuilder<IResourceWithConnectionString> PrepDatabase,
    IResourceBuilder<IResourceWithConnectionString> WarehouseDatabase,
    IResourceBuilder<IResourceWithConnectionString> RabbitMq,
    IResourceBuilder<IResourceWithConnectionString> Redis);

public static class OrbitalServersExtensions
{
    /// <summary>
    /// PostgreSQL (a database per service), RabbitMQ and Redis: as containers where a container runtime answers,
    /// otherwise as local server processes started by the AppHost. <c>Orbital:Infrastructure:Mode</c> overrides the choice.
    /// </summary>
    public static OrbitalServers AddOrbitalServers(this IDistributedApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(InfrastructureOptions.SectionName).Get<InfrastructureOptions>() ?? new();
        options.RabbitMqNodes = ClusterOptions.Read(builder.Configuration).BrokerNodes;
        var useContainers = options.Mode.ToLowerInvariant() switch
        {
            "containers" => true,
            "local" => false,
            "auto" => ContainerRuntimeAnswers(),
            var other => throw new InvalidOperationException(
                $"{InfrastructureOptions.SectionName}:Mode must be auto, containers or local, not '{other}'."),
        };

        return useContainers ? builder.AddContainerServers(options) : builder.AddLocalServers(options);
    }

    private static OrbitalServers AddContainerServers(this IDistributedApplicationBuilder builder, InfrastructureOptions options)
    {
        var postgres = builder.AddPostgres(ResourceNames.Postgres);
        IResourceBuilder<IResourceWithConnectionString> rabbitMq;
        if (options.RabbitMqNodes > 1)
        {
            rabbitMq = builder.AddContainerRabbitMqCluster(options);
        }
        else
        {
            var broker = builder.AddRabbitMQ(ResourceNames.RabbitMq);
            if (!options.Ephemeral)
            {
                broker.WithDataVolume();
            }

            rabbitMq = broker;
        }

        var redis = builder.AddRedis(ResourceNames.Redis);
        if (!options.Ephemeral)
        {
            postgres.WithDataVolume();
        }

        return new OrbitalServers(
            postgres.AddDatabase(ResourceNames.OrdersDatabase),
            postgres.AddDatabase(ResourceNames.BatchDatabase),
            postgres.AddDatabase(ResourceNames.PrepDatabase),
            postgres.AddDatabase(ResourceNames.WarehouseDatabase),
            rabbitMq,
            redis);
    }

    /// <summary>Whether a container runtime answers (not merely whether its client is installed).</summary>
    private static bool ContainerRuntimeAnswers()
    {
        var runtime = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") ?? "docker";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
