using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Orbital.Scheduling;

internal sealed class ScheduledJobsHealthCheck(ScheduledJobs jobs) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(jobs.IsRunning
            ? HealthCheckResult.Healthy($"Hangfire server running in schema {jobs.Schema}.")
            : new HealthCheckResult(context.Registration.FailureStatus, "Hangfire server not started yet: waiting for PostgreSQL."));
}
