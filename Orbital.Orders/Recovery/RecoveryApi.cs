using Microsoft.AspNetCore.Http.HttpResults;
using Orbital.Orders.Operators;
using Orbital.Scheduling;

namespace Orbital.Orders.Recovery;

/// <summary>Operator routes for missed-order recovery: its state, and a run now.</summary>
public static class RecoveryApi
{
    public static IEndpointRouteBuilder MapRecoveryApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/recovery/missed-orders").WithTags("Missed-order recovery").RequireAuthorization(OperatorAccess.EveryStorePolicy);
        group.MapGet("/", GetState).WithName("GetMissedOrderRecovery");
        group.MapPost("/run", Run).WithName("RunMissedOrderRecovery");
        return app;
    }

    public static Results<Ok<MissedOrderRecoveryState>, ProblemHttpResult> GetState(ScheduledJobs jobs, IOtterOrderFeed feed)
    {
        if (!jobs.IsRunning)
        {
            return NotStarted();
        }

        var job = jobs.RecurringJobs().FirstOrDefault(j => j.Id == MissedOrderRecoveryJob.JobId);
        return TypedResults.Ok(new MissedOrderRecoveryState(
            feed.IsConfigured, job is not null, job?.Cron, job?.LastExecution, job?.LastJobId, job?.LastJobState, job?.NextExecution));
    }

    public static Results<Accepted<MissedOrderRecoveryRun>, ProblemHttpResult> Run(ScheduledJobs jobs)
    {
        var jobId = jobs.IsRunning ? jobs.Trigger(MissedOrderRecoveryJob.JobId) : null;
        return jobId is null
            ? NotStarted()
            : TypedResults.Accepted((string?)null, new MissedOrderRecoveryRun(jobId));
    }

    private static ProblemHttpResult NotStarted() => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "Scheduled jobs are not running",
        detail: "The job server starts once PostgreSQL answers, or the recovery job is turned off by configuration.");
}

public sealed record MissedOrderRecoveryState(
    bool OtterApiConfigured, bool Scheduled, string? Cron, DateTime? LastRun, string? LastRunJobId, string? LastRunState, DateTime? NextRun);

public sealed record MissedOrderRecoveryRun(string JobId);
