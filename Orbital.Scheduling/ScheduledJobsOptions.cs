using System.ComponentModel.DataAnnotations;

namespace Orbital.Scheduling;

/// <summary>Section <c>ScheduledJobs</c>: where a service's Hangfire keeps its state and when its jobs run.</summary>
public sealed class ScheduledJobsOptions
{
    public const string SectionName = "ScheduledJobs";

    /// <summary>The PostgreSQL schema of this service's Hangfire tables; one per service, so no service runs another's jobs.</summary>
    [Required, RegularExpression("^[a-z_][a-z0-9_]*$")]
    public string Schema { get; set; } = "hangfire";

    [Range(1, 16)]
    public int WorkerCount { get; set; } = 2;

    /// <summary>Cron expression per recurring job id, overriding the job's default; <c>never</c> turns a job off.</summary>
    public Dictionary<string, string> Schedules { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Time zone the cron expressions are read in (IANA id).</summary>
    public string TimeZone { get; set; } = "UTC";

    /// <summary>How often a worker looks for enqueued jobs.</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait for running jobs at shutdown before they are cancelled (they are retried on the next start).</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
