using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using RabbitMQ.Client;

namespace Orbital.AppHost.Infrastructure;

/// <summary>
/// A readiness probe that retries quickly by itself for a while: the orchestrator re-polls an unhealthy
/// resource with a growing back-off, which would add seconds after the server is already up.
/// </summary>
internal abstract class PollingReadyCheck : IHealthCheck
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(Budget);
        Exception? last = null;
        while (!budget.IsCancellationRequested)
        {
            try
            {
                await ProbeAsync(budget.Token);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                last = ex;
            }

            try
            {
                await Task.Delay(Interval, budget.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        return HealthCheckResult.Unhealthy(last?.GetBaseException().Message ?? "not ready", last);
    }

    protected abstract Task ProbeAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Ready when a real query answers (an open port is not enough: PostgreSQL answers 57P03 while starting).
/// </summary>
internal sealed class PostgresReadyCheck(LocalPostgresResource server, LocalPostgresDatabaseResource? database) : PollingReadyCheck
{
    protected override async Task ProbeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(server, database, cancellationToken);
        await using var ping = new NpgsqlCommand("SELECT 1", connection);
        await ping.ExecuteScalarAsync(cancellationToken);
    }

    public static async Task CreateDatabaseIfMissingAsync(LocalPostgresResource server, LocalPostgresDatabaseResource database, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(server, database: null, cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.Add(new NpgsqlParameter { Value = database.DatabaseName });
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return;
        }

        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.DatabaseName}\"", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Created by a concurrent start.
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(LocalPostgresResource server, LocalPostgresDatabaseResource? database, CancellationToken cancellationToken)
    {
        var connectionString = database is null
            ? await server.ConnectionStringExpression.GetValueAsync(cancellationToken)
            : await database.ConnectionStringExpression.GetValueAsync(cancellationToken);
        // No pooling: an idle pooled connection held here would make PostgreSQL's smart shutdown wait.
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Timeout = 3 };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }
}

/// <summary>Ready when an AMQP connection opens.</summary>
internal sealed class RabbitMqReadyCheck(LocalRabbitMqResource broker) : PollingReadyCheck
{
    protected override async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var uri = await broker.ConnectionStringExpression.GetValueAsync(cancellationToken);
        await ConnectAsync(uri!, cancellationToken);
    }

    public static async Task ConnectAsync(string uri, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = new Uri(uri),
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(2),
            ClientProvidedName = "orbital-apphost-health",
        };
        await using var connection = await factory.CreateConnectionAsync(cancellationToken);
        await connection.CloseAsync(cancellationToken);
    }
}

/// <summary>Ready when an AMQP connection to the URI opens (a container node's, whose address is known once it runs).</summary>
internal sealed class AmqpReadyCheck(ReferenceExpression uri) : PollingReadyCheck
{
    protected override async Task ProbeAsync(CancellationToken cancellationToken) =>
        await RabbitMqReadyCheck.ConnectAsync((await uri.GetValueAsync(cancellationToken))!, cancellationToken);
}

/// <summary>
/// A cluster is healthy while a majority of its nodes accept connections: quorum queues keep working with a majority,
/// so one node down (killed, stopped for maintenance) leaves the cluster healthy, and a service restarted meanwhile
/// need not wait for it.
/// </summary>
internal sealed class RabbitMqClusterReadyCheck(RabbitMqClusterResource cluster) : PollingReadyCheck
{
    protected override async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var connectionString = await cluster.ConnectionStringExpression.GetValueAsync(cancellationToken);
        var nodes = connectionString!.Split(',');
        var answers = await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                await RabbitMqReadyCheck.ConnectAsync(node, cancellationToken);
                return true;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                return false;
            }
        }));
        var up = answers.Count(answer => answer);
        if (up <= nodes.Length / 2)
        {
            throw new InvalidOperationException($"{up} of {nodes.Length} RabbitMQ nodes answer: no majority.");
        }
    }
}

/// <summary>Ready when Redis answers PING with PONG.</summary>
internal sealed class RedisReadyCheck(LocalRedisResource redis) : PollingReadyCheck
{
    protected override async Task ProbeAsync(CancellationToken cancellationToken)
    {
        var address = await redis.ConnectionStringExpression.GetValueAsync(cancellationToken);
        var parts = address!.Split(':');
        using var client = new TcpClient();
        await client.ConnectAsync(parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        await using var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        var reply = Encoding.ASCII.GetString(buffer, 0, read);
        if (!reply.StartsWith("+PONG", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Redis answered '{reply.Trim()}' to PING.");
        }
    }
}
