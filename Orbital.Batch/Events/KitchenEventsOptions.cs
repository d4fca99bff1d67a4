using System.ComponentModel.DataAnnotations;

namespace Orbital.Batch.Events;

/// <summary>Section <c>KitchenEvents</c>: the screens' live stream.</summary>
public sealed class KitchenEventsOptions
{
    public const string SectionName = "KitchenEvents";

    /// <summary>A comment line sent this often keeps proxies from closing an idle stream.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Events a screen may fall behind by before it is disconnected (it reconnects and replays).</summary>
    [Range(16, 1_000_000)]
    public int ScreenQueueCapacity { get; set; } = 2048;

    /// <summary>Browser reconnection delay (SSE <c>retry:</c>).</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(2);
}
