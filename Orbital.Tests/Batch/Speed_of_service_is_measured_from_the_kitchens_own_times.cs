using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Batch.Expo;
using Orbital.Contracts;
using KitchenPlace = Orbital.Places.Kitchen;
using KitchenMap = Orbital.Places.KitchenMap;
using PlacesSetup = Orbital.Places.PlacesSetup;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// Speed of service per kitchen and business day: ordered → confirmed → first line started → ready → handed off, as
/// medians and 90th percentiles for the day, per station and per hour of the kitchen's clock; steps an order has not
/// reached are left out, never counted as zero. Measured from fixed times, and through the real servers.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Speed_of_service_is_measured_from_the_kitchens_own_times(OrbitalAppFixture orbital)
{
    private static readonly DateTimeOffset Six = new(2026, 11, 28, 18, 0, 0, TimeSpan.FromHours(-6));

    [Fact]
    public void Each_step_has_its_median_and_90th_percentile_and_a_step_not_reached_is_left_out()
    {
        OrderTimes Order(int confirmedMinute, int readyAfter, int? handedOffAfter) => new(
            Six.AddMinutes(confirmedMinute - 1), Six.AddMinutes(confirmedMinute), Six.AddMinutes(confirmedMinute + 2),
            Six.AddMinutes(confirmedMinute + readyAfter), handedOffAfter is { } h ? Six.AddMinutes(confirmedMinute + readyAfter + h) : null);
        // Ready 10, 12, 14, 16 and 30 minutes after confirming; one not handed off yet; the last in the next hour.
        OrderTimes[] orders = [Order(0, 10, 2), Order(5, 12, 4), Order(10, 14, 6), Order(15, 16, null), Order(65, 30, 8)];
        StationTimes[] stations =
        [
            new("grill", Six, Six.AddMinutes(1), Six.AddMinutes(9)),
            new("grill", Six.AddMinutes(5), Six.AddMinutes(8), null),
            new("fryer", Six, Six.AddMinutes(2), Six.AddMinutes(5)),
        ];

        var speed = SpeedOfService.Measure("austin", new DateOnly(2026, 11, 28), Six.AddHours(-14), Six.AddHours(10), orders, stations, truncated: false,
            instant => instant.ToOffset(TimeSpan.FromHours(-6)), id => id == "grill" ? "Grill" : id);

        var ready = speed.Stages.Single(s => s.Stage == SpeedOfService.StageNames.ConfirmedToReady).Time;
        // The 90th percentile lies 60% of the way from the 4th (16 min) to the 5th (30 min): 1,464 s.
        Assert.Equal(new Duration(5, 14 * 60, 1464), ready);
        var handedOff = speed.Stages.Single(s => s.Stage == SpeedOfService.StageNames.ReadyToHandedOff).Time;
        Assert.Equal(4, handedOff.Count);
        Assert.Equal(5 * 60, handedOff.MedianSeconds);
        Assert.Equal(60, speed.Stages.Single(s => s.Stage == SpeedOfService.StageNames.OrderedToConfirmed).Time.MedianSeconds);
        Assert.Equal(120, speed.Stages.Single(s => s.Stage == SpeedOfService.StageNames.ConfirmedToFirstStarted).Time.P90Seconds);

        var grill = speed.Stations.Single(s => s.StationId == "grill");
        Assert.Equal(("Grill", 2), (grill.Name, grill.Orders));
        Assert.Equal(new Duration(2, 120, 168), grill.Waiting);
        // The second grill part is not bumped: only the first has a cooking time.
        Assert.Equal(new Duration(1, 480, 480), grill.Cooking);

        Assert.Equal(["18:00", "19:00"], speed.Hours.Select(h => h.Hour));
        Assert.Equal(4, speed.Hours[0].Orders);
        Assert.Equal(13 * 60, speed.Hours[0].ConfirmedToReady.MedianSeconds);
        Assert.Equal(30 * 60, speed.Hours[1].ConfirmedToReady.MedianSeconds);
    }

    [Fact]
    public void A_business_day_when_the_clocks_go_forward_is_23_hours()
    {
        var map = new KitchenMap(new PlacesSetup([new KitchenPlace("london", "London", "Europe/London")], [], [], [], []), 1);

        // London springs forward at 01:00 GMT on Sunday 29 March 2026: Saturday's business day runs from 04:00 GMT to
        // 04:00 BST (03:00 UTC) on Sunday.
        var (from, to) = map.BusinessDayBounds("london", new DateOnly(2026, 3, 28));

        Assert.Equal(new DateTimeOffset(2026, 3, 28, 4, 0, 0, TimeSpan.Zero), from);
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 3, 0, 0, TimeSpan.Zero), to);
        Assert.Equal(TimeSpan.FromHours(23), to - from);
    }

    [Fact]
    public void A_business_day_west_of_UTC_is_bounded_by_UTC_instants_PostgreSQL_can_take()
    {
        var map = new KitchenMap(new PlacesSetup([new KitchenPlace("austin", "Austin", "America/Chicago")], [], [], [], []), 1);

        var (from, to) = map.BusinessDayBounds("austin", new DateOnly(2026, 12, 1));

        // 04:00 in Chicago (UTC-6 in December) is 10:00 UTC; an offset of -6 h made Npgsql refuse the query (500).
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero), from);
        Assert.Equal(TimeSpan.Zero, from.Offset);
        Assert.Equal(TimeSpan.Zero, to.Offset);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_stations_cooking_time_is_its_start_to_its_bump_and_the_day_counts_the_order()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var batch = orbital.BatchClient();
        var before = await SpeedAsync(batch, cancellationToken);
        var station = Kitchen.NewStation();
        var orderId = Otter.NewId();
        var dish = Otter.Item("line-1", $"dish-{Guid.NewGuid():N}", "Dish", 1);
        dish["stationId"] = station;
        using (var orders = orbital.CreateClient(ResourceNames.OrdersService))
        using (var response = await orders.SendAsync(Otter.Event("orders.new_order", Otter.Order(orderId, dish)), cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var item = Assert.Single(await batch.WaitForItemsAsync(station, items => items.Count == 1, "the dish"));
        using (var start = await batch.PostAsJsonAsync($"/batch-items/{item.GetProperty("id").GetInt64()}/start", new { }, cancellationToken))
        {
            start.EnsureSuccessStatusCode();
        }

        var done = await batch.BumpOnlyItemAsync(station);
        var cooking = (done.GetProperty("completedAt").GetDateTimeOffset() - done.GetProperty("startedAt").GetDateTimeOffset()).TotalSeconds;

        var speed = await SpeedAsync(batch, cancellationToken);
        Assert.True(speed.GetProperty("orders").GetInt32() > before.GetProperty("orders").GetInt32(), "the day counts the new order");
        var atStation = speed.GetProperty("stations").EnumerateArray().Single(s => s.GetProperty("stationId").GetString() == station);
        Assert.Equal(1, atStation.GetProperty("orders").GetInt32());
        Assert.Equal(Math.Round(cooking, 1), atStation.GetProperty("cooking").GetProperty("medianSeconds").GetDouble(), 1);
        Assert.True(atStation.GetProperty("waiting").GetProperty("medianSeconds").GetDouble() >= 0);

        using var wrongDay = await batch.GetAsync("/kitchens/london/speed-of-service?day=1066-10-14", cancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, wrongDay.StatusCode);
        using var stranger = Kitchen.BatchClient(orbital.BatchAddress(), role: "none");
        using var refused = await stranger.GetAsync("/kitchens/london/speed-of-service", cancellationToken);
        Assert.True(refused.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, $"a caller with no kitchen role: {refused.StatusCode}");
    }

    private static async Task<JsonElement> SpeedAsync(HttpClient batch, CancellationToken cancellationToken) =>
        await batch.GetFromJsonAsync<JsonElement>("/kitchens/london/speed-of-service", cancellationToken);
}
