using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Orbital.Orders.Data;

internal sealed class OrdersSchemaHealthCheck(OrdersSchema schema) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(schema.IsReady
            ? HealthCheckResult.Healthy("migrations applied")
            : new HealthCheckResult(context.Registration.FailureStatus, "waiting for PostgreSQL to apply migrations"));
}
