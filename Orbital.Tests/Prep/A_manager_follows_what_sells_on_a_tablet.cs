using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// The prep app follows the orders: a manager gives a menu item sold without a recipe its recipe from the list of what
/// was sold without one, and the stock screen then says when the product runs out at the rate it sells, with a warning
/// under the header on every screen; marking the product out ("86") from there takes its items off sale.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_manager_follows_what_sells_on_a_tablet(OrbitalAppFixture orbital)
{
    [Theory(Timeout = TestTimeouts.EndToEnd * 2)]
    [MemberData(nameof(HeadlessBrowser.TabletSizes), MemberType = typeof(HeadlessBrowser))]
    public async Task A_recipe_given_from_the_unsold_list_makes_the_stock_screen_say_when_a_product_runs_out(string orientation, int width, int height)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (kitchen, store) = await orbital.SellingKitchenAsync();
        using var api = await orbital.SignedInAsync("manager", kitchen);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var patty = await api.ProductAsync($"Smash patty {tag}", "each", batchSize: 40);
        var burger = $"burger-{tag}";
        await api.CountAsync(kitchen, patty, 6);
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        await broker.PublishAsync(Orders_take_what_their_recipes_use_off_stock.Order(store, Otter.NewId(), 1, (burger, 1, [])));
        await Poll.UntilAsync(token => api.GetFromJsonAsync<List<JsonElement>>($"/menu-recipes/unmapped?brand=smash-club&search={tag}", token),
            list => list!.Any(u => u.GetProperty("menuSku").GetString() == burger), TimeSpan.FromSeconds(30), "the burger sold without a recipe");
        var (manager, password) = await orbital.NewStaffAsync("manager", kitchen);
        await using var tablet = await PrepTablet.SignInAsync(orbital, manager, password, (width, height));
        var page = tablet.Page;
        await page.Locator("#location").SelectOptionAsync(kitchen);

        await page.GetByRole(AriaRole.Link, new() { Name = "Menu" }).ClickAsync();
        await page.Locator("#menu-brand").SelectOptionAsync("smash-club");
        // The suite sells hundreds of items without recipes: the manager finds this one by name, as with a long list.
        await page.Locator("#menu-find").FillAsync(tag);
        var unsold = page.Locator("#menu-unmapped li").Filter(new() { HasText = burger });
        await Assertions.Expect(unsold).ToContainTextAsync("sold 1× without a recipe");
        await unsold.GetByRole(AriaRole.Button, new() { Name = "Add recipe" }).ClickAsync();
        await Assertions.Expect(page.Locator("#menu-sku")).ToHaveValueAsync(burger);
        await page.Locator("#menu-components .ingredient").First.FillAsync(patty);
        await page.Locator("#menu-components .quantity").First.FillAsync("1");
        // No full-page screenshot just before the tap: it resizes the page for a moment, and the tap lands on nothing.
        await page.GetByRole(AriaRole.Button, new() { Name = "Save recipe" }).ClickAsync();
        await Assertions.Expect(page.Locator("#notice")).ToContainTextAsync("saved");
        await tablet.ScreenshotAsync($"prep-app-menu-recipe-{orientation}");
        await Assertions.Expect(page.Locator("#menu-unmapped li").Filter(new() { HasText = burger })).ToHaveCountAsync(0);
        var saved = await api.GetFromJsonAsync<JsonElement>($"/brands/smash-club/menu-recipes/item/{burger}", cancellationToken);
        Assert.Equal(patty, saved.GetProperty("components")[0].GetProperty("sku").GetString());

        // Five burgers sold in the last hour, one patty left: it runs out in twelve minutes.
        await broker.PublishAsync(Orders_take_what_their_recipes_use_off_stock.Order(store, Otter.NewId(), 1, (burger, 5, [])));
        await Poll.UntilAsync(_ => api.OnHandAsync(kitchen, patty), onHand => onHand == 1, TimeSpan.FromSeconds(30), "the five burgers");
        await page.GetByRole(AriaRole.Link, new() { Name = "Stock" }).ClickAsync();
        var row = page.Locator($"#stock-rows tr[data-sku='{patty}']");
        await Assertions.Expect(row).ToContainTextAsync("Runs out at about");
        var stock = await api.GetFromJsonAsync<JsonElement>($"/locations/{kitchen}/stock", cancellationToken);
        var runsOutAt = stock.GetProperty("products").EnumerateArray().Single(p => p.GetProperty("sku").GetString() == patty).GetProperty("runsOutAt").GetDateTimeOffset();
        var shown = await row.TextContentAsync() ?? "";
        Assert.True(ClockReadings(runsOutAt).Any(reading => shown.Contains(reading, StringComparison.Ordinal)), $"'{shown}' does not say {runsOutAt:O} in London's time");
        await Assertions.Expect(row).ToHaveClassAsync("state-low");
        await Assertions.Expect(page.Locator("#stock-warning")).ToContainTextAsync($"Smash patty {tag} runs out at about");
        await tablet.ScreenshotAsync($"prep-app-stock-{orientation}");

        // 86 from the stock screen: the burger comes off sale at the kitchen's store.
        await row.GetByRole(AriaRole.Button, new() { Name = "86 it" }).ClickAsync();
        await Assertions.Expect(row.GetByRole(AriaRole.Button, new() { Name = "Back on" })).ToBeVisibleAsync();
        await Poll.UntilAsync(_ => Task.FromResult(orbital.OtterApi.SuspendedEntities(store)), s => s.Contains(burger), TimeSpan.FromSeconds(60), "the burger off sale");
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh" }).ClickAsync();
        await Assertions.Expect(page.Locator("#off-sale")).ToContainTextAsync($"{burger} at {store}: marked out Smash patty {tag}");
        await row.GetByRole(AriaRole.Button, new() { Name = "Back on" }).ClickAsync();
        await Poll.UntilAsync(_ => Task.FromResult(orbital.OtterApi.SuspendedEntities(store)), s => !s.Contains(burger), TimeSpan.FromSeconds(60), "the burger back on sale");
        Assert.DoesNotContain(tablet.Console, line => line.StartsWith("error", StringComparison.Ordinal));
    }

    /// <summary>How the kitchen's clock (London) reads around the moment, as a browser in English writes it (24 or 12 hours).</summary>
    private static IEnumerable<string> ClockReadings(DateTimeOffset at)
    {
        var london = TimeZoneInfo.FindSystemTimeZoneById("Europe/London");
        foreach (var minutes in new[] { -1, 0, 1 })
        {
            var local = TimeZoneInfo.ConvertTime(at.AddMinutes(minutes), london);
            yield return local.ToString("HH:mm", CultureInfo.InvariantCulture);
            yield return local.ToString("hh:mm tt", CultureInfo.InvariantCulture);
        }
    }
}
