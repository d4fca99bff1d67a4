using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

/// <summary>
/// <c>orders.order_status_update</c> as Otter's reference shapes it (no order id in the payload: it is the event's
/// <c>metadata.resourceId</c>): its ORDER_ACCEPTED, ORDER_READY_TO_PICKUP, ORDER_HANDED_OFF and ORDER_FULFILLED are the
/// order statuses they mean, and a status Orbital does not know is kept in the history without replacing a known one.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Otters_status_updates_are_read_as_the_statuses_they_mean(OrbitalAppFixture orbital)
{
    private static readonly DateTimeOffset Placed = DateTimeOffset.Parse("2026-11-25T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_accepted_then_ready_order_is_prepared_and_an_unknown_status_after_it_changes_nothing()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();
        (await orders.SendAsync(Otter.Event("orders.new_order", Otter.Order(orderId, Otter.Item("l1", "burger", "Burger", 1)), eventTime: Placed), cancellationToken)).Dispose();
        await orders.WaitForOrderAsync(orderId, version: 1);

        var update = Otter.Event("orders.order_status_update", new JsonObject
        {
            ["orderStatusHistory"] = new JsonArray(
                new JsonObject { ["status"] = "ORDER_ACCEPTED", ["eventTime"] = "2026-11-25T13:01:00+01:00" },
                new JsonObject { ["status"] = "ORDER_READY_TO_PICKUP", ["eventTime"] = "2026-11-25T13:12:00+01:00" }),
            ["orderAcceptedInfo"] = new JsonObject { ["preparationTimeInMinutes"] = 12 },
        }, eventTime: Placed.AddMinutes(12), resourceId: orderId);
        using (var response = await orders.SendAsync(update, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var ready = await orders.WaitForOrderAsync(orderId, version: 2);
        Assert.Equal("PREPARED", ready.GetProperty("status").GetString());

        var later = Otter.Event("orders.order_status_update", new JsonObject
        {
            ["orderStatusHistory"] = new JsonArray(new JsonObject { ["status"] = "ORDER_SOMETHING_NEW", ["eventTime"] = "2026-11-25T12:20:00Z" }),
        }, eventTime: Placed.AddMinutes(20), resourceId: orderId);
        (await orders.SendAsync(later, cancellationToken)).Dispose();
        var after = await Poll.UntilAsync(
            async token => await orders.GetFromJsonAsync<JsonElement>($"/orders/{orderId}", token),
            o => o.GetProperty("statusHistory").EnumerateArray().Any(s => s.GetProperty("status").GetString() == "UNKNOWN"),
            TimeSpan.FromSeconds(30), "the unknown status in the history");
        Assert.Equal("PREPARED", after.GetProperty("status").GetString());
        var history = after.GetProperty("statusHistory").EnumerateArray().Select(s => s.GetProperty("status").GetString()).ToList();
        Assert.Contains("CONFIRMED", history);
        Assert.Contains("PREPARED", history);
    }
}
