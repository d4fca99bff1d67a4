namespace Orbital.Scheduling;

/// <summary>
/// A recurring job. Hangfire resolves it from a DI scope per run and passes its own shutdown token.
/// A run that throws is retried by Hangfire; a job must therefore be safe to run twice.
/// </summary>
public interface IScheduledJob
{
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>A recurring job that runs once per argument (a location, a store), each with its own schedule.</summary>
public interface IScheduledJobFor
{
    Task RunAsync(string argument, CancellationToken cancellationToken);
}

/// <summary>A job registered with <see cref="ScheduledJobsExtensions.AddRecurringJob{TJob}"/>; <see cref="Argument"/> for an <see cref="IScheduledJobFor"/>.</summary>
public sealed record RecurringJobRegistration(string Id, Type JobType, string DefaultCron, string? Argument = null);

/// <summary>
/// The time zone a recurring job's cron is read in, when the service knows it better than <c>ScheduledJobs:TimeZone</c>
/// (a location's report at 05:30 in that location's time); null when it has no opinion.
/// </summary>
public interface IRecurringJobTimeZones
{
    Task<string?> TimeZoneOfAsync(RecurringJobRegistration registration, CancellationToken cancellationToken);
}
