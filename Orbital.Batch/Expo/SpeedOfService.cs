namespace Orbital.Batch.Expo;

/// <summary>
/// How fast a kitchen served in a business day, from the times it keeps of each order: ordered (Otter's time) →
/// confirmed (the kitchen took it) → first line started → ready → handed off. Medians and 90th percentiles, for the
/// whole day, per station (waiting: confirmed → the station started its part; cooking: started → its last bump) and per
/// hour of the day (by when the order was confirmed, on the kitchen's clock). A step an order has not reached, or one
/// measured backwards (a recall, a clock that moved), is left out of that step's figures, never counted as zero.
/// </summary>
public sealed record SpeedOfService(
    string KitchenId,
    DateOnly BusinessDay,
    DateTimeOffset From,
    DateTimeOffset To,
    int Orders,
    bool Truncated,
    IReadOnlyList<StageTime> Stages,
    IReadOnlyList<StationTime> Stations,
    IReadOnlyList<HourTime> Hours)
{
    public static class StageNames
    {
        public const string OrderedToConfirmed = "ordered_to_confirmed";
        public const string ConfirmedToFirstStarted = "confirmed_to_first_started";
        public const string FirstStartedToReady = "first_started_to_ready";
        public const string ReadyToHandedOff = "ready_to_handed_off";
        public const string ConfirmedToReady = "confirmed_to_ready";
    }

    /// <summary>The day's figures from its orders' times and their stations' times.</summary>
    /// <param name="localTime">The kitchen's wall clock at an instant (hours are the kitchen's).</param>
    public static SpeedOfService Measure(
        string kitchenId, DateOnly day, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<OrderTimes> orders, IReadOnlyList<StationTimes> stations,
        bool truncated, Func<DateTimeOffset, DateTimeOffset> localTime, Func<string, string> stationName)
    {
        StageTime Stage(string name, Func<OrderTimes, TimeSpan?> span) => new(name, Duration.Of(orders.Select(span)));
        var stages = new List<StageTime>
        {
            Stage(StageNames.OrderedToConfirmed, o => Between(o.OrderedAt, o.ConfirmedAt)),
            Stage(StageNames.ConfirmedToFirstStarted, o => Between(o.ConfirmedAt, o.FirstStartedAt)),
            Stage(StageNames.FirstStartedToReady, o => Between(o.FirstStartedAt, o.ReadyAt)),
            Stage(StageNames.ReadyToHandedOff, o => Between(o.ReadyAt, o.HandedOffAt)),
            Stage(StageNames.ConfirmedToReady, o => Between(o.ConfirmedAt, o.ReadyAt)),
        };

        var byStation = stations.GroupBy(s => s.StationId, StringComparer.Ordinal)
            .Select(g => new StationTime(g.Key, stationName(g.Key), g.Count(),
                Duration.Of(g.Select(s => Between(s.ConfirmedAt, s.StartedAt))),
                Duration.Of(g.Select(s => Between(s.StartedAt, s.DoneAt)))))
            .OrderBy(s => s.StationId, StringComparer.Ordinal)
            .ToList();

        var byHour = orders.GroupBy(o => Hour(localTime(o.ConfirmedAt)))
            .OrderBy(g => g.Min(o => o.ConfirmedAt))
            .Select(g => new HourTime($"{g.Key:D2}:00", g.Count(),
                Duration.Of(g.Select(o => Between(o.ConfirmedAt, o.ReadyAt))),
                Duration.Of(g.Select(o => Between(o.ReadyAt, o.HandedOffAt)))))
            .ToList();

        return new SpeedOfService(kitchenId, day, from, to, orders.Count, truncated, stages, byStation, byHour);
    }

    private static int Hour(DateTimeOffset local) => local.Hour;

    private static TimeSpan? Between(DateTimeOffset? start, DateTimeOffset? end) =>
        start is { } s && end is { } e && e >= s ? e - s : null;
}

/// <summary>One order's times as the kitchen kept them; <see cref="ConfirmedAt"/> is when the kitchen took it.</summary>
public sealed record OrderTimes(DateTimeOffset? OrderedAt, DateTimeOffset ConfirmedAt, DateTimeOffset? FirstStartedAt, DateTimeOffset? ReadyAt, DateTimeOffset? HandedOffAt);

/// <summary>One order's part at one station: when the station started it and when it bumped the last of it.</summary>
public sealed record StationTimes(string StationId, DateTimeOffset ConfirmedAt, DateTimeOffset? StartedAt, DateTimeOffset? DoneAt);

/// <summary>How long a step took: how many orders reached it, and its median and 90th percentile in seconds (null when none did).</summary>
public sealed record Duration(int Count, double? MedianSeconds, double? P90Seconds)
{
    public static Duration Of(IEnumerable<TimeSpan?> spans)
    {
        var seconds = spans.OfType<TimeSpan>().Select(s => s.TotalSeconds).Order().ToArray();
        return seconds.Length == 0 ? new Duration(0, null, null) : new Duration(seconds.Length, Percentile(seconds, 0.5), Percentile(seconds, 0.9));
    }

    /// <summary>Linear between the closest ranks, as PostgreSQL's <c>percentile_cont</c>.</summary>
    public static double Percentile(double[] sorted, double fraction)
    {
        var rank = fraction * (sorted.Length - 1);
        var below = (int)Math.Floor(rank);
        var above = Math.Min(below + 1, sorted.Length - 1);
        return Math.Round(sorted[below] + (sorted[above] - sorted[below]) * (rank - below), 1);
    }
}

public sealed record StageTime(string Stage, Duration Time);

/// <param name="Waiting">Confirmed → the station started its part.</param>
/// <param name="Cooking">Started → the station bumped the last of it.</param>
public sealed record StationTime(string StationId, string Name, int Orders, Duration Waiting, Duration Cooking);

/// <param name="Hour">The hour of the kitchen's clock the orders were confirmed in ("18:00").</param>
public sealed record HourTime(string Hour, int Orders, Duration ConfirmedToReady, Duration ReadyToHandedOff);
