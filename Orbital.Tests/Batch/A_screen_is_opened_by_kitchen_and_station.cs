using Microsoft.Playwright;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// The kitchen screen in a real headless Chromium, paired for a kitchen: its address names the kitchen and the station,
/// and it shows that kitchen only (and the unassigned kitchen, which any screen may open).
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_screen_is_opened_by_kitchen_and_station(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_screen_paired_for_austin_shows_austins_order_not_londons_and_cannot_be_moved_to_london()
    {
        _ = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var screen = await KitchenScreen.OpenAsync(orbital, station, kitchen: "austin");
        var page = screen.Page;
        await Assertions.Expect(page.Locator("#kitchen")).ToHaveValueAsync("austin");
        await Assertions.Expect(page.Locator("#kitchen option:checked")).ToHaveTextAsync("Austin East Side");

        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var austin = Kitchen.Order(station, Otter.NewId(), 1, ("1", $"brisket-{Guid.NewGuid():N}", 2));
        austin.StoreId = "smash-club-austin";
        austin.Lines[0].Name = "Brisket sandwich";
        var london = Kitchen.Order(station, Otter.NewId(), 1, ("1", $"pie-{Guid.NewGuid():N}", 1));
        london.Lines[0].Name = "Pie and mash";
        await broker.PublishAsync(london);
        await broker.PublishAsync(austin);

        await Assertions.Expect(page.Locator(".card", new() { HasText = "Brisket sandwich" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".card", new() { HasText = "Pie and mash" })).ToHaveCountAsync(0);

        // A screen paired for Austin lists Austin and the unassigned kitchen (anyone may open that one); picking it moves
        // the screen there, to one of its stations, and says so in the address.
        await Assertions.Expect(page.Locator("#kitchen option")).ToHaveTextAsync(["Austin East Side", "Unassigned (stores not set up)"]);
        await page.Locator("#kitchen").SelectOptionAsync("unassigned");
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("kitchen=unassigned&station="));

        // London's bookmarked address on Austin's screen: it stays Austin's screen, and says why.
        await page.GotoAsync(new Uri(orbital.BatchAddress(), $"/?kitchen=london&station={station}").ToString());
        await Assertions.Expect(page.Locator("#kitchen")).ToHaveValueAsync("austin");
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("cannot open london");
        await Assertions.Expect(page.Locator(".card", new() { HasText = "Brisket sandwich" })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".card", new() { HasText = "Pie and mash" })).ToHaveCountAsync(0);
    }
}
