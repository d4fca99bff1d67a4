using System.Reflection;
using DbUp;
using DbUp.Postgresql;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Orbital.Migrations;

/// <summary>
/// A service's PostgreSQL schema, brought to the newest version at start by numbered SQL scripts embedded in the service
/// (<c>Data/Migrations/NNNN_what.sql</c>), each applied once and recorded in <c>&lt;schema&gt;.schema_migrations</c>;
/// all pending scripts run in one transaction, so a failed upgrade leaves the database as it was. Retried while
/// PostgreSQL is down; instances that start together serialise on an advisory lock, and the later ones find nothing left to do.
/// </summary>
public abstract partial class ServiceSchema(NpgsqlDataSource dataSource, TimeProvider time, ILogger logger) : BackgroundService
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The PostgreSQL schema the service owns.</summary>
    public abstract string Name { get; }

    /// <summary>The advisory lock that serialises the upgrades of this schema.</summary>
    protected abstract long LockId { get; }

    /// <summary>The assembly whose embedded <c>.Data.Migrations.*.sql</c> resources are this schema's scripts.</summary>
    protected virtual Assembly ScriptAssembly => GetType().Assembly;

    /// <summary>Work that needs the upgraded schema before the service is ready (tables another library owns).</summary>
    protected virtual Task AfterUpgradeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>The scripts this build knows, in the order they apply.</summary>
    public IReadOnlyList<string> Scripts => [.. ScriptAssembly.GetManifestResourceNames().Where(IsScript).Order(StringComparer.Ordinal)];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (await StartupRetry.UntilDoneAsync(UpgradeAsync, (delay, ex) => Log.NotYet(logger, Name, delay.TotalSeconds, ex.GetBaseException().Message), time, stoppingToken))
        {
            _ready.TrySetResult();
            Log.Ready(logger, Name);
        }
    }

    /// <summary>Applies the scripts not applied yet.</summary>
    public async Task UpgradeAsync(CancellationToken cancellationToken)
    {
        // A session lock on a connection of its own, held while DbUp works on its connections.
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({LockId}); CREATE SCHEMA IF NOT EXISTS {Name}", lockConnection))
        {
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var upgrade = DeployChanges.To.PostgresqlDatabase(new PostgresqlConnectionManager(dataSource))
                .JournalToPostgresqlTable(Name, "schema_migrations")
                .WithScriptsEmbeddedInAssembly(ScriptAssembly, IsScript)
                .WithTransaction()
                .LogTo(logger)
                .Build();
            var result = await Task.Run(upgrade.PerformUpgrade, cancellationToken);
            if (!result.Successful)
            {
                throw new InvalidOperationException($"Upgrading schema {Name} failed at {result.ErrorScript?.Name}: {result.Error?.Message}", result.Error);
            }

            foreach (var script in result.Scripts)
            {
                Log.Applied(logger, Name, script.Name);
            }

            await AfterUpgradeAsync(cancellationToken);
        }
        finally
        {
            await using var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockId})", lockConnection);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static bool IsScript(string resource) => resource.Contains(".Data.Migrations.", StringComparison.Ordinal) && resource.EndsWith(".sql", StringComparison.Ordinal);

    private static partial class Log
    {
        [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Schema {Schema} is up to date")]
        public static partial void Ready(ILogger logger, string schema);

        [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Could not upgrade schema {Schema} yet, trying again in {DelaySeconds} s: {Reason}")]
        public static partial void NotYet(ILogger logger, string schema, double delaySeconds, string reason);

        [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "Schema {Schema}: applied {Script}")]
        public static partial void Applied(ILogger logger, string schema, string script);
    }
}

/// <summary>Degraded (or the registration's failure status) until the schema is up to date.</summary>
public sealed class ServiceSchemaHealthCheck<TSchema>(TSchema schema) : IHealthCheck
    where TSchema : ServiceSchema
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(schema.IsReady
            ? HealthCheckResult.Healthy($"schema {schema.Name} up to date")
            : new HealthCheckResult(context.Registration.FailureStatus, $"waiting for PostgreSQL to upgrade schema {schema.Name}"));
}
