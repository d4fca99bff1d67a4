using System.Net;
using Microsoft.Playwright;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// A station screen at its real size (1920×1080, headless Chromium) as a cook reads it and drives it with a bump bar
/// alone: the orders on each card, the allergy that cannot be missed, and start, bump and recall from the keyboard.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_station_screen_is_driven_by_its_bump_bar(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_cook_reads_the_orders_and_the_allergy_and_starts_bumps_and_recalls_by_keyboard()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var screen = await KitchenScreen.OpenAsync(orbital, station);
        var page = screen.Page;

        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var allergic = Otter.NewId();
        var satay = Otter.Order(allergic, Otter.Item("line-1", $"satay-{Guid.NewGuid():N}", "Chicken satay", 1));
        satay["items"]![0]!["stationId"] = station;
        satay["items"]![0]!["note"] = "no peanuts — severe allergy";
        satay["customer"]!["name"] = "Ada Lovelace";
        var curry = Otter.Order(Otter.NewId(), Otter.Item("line-1", $"katsu-{Guid.NewGuid():N}", "Katsu curry", 2));
        curry["items"]![0]!["stationId"] = station;
        foreach (var order in new[] { satay, curry })
        {
            using var response = await orders.SendAsync(Otter.Event("orders.new_order", order), cancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var satayCard = page.Locator(".card", new() { HasText = "Chicken satay" });
        var curryCard = page.Locator(".card", new() { HasText = "Katsu curry" });
        await Assertions.Expect(satayCard.Locator(".allergy")).ToBeVisibleAsync();
        await Assertions.Expect(satayCard.Locator(".allergy")).ToContainTextAsync("no peanuts — severe allergy");
        await Assertions.Expect(satayCard.Locator(".orders")).ToContainTextAsync($"#{allergic[..6].ToUpperInvariant()}");
        await Assertions.Expect(satayCard.Locator(".orders")).ToContainTextAsync("Ada");
        await Assertions.Expect(satayCard.Locator(".orders")).ToContainTextAsync("Uber Eats");
        await Assertions.Expect(satayCard.Locator(".orders")).ToContainTextAsync("Smash Club");
        await Assertions.Expect(satayCard.Locator(".orders .order.late")).ToHaveCountAsync(1);
        await Assertions.Expect(curryCard.Locator(".orders")).ToContainTextAsync("“ring twice”");
        await Assertions.Expect(curryCard.Locator(".allergy")).ToBeHiddenAsync();

        // Both cards fire at the same moment; the bump bar picks the curry by its place on the screen.
        var cards = page.Locator("#fire-now .card");
        await Assertions.Expect(cards).ToHaveCountAsync(2);
        var curryPlace = await cards.Nth(0).InnerTextAsync() is var first && first.Contains("Katsu curry", StringComparison.Ordinal) ? "1" : "2";
        await page.Keyboard.PressAsync(curryPlace);
        await Assertions.Expect(curryCard).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("selected"));

        await page.Keyboard.PressAsync("Space");
        await Assertions.Expect(page.Locator("#cooking .card", new() { HasText = "Katsu curry" })).ToBeVisibleAsync();
        await Assertions.Expect(curryCard).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("selected"));

        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(curryCard).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#bumped")).ToContainTextAsync("Katsu curry");
        using var batch = orbital.BatchClient();
        Assert.Equal("done", (await batch.ItemsAsync(station)).Single(i => i.GetProperty("name").GetString() == "Katsu curry").GetProperty("status").GetString());

        await page.Keyboard.PressAsync("r");
        await Assertions.Expect(page.Locator("#cooking .card", new() { HasText = "Katsu curry" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#bumped")).Not.ToContainTextAsync("Katsu curry");

        // The allergy card is still there, untouched, and the arrows reach it.
        await page.Keyboard.PressAsync("ArrowLeft");
        await Assertions.Expect(satayCard).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("selected"));
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(satayCard).ToHaveCountAsync(0);
        var items = await batch.ItemsAsync(station);
        Assert.Equal("in_progress", items.Single(i => i.GetProperty("name").GetString() == "Katsu curry").GetProperty("status").GetString());
        Assert.Equal("done", items.Single(i => i.GetProperty("name").GetString() == "Chicken satay").GetProperty("status").GetString());
    }
}
