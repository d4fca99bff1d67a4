using Microsoft.Extensions.Time.Testing;
using Orbital.Batch.Batching;
using Orbital.Batch.Events;
using Orbital.Places;

namespace Orbital.Tests.Places;

/// <summary>
/// A business day starts at the kitchen's day-start time (04:00 by default) in the kitchen's own time zone: the 01:30
/// order belongs to the evening before, a daylight-saving night is one business day, and kitchens an ocean apart are on
/// different days at the same instant. The clock is a <see cref="FakeTimeProvider"/>.
/// </summary>
public sealed class A_kitchens_business_day_follows_its_own_clock
{
    private static readonly KitchenMap Map = new(new PlacesSetup(
        [
            new Kitchen("london", "London", "Europe/London"),
            new Kitchen("austin", "Austin", "America/Chicago"),
            new Kitchen("late-bar", "Late bar", "America/Chicago", DayStartsAt: "02:30"),
        ],
        [], [], [], []), 1);

    [Fact]
    public void An_order_at_half_past_one_belongs_to_the_evening_before()
    {
        // 01:30 in London on Saturday 28 November 2026 (GMT, UTC+0).
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 1, 30, 0, TimeSpan.Zero));

        Assert.Equal(new DateOnly(2026, 11, 27), Map.BusinessDay("london", clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromHours(2.5) - TimeSpan.FromTicks(1));
        Assert.Equal(new DateOnly(2026, 11, 27), Map.BusinessDay("london", clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(new DateOnly(2026, 11, 28), Map.BusinessDay("london", clock.GetUtcNow()));
    }

    [Fact]
    public void A_night_when_the_clocks_change_is_still_one_business_day()
    {
        // London falls back on 25 October 2026: 01:00–02:00 local happens twice. Both are the 24th's business day, and
        // the next day starts at 04:00 GMT, five hours after 00:00 BST rather than four.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 10, 24, 23, 0, 0, TimeSpan.Zero)); // 00:00 BST on the 25th
        var days = new List<DateOnly>();
        for (var i = 0; i < 6 * 4; i++)
        {
            days.Add(Map.BusinessDay("london", clock.GetUtcNow()));
            clock.Advance(TimeSpan.FromMinutes(15));
        }

        Assert.Equal(5 * 4, days.Count(d => d == new DateOnly(2026, 10, 24)));
        Assert.Equal(new DateOnly(2026, 10, 25), days[^1]);

        // Chicago springs forward on 8 March 2026: 02:00 becomes 03:00, so a bar whose day starts at 02:30 (a time that
        // never happens that night) starts it at the first instant after, 03:00 CDT.
        var springNight = new DateTimeOffset(2026, 3, 8, 7, 59, 0, TimeSpan.Zero); // 01:59 CST
        Assert.Equal(new DateOnly(2026, 3, 7), Map.BusinessDay("late-bar", springNight));
        Assert.Equal(new DateOnly(2026, 3, 8), Map.BusinessDay("late-bar", springNight.AddMinutes(1))); // 03:00 CDT
    }

    [Fact]
    public void Two_kitchens_are_on_different_days_at_the_same_instant()
    {
        // 05:00 UTC on 30 November: 05:00 in London (the 30th's day has begun), 23:00 on the 29th in Austin.
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 5, 0, 0, TimeSpan.Zero));

        Assert.Equal(new DateOnly(2026, 11, 30), Map.BusinessDay("london", clock.GetUtcNow()));
        Assert.Equal(new DateOnly(2026, 11, 29), Map.BusinessDay("austin", clock.GetUtcNow()));
        // Austin's next day starts at 04:00 CST, 10:00 UTC.
        clock.Advance(TimeSpan.FromHours(5));
        Assert.Equal(new DateOnly(2026, 11, 30), Map.BusinessDay("austin", clock.GetUtcNow()));
    }

    [Fact]
    public void A_board_counts_todays_work_and_shows_an_earlier_days_leftovers_apart()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 3, 50, 0, TimeSpan.Zero));
        var lastNight = Map.BusinessDay("london", clock.GetUtcNow());
        var fries = Item(1, "Fries", 4, lastNight);

        Assert.Equal(4, Assert.Single(AllDay.OpenToday([fries], lastNight)).Quantity);

        // Past 04:00 the fries nobody bumped are yesterday's: still on the board, no longer in today's count.
        clock.Advance(TimeSpan.FromMinutes(20));
        var today = Map.BusinessDay("london", clock.GetUtcNow());
        var burgers = Item(2, "Burger", 2, today);
        var counts = AllDay.OpenToday([fries, burgers], today);
        Assert.Equal(["Burger"], counts.Select(c => c.Name));
    }

    private static BatchItemView Item(long id, string name, int quantity, DateOnly day) =>
        new(id, "london", "fryer", name.ToLowerInvariant(), name, [], quantity, DateTimeOffset.UnixEpoch, day, "pending", false, null, 1, 1,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, null);
}
