using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;
using Orbital.Tests.Prep;

namespace Orbital.Tests.Batch;

/// <summary>
/// Before a product runs out the pass hears of it: Prep sees a product the kitchen counts running out within 90
/// minutes at the last hour's rate and the kitchen's expo shows "Running short: … runs out at about 19:40"; counted
/// again in plenty, the warning goes.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class The_pass_hears_what_the_kitchen_runs_short_of(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd * 2)]
    public async Task A_product_selling_out_within_the_hour_shows_on_the_expo_and_goes_when_counted_again()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (kitchen, store) = await orbital.SellingKitchenAsync();
        using var manager = await orbital.SignedInAsync("manager", kitchen);
        using var batch = orbital.BatchClient();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var patty = await manager.ProductAsync($"Smash patty {tag}", "each", batchSize: 40);
        var burger = $"burger-{tag}";
        await manager.RecipeAsync("item", burger, (patty, 1, null));
        await manager.CountAsync(kitchen, patty, 6);
        await using var screen = await KitchenScreen.OpenUnpairedAsync(orbital, $"/expo?kitchen={kitchen}");
        await screen.PairAsync(await orbital.PairingCodeAsync(kitchen, name: "Pass"));
        await Assertions.Expect(screen.Page.Locator("#connection")).ToHaveTextAsync("Live", new() { Timeout = KitchenScreen.LiveWithinMilliseconds });
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));

        // Five burgers in the last hour, one patty left: it runs out in twelve minutes.
        await broker.PublishAsync(Orders_take_what_their_recipes_use_off_stock.Order(store, Otter.NewId(), 1, (burger, 5, [])));

        await Assertions.Expect(screen.Page.Locator("#shortages")).ToContainTextAsync($"Running short: Smash patty {tag} runs out at about", new() { Timeout = 30_000 });
        var pass = await batch.GetFromJsonAsync<JsonElement>($"/kitchens/{kitchen}/expo", cancellationToken);
        var shortage = Assert.Single(pass.GetProperty("shortages").EnumerateArray());
        Assert.Equal(patty, shortage.GetProperty("sku").GetString());
        Assert.Equal("low", shortage.GetProperty("state").GetString());
        // The pass is told again when the time moves by 10 minutes or more: within that of what Prep's stock says now.
        var stock = await manager.GetFromJsonAsync<JsonElement>($"/locations/{kitchen}/stock", cancellationToken);
        var now = stock.GetProperty("products").EnumerateArray().Single(p => p.GetProperty("sku").GetString() == patty).GetProperty("runsOutAt").GetDateTimeOffset();
        Assert.True((now - shortage.GetProperty("runsOutAt").GetDateTimeOffset()).Duration() < TimeSpan.FromMinutes(10), $"told {shortage}, now {now:O}");
        await screen.ScreenshotAsync("expo-running-short");

        await manager.CountAsync(kitchen, patty, 200);
        await Assertions.Expect(screen.Page.Locator("#shortages")).ToBeHiddenAsync(new() { Timeout = 30_000 });
        pass = await batch.GetFromJsonAsync<JsonElement>($"/kitchens/{kitchen}/expo", cancellationToken);
        Assert.Equal(0, pass.GetProperty("shortages").GetArrayLength());
    }
}
