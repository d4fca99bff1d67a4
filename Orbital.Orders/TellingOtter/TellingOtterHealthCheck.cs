using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Orders.Recovery;

namespace Orbital.Orders.TellingOtter;

/// <summary>
/// Says whether Otter is being told of the kitchen's steps: not configured is healthy (the kitchen cooks all the same)
/// but said; calls owed for over <see cref="StaleAfter"/> make the service degraded (Otter down, or refusing the token).
/// </summary>
internal sealed class TellingOtterHealthCheck(NpgsqlDataSource dataSource, IOptions<OtterApiOptions> api, TimeProvider time) : IHealthCheck
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(10);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!api.Value.IsConfigured)
        {
            return HealthCheckResult.Healthy("Otter is not being told of the kitchen's steps: Otter:Api is not configured");
        }

        try
        {
            await using var command = dataSource.CreateCommand(
                "SELECT count(*), min(occurred_at) FROM otter.otter_calls WHERE state = 'pending'");
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var owed = reader.GetInt64(0);
            var oldest = reader.IsDBNull(1) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(1);
            var data = new Dictionary<string, object> { ["owed"] = owed };
            return oldest is { } since && time.GetUtcNow() - since > StaleAfter
                ? HealthCheckResult.Degraded($"{owed} call(s) to Otter owed, the oldest since {since:u}", data: data)
                : HealthCheckResult.Healthy($"Otter is told of the kitchen's steps; {owed} call(s) owed", data);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return HealthCheckResult.Healthy("Otter is told of the kitchen's steps once the schema is migrated");
        }
    }
}
