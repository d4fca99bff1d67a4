using System.ComponentModel.DataAnnotations;

namespace Orbital.Batch.Screens;

/// <summary>Section <c>Screens</c>: pairing kitchen screens, and how many streams a screen or a person may hold open.</summary>
public sealed class ScreenOptions
{
    public const string SectionName = "Screens";

    /// <summary>How long a pairing code can be entered (single use).</summary>
    public TimeSpan PairingCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a device's row is trusted before it is read again: the longest a revocation takes to reach an instance.</summary>
    public TimeSpan DeviceCacheTime { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Wrong codes one client address may enter per minute (the right code is never held up).</summary>
    [Range(1, 10_000)]
    public int FailedPairingsPerAddressPerMinute { get; set; } = 10;

    /// <summary>Wrong codes all clients together may enter per minute: against guessing from many addresses.</summary>
    [Range(1, 100_000)]
    public int FailedPairingsPerMinute { get; set; } = 100;

    /// <summary>Event streams one paired screen may hold open at once (a reload briefly holds two).</summary>
    [Range(1, 1_000)]
    public int StreamsPerScreen { get; set; } = 3;

    /// <summary>Event streams one member of staff may hold open at once, over all their devices.</summary>
    [Range(1, 10_000)]
    public int StreamsPerPerson { get; set; } = 20;

    /// <summary>Event streams one Batch instance holds open at most; beyond it, 503 with Retry-After.</summary>
    [Range(1, 1_000_000)]
    public int MaxStreams { get; set; } = 10_000;

    /// <summary>
    /// The most events a reconnecting screen is replayed from the log; a screen further behind gets a <c>reset</c> and
    /// reloads its board, which costs a bounded read, instead of megabytes of history.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxReplayEvents { get; set; } = 2_000;
}
