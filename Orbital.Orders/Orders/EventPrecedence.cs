using Orbital.Orders.Otter;

namespace Orbital.Orders.Orders;

/// <summary>
/// Which of two events describes the order as it is now. The later event time wins. Otter often gives several events of
/// one order the same time (its own examples do), so a tie goes to the event that comes later in an order's natural
/// course (an update after the new order; cancelled after ready after confirmed), and between equals to the one that
/// arrived later. A later-received update of the same instant is therefore never dropped.
/// </summary>
public static class EventPrecedence
{
    /// <summary>Rank of a full-order event for the lines: an update comes after the order it changes.</summary>
    public static int LinesRank(string eventType) => eventType == OtterEventTypes.Update ? 1 : 0;

    /// <summary>Rank of a status in an order's course; the end states last.</summary>
    public static int StatusRank(string status) => status switch
    {
        "NEW_ORDER" => 1,
        "CONFIRMED" => 2,
        "PREPARED" => 3,
        "PICKED_UP" => 4,
        "FULFILLED" => 5,
        "REJECTED" or "CANCELED" => 6,
        _ => 0,
    };

    /// <summary>Whether an event at <paramref name="time"/> of <paramref name="rank"/> replaces what the current state came from.</summary>
    public static bool Supersedes(DateTimeOffset time, int rank, DateTimeOffset? currentTime, int currentRank) =>
        currentTime is not { } current || time > current || (time == current && rank >= currentRank);
}
