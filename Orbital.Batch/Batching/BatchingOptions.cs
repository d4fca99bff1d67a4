using System.ComponentModel.DataAnnotations;

namespace Orbital.Batch.Batching;

/// <summary>Section <c>Batching</c>.</summary>
public sealed class BatchingOptions
{
    public const string SectionName = "Batching";

    /// <summary>Lines whose fire-at times are all within this of each other may share a batch item.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Prep time of a SKU no menu of the setup has.</summary>
    public TimeSpan DefaultPrepTime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest batch of a SKU no menu of the setup has.</summary>
    [Range(1, 1000)]
    public int DefaultMaxBatchSize { get; set; } = 10;
}
