using System.Diagnostics;
using System.Net;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

[Collection(OrbitalCollection.Name)]
public sealed class A_signed_order_reaches_kitchen_screens_over_SSE(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_webhook_becomes_batch_items_streamed_to_a_connected_screen()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var screen = await SseClient.ConnectAsync(orbital.BatchAddress(), station);
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var burger = $"burger-{Guid.NewGuid():N}";
        var fries = $"fries-{Guid.NewGuid():N}";
        var order = Otter.Order(Otter.NewId(), Otter.Item("line-1", burger, "Burger", 2, Otter.Modifier("cheese")), Otter.Item("line-2", fries, "Fries", 1));
        foreach (var item in order["items"]!.AsArray())
        {
            item!["stationId"] = station;
        }

        var sent = Stopwatch.GetTimestamp();
        using (var response = await orders.SendAsync(Otter.Event("orders.new_order", order), cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var burgerCreated = await screen.WaitForAsync(e => e.Type == "created" && e.IsFor(burger), TimeSpan.FromSeconds(30), "for the burger");
        var friesCreated = await screen.WaitForAsync(e => e.Type == "created" && e.IsFor(fries), TimeSpan.FromSeconds(30), "for the fries");
        TestContext.Current.SendDiagnosticMessage(
            $"webhook → SSE: {Stopwatch.GetElapsedTime(sent, Math.Max(burgerCreated.ReceivedAt, friesCreated.ReceivedAt)).TotalMilliseconds:F0} ms");

        Assert.Equal(2, burgerCreated.Item.GetProperty("quantity").GetInt32());
        Assert.Equal(["cheese"], burgerCreated.Item.GetProperty("modifiers").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(station, burgerCreated.Item.GetProperty("stationId").GetString());
        Assert.Equal("pending", friesCreated.Item.GetProperty("status").GetString());
        Assert.NotEqual(burgerCreated.Number, friesCreated.Number);
        Assert.DoesNotContain(screen.Received, e => e.Type != "ready" && e.Json.GetProperty("stationId").GetString() != station);
    }
}
