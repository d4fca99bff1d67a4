namespace Orbital.Scheduling;

/// <summary>
/// A recurring job. Hangfire resolves it from a DI scope per run and passes its own shutdown token.
/// A run that throws is retried by Hangfire; a job must therefore be safe to run twice.
/// </summary>
public interface IScheduledJob
{
    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>A job registered with <see cref="ScheduledJobsExtensions.AddRecurringJob{TJob}"/>.</summary>
public sealed record RecurringJobRegistration(string Id, Type JobType, string DefaultCron);
