using System.ComponentModel.DataAnnotations;

namespace Orbital.Orders.TellingOtter;

/// <summary>Section <c>Otter:Calls</c>: how the calls that tell Otter of the kitchen's steps are paced and retried.</summary>
public sealed class OtterCallsOptions
{
    public const string SectionName = "Otter:Calls";

    /// <summary>Calls a minute to one store's one endpoint (Otter allows about 32 per application, store and endpoint).</summary>
    [Range(1, 1_000_000)]
    public int PerStoreEndpointPerMinute { get; set; } = 30;

    /// <summary>Calls a minute to one store's menu suspend (and, apart, unsuspend) endpoint: Otter allows 16.</summary>
    [Range(1, 1_000_000)]
    public int MenuAvailabilityPerStorePerMinute { get; set; } = 15;

    /// <summary>Calls a second in all (Otter allows 20 requests a second per IP).</summary>
    [Range(1, 10_000)]
    public int PerSecond { get; set; } = 15;

    /// <summary>Wait before the first retry after a 429, a 5xx, a timeout or a network error; it doubles with each failure.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A call still not accepted this long after its step is given up (an order of yesterday is not confirmed today).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan GiveUpAfter { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How long one call may take before it counts as a timeout and is retried.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the sender looks for calls that are due without being woken.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
