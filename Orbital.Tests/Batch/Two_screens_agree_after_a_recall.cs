using Microsoft.Playwright;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// Two screens on one station, in a real Chromium: what one bumps shows as bumped on both, and what one recalls is
/// cooking again on both, not bumped and cooking at once.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Two_screens_agree_after_a_recall(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_recall_on_one_screen_takes_the_item_out_of_the_other_screens_bumped_list()
    {
        _ = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var screenA = await KitchenScreen.OpenAsync(orbital, station);
        await using var screenB = await KitchenScreen.OpenAsync(orbital, station);
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var sku = $"ramen-{Guid.NewGuid():N}";
        await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", sku, 2)));
        var name = $"Item {sku}";

        await Assertions.Expect(screenB.Page.Locator(".card", new() { HasText = name })).ToBeVisibleAsync();
        await screenA.Page.Locator(".card", new() { HasText = name }).Locator("button.bump").ClickAsync();
        await Assertions.Expect(screenB.Page.Locator("#bumped")).ToContainTextAsync(name);
        await screenA.Page.Locator("#bumped li", new() { HasText = name }).Locator("button").ClickAsync();

        await Assertions.Expect(screenB.Page.Locator("#cooking .card", new() { HasText = name })).ToBeVisibleAsync();
        await Assertions.Expect(screenB.Page.Locator("#bumped")).Not.ToContainTextAsync(name);
        await Assertions.Expect(screenA.Page.Locator("#bumped")).Not.ToContainTextAsync(name);
    }
}
