using Orbital.Orders.TellingOtter;

namespace Orbital.Tests.Orders;

/// <summary>
/// The pacer of the calls to Otter, at Otter's documented limits (about 32 a minute per store and endpoint, 20 a second
/// in all) with Orbital's margin: over any minute and any second, never more than it allows; a call that must wait
/// learns for how long.
/// </summary>
public sealed class Calls_to_Otter_keep_within_its_limits
{
    private static readonly DateTimeOffset Opening = new(2026, 11, 30, 11, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_store_and_endpoint_gets_thirty_calls_in_any_minute_and_the_next_waits_for_the_oldest_to_leave_it()
    {
        var pacer = new OtterCallPacer(perStoreEndpointPerMinute: 30, perSecond: 15);
        var now = Opening;
        for (var call = 0; call < 30; call++)
        {
            Assert.Equal(TimeSpan.Zero, pacer.WaitFor("store-a", "confirm", now));
            pacer.Sent("store-a", "confirm", now);
            now += TimeSpan.FromSeconds(1);
        }

        // 30 s in, the minute is full: the 31st goes when the first call is a minute old.
        Assert.Equal(TimeSpan.FromSeconds(30), pacer.WaitFor("store-a", "confirm", now));
        // Another endpoint of the store, and another store, have their own minute.
        Assert.Equal(TimeSpan.Zero, pacer.WaitFor("store-a", "ready-to-pickup", now));
        Assert.Equal(TimeSpan.Zero, pacer.WaitFor("store-b", "confirm", now));
        Assert.Equal(TimeSpan.Zero, pacer.WaitFor("store-a", "confirm", Opening + TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public void The_menus_suspensions_keep_to_their_own_fifteen_a_minute_and_the_orders_calls_to_thirty()
    {
        // As the sender makes it from its settings (15 a minute for the menu, 30 for the rest).
        var pacer = OtterCallPacer.For(new OtterCallsOptions { PerSecond = 100 });
        var now = Opening;
        for (var call = 0; call < 15; call++)
        {
            Assert.Equal(TimeSpan.Zero, pacer.WaitFor("store-a", MenuAvailabilityHandler.Suspend, now));
            pacer.Sent("store-a", MenuAvailabilityHandler.Suspend, now);
            Assert.Equal(TimeSpan.Zero, pacer.WaitFor("store-a", "confirm", now));
            pacer.Sent("store-a", "confirm", now);
            now += TimeSpan.FromSeconds(1);
        }

        // The suspensions' minute is full at 15; the orders' confirm calls, with no limit of their own, go on to 30.
        Assert.Equal(TimeSpan.FromSeconds(45), pacer.WaitFor("store-a", MenuAvailabilityHandler.Suspend, now));
        Assert.Equal(TimeSpan.Zero, pacer.WaitFor("store-a", "confirm", now));
        Assert.Equal(TimeSpan.Zero, pacer.WaitFor("store-a", MenuAvailabilityHandler.Unsuspend, now));
    }

    [Fact]
    public void Calls_in_all_keep_to_fifteen_in_any_second()
    {
        var pacer = new OtterCallPacer(perStoreEndpointPerMinute: 30, perSecond: 15);
        for (var store = 0; store < 15; store++)
        {
            var at = Opening + TimeSpan.FromMilliseconds(50 * store);
            Assert.Equal(TimeSpan.Zero, pacer.WaitFor($"store-{store}", "fulfill", at));
            pacer.Sent($"store-{store}", "fulfill", at);
        }

        var now = Opening + TimeSpan.FromMilliseconds(800);
        Assert.Equal(TimeSpan.FromMilliseconds(200), pacer.WaitFor("store-99", "fulfill", now));
        Assert.Equal(TimeSpan.Zero, pacer.WaitFor("store-99", "fulfill", Opening + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void A_pacer_forgets_stores_quiet_for_a_minute()
    {
        var pacer = new OtterCallPacer(perStoreEndpointPerMinute: 1, perSecond: 15);
        pacer.Sent("store-a", "confirm", Opening);
        Assert.NotEqual(TimeSpan.Zero, pacer.WaitFor("store-a", "confirm", Opening + TimeSpan.FromSeconds(59)));
        pacer.Forget(Opening + TimeSpan.FromSeconds(61));
        Assert.Equal(TimeSpan.Zero, pacer.WaitFor("store-a", "confirm", Opening + TimeSpan.FromSeconds(61)));
    }
}
