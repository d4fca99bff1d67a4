using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Orbital.Prep.Auth;
using Orbital.Scheduling;

namespace Orbital.Prep.Reports;

/// <summary>
/// Managers see the report schedules of their locations and can run one now; jobs of the whole service (warehouse
/// syncs) are for those who work at every location.
/// </summary>
public static class ReportsApi
{
    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        var reports = app.MapGroup("/reports").WithTags("Reports").RequireAuthorization(PrepPolicies.Manager);
        reports.MapGet("/jobs", (ScheduledJobs jobs, ClaimsPrincipal user) => TypedResults.Ok(jobs.RecurringJobs()
            .Where(j => MaySee(user, j.Id))
            .Select(j => new ReportJobView(j.Id, j.Cron, j.TimeZoneId, j.LastExecution, j.LastJobId, j.LastJobState, j.NextExecution)).ToList()));
        reports.MapPost("/jobs/{jobId}/run", Results<Accepted<ReportRun>, ProblemHttpResult> (string jobId, ScheduledJobs jobs, ClaimsPrincipal user) =>
        {
            if (!MaySee(user, jobId))
            {
                return ReportJobIds.LocationOf(jobId) is { } location
                    ? StaffAccess.NotYourLocation(location)
                    : TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "A job of the whole service",
                        detail: "Only staff who work at every location run the service's own jobs.");
            }

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

    private static bool MaySee(ClaimsPrincipal user, string jobId) =>
        ReportJobIds.LocationOf(jobId) is { } location ? user.WorksAt(location) : user.WorksAtEveryLocation();
}

/// <param name="TimeZone">The zone <paramref name="Cron"/> is read in: the location's own for its reports.</param>
/// <param name="NextRun">In UTC.</param>
public sealed record ReportJobView(string Id, string Cron, string? TimeZone, DateTime? LastRun, string? LastRunJobId, string? LastRunState, DateTime? NextRun);

public sealed record ReportRun(string JobId);
