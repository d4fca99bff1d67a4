using System.ComponentModel.DataAnnotations;

namespace Orbital.Batch.Operations;

/// <summary>Section <c>Operations</c>: what the operations page counts as late, and how far back it charts orders.</summary>
public sealed class OperationsOptions
{
    public const string SectionName = "Operations";

    /// <summary>An item waiting or cooking this long is late: the kitchen screen's own default (<c>lateMinutes=8</c>).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "04:00:00")]
    public TimeSpan LateAfter { get; set; } = TimeSpan.FromMinutes(8);

    /// <summary>How far back the orders per quarter hour go.</summary>
    [Range(typeof(TimeSpan), "00:15:00", "1.00:00:00")]
    public TimeSpan OrdersWindow { get; set; } = TimeSpan.FromHours(6);
}
