using System.Net;
using Microsoft.Playwright;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>The kitchen screen in a real headless Chromium (Debian's build, driven by Playwright).</summary>
[Collection(OrbitalCollection.Name)]
public sealed class The_kitchen_screen_shows_orders_and_bumps_them(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_order_sent_to_the_webhook_appears_on_the_screen_and_a_bump_removes_it()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var screen = await KitchenScreen.OpenAsync(orbital, station);
        var page = screen.Page;

        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var sku = $"katsu-{Guid.NewGuid():N}";
        var order = Otter.Order(Otter.NewId(), Otter.Item("line-1", sku, "Katsu curry", 3, Otter.Modifier("extra-sauce")));
        order["items"]![0]!["stationId"] = station;
        using (var response = await orders.SendAsync(Otter.Event("orders.new_order", order), cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var card = page.Locator(".card", new() { HasText = "Katsu curry" });
        await Assertions.Expect(card).ToBeVisibleAsync();
        await Assertions.Expect(card.Locator(".quantity")).ToHaveTextAsync("3×");
        await Assertions.Expect(card.Locator(".modifiers")).ToContainTextAsync("extra-sauce");
        await Assertions.Expect(page.Locator("#all-day")).ToContainTextAsync("Katsu curry");

        await card.Locator("button.bump").ClickAsync();

        await Assertions.Expect(card).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#bumped")).ToContainTextAsync("Katsu curry");
        using var batch = orbital.BatchClient();
        var items = await batch.ItemsAsync(station);
        Assert.Equal("done", Assert.Single(items).GetProperty("status").GetString());
    }
}
