using System.Globalization;
using System.Net;
using Microsoft.Playwright;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// A pickup promised for later is not cooked now: its batch item waits under "Later" until its fire time (the pickup
/// time less the item's prep time), then moves to "Fire now" by itself.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_scheduled_order_waits_on_the_screen_until_its_fire_time(OrbitalAppFixture orbital)
{
    /// <summary>The prep time the Batch service gives an item its menu does not know (<c>Batching:DefaultPrepTime</c>).</summary>
    private static readonly TimeSpan DefaultPrepTime = TimeSpan.FromMinutes(5);

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_fixed_time_pickup_shows_under_later_and_moves_to_fire_now_at_its_fire_time()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var screen = await KitchenScreen.OpenAsync(orbital, station);

        var fireAt = DateTimeOffset.UtcNow.AddSeconds(15);
        var order = Otter.Order(Otter.NewId(), Otter.Item("line-1", $"ramen-{Guid.NewGuid():N}", "Tonkotsu ramen", 2));
        order["items"]![0]!["stationId"] = station;
        order["fulfillmentInfo"] = new System.Text.Json.Nodes.JsonObject
        {
            ["fulfillmentMode"] = "PICKUP",
            ["schedulingType"] = "FIXED_TIME",
            ["pickupTime"] = (fireAt + DefaultPrepTime).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        };
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        using (var response = await orders.SendAsync(Otter.Event("orders.new_order", order), cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var waiting = screen.Page.Locator("#later .card", new() { HasText = "Tonkotsu ramen" });
        await Assertions.Expect(waiting).ToBeVisibleAsync();
        Assert.True(DateTimeOffset.UtcNow < fireAt, "the card was seen under Later only after its fire time; the check proves nothing");
        await Assertions.Expect(screen.Page.Locator("#fire-now .card", new() { HasText = "Tonkotsu ramen" })).ToHaveCountAsync(0);

        var firing = screen.Page.Locator("#fire-now .card", new() { HasText = "Tonkotsu ramen" });
        await Assertions.Expect(firing).ToBeVisibleAsync(new() { Timeout = 45_000 });
        Assert.True(DateTimeOffset.UtcNow >= fireAt.AddSeconds(-1), "the card moved to Fire now before its fire time");
        await Assertions.Expect(waiting).ToHaveCountAsync(0);
    }
}
