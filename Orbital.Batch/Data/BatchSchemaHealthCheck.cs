using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Orbital.Batch.Data;

internal sealed class BatchSchemaHealthCheck(BatchSchema schema) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(schema.IsReady
            ? HealthCheckResult.Healthy("schema batch ready")
            : new HealthCheckResult(context.Registration.FailureStatus, "waiting for PostgreSQL to prepare schema batch"));
}
