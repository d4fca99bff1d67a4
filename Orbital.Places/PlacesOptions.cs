using System.ComponentModel.DataAnnotations;

namespace Orbital.Places;

/// <summary>Section <c>Places</c>.</summary>
public sealed class PlacesOptions
{
    public const string SectionName = "Places";

    /// <summary>How often the setup is read again when no change was announced (a missed announcement is caught by then).</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(5);
}
