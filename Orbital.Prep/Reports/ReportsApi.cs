using Microsoft.AspNetCore.Http.HttpResults;
using Orbital.Prep.Auth;
using Orbital.Scheduling;

namespace Orbital.Prep.Reports;

/// <summary>Managers see the report schedules and can run one now.</summary>
public static class ReportsApi
{
    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var reports = app.MapGroup("/reports").WithTags("Reports").RequireAuthorization(PrepPolicies.Manager);
        reports.MapGet("/jobs", (ScheduledJobs jobs) => TypedResults.Ok(jobs.RecurringJobs()
            .Select(j => new ReportJobView(j.Id, j.Cron, j.TimeZoneId, j.LastExecution, j.LastJobId, j.LastJobState, j.NextExecution)).ToList()));
        reports.MapPost("/jobs/{jobId}/run", Results<Accepted<ReportRun>, ProblemHttpResult> (string jobId, ScheduledJobs jobs) =>
        {
            if (!jobs.IsRunning)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Scheduled jobs are not running",
                    detail: "The job server starts once PostgreSQL answers.");
            }

            try
            {
                return TypedResults.Accepted((string?)null, new ReportRun(jobs.Trigger(jobId)!));
            }
            catch (ArgumentException)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such report job", detail: $"No recurring job '{jobId}'.");
            }
        });
        return app;
    }
}

/// <param name="TimeZone">The zone <paramref name="Cron"/> is read in: the location's own for its reports.</param>
/// <param name="NextRun">In UTC.</param>
public sealed record ReportJobView(string Id, string Cron, string? TimeZone, DateTime? LastRun, string? LastRunJobId, string? LastRunState, DateTime? NextRun);

public sealed record ReportRun(string JobId);
