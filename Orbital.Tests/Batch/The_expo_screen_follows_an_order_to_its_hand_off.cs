using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// The expo screen at its real size (1920×1080, headless Chromium), paired for a kitchen, as an expeditor uses it: a
/// whole order with its lines under their stations, live as the stations bump, then ready and handed off.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed partial class The_expo_screen_follows_an_order_to_its_hand_off(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_expeditor_sees_the_order_come_together_marks_it_ready_by_keyboard_and_hands_it_off()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (kitchen, store) = await orbital.OwnKitchenAsync();
        await using var screen = await KitchenScreen.OpenUnpairedAsync(orbital, $"/expo?kitchen={kitchen}");
        await screen.PairAsync(await Kitchen.PairingCodeAsync(orbital, kitchen));
        var page = screen.Page;
        await Assertions.Expect(page.Locator("#connection")).ToHaveTextAsync("Live", new() { Timeout = KitchenScreen.LiveWithinMilliseconds });
        Assert.EndsWith($"/expo?kitchen={kitchen}", page.Url, StringComparison.Ordinal);

        var (grill, fryer) = (Kitchen.NewStation(), Kitchen.NewStation());
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderId = Otter.NewId();
        var burger = Otter.Item("line-1", $"burger-{Guid.NewGuid():N}", "Smash burger", 1, Otter.Modifier("cheddar"));
        burger["stationId"] = grill;
        burger["note"] = "no pickles";
        var fries = Otter.Item("line-2", $"fries-{Guid.NewGuid():N}", "Fries", 2);
        fries["stationId"] = fryer;
        var order = Otter.Order(orderId, burger, fries);
        order["customer"]!["name"] = "Grace Hopper";
        var placed = Otter.Event("orders.new_order", order);
        placed["metadata"]!["storeId"] = store;
        using (var response = await orders.SendAsync(placed, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // What waits on the order's way through Orders and Batch gets as long as the other end-to-end waits.
        var throughTheSystem = new LocatorAssertionsToHaveAttributeOptions { Timeout = 30_000 };
        var ticket = page.Locator(".ticket", new() { Has = page.Locator(".friendly", new() { HasText = $"#{orderId[..6].ToUpperInvariant()}" }) });
        try
        {
            await Assertions.Expect(ticket).ToBeVisibleAsync(new() { Timeout = 30_000 });
        }
        catch (PlaywrightException missing)
        {
            // Seen twice on CI, never alone: say whether the pass had the order and what the page had followed.
            using var diagnosis = orbital.BatchClient();
            using var atThePass = await diagnosis.GetAsync($"/kitchens/{kitchen}/expo/orders/{orderId}", cancellationToken);
            var onThePage = await page.EvaluateAsync<string>(
                "() => JSON.stringify({ orders: state.orders.size, lastEventId: state.lastEventId, readyState: state.source?.readyState, connection: document.getElementById('connection').textContent })");
            Assert.Fail($"{missing.Message}\nAt the pass: {(int)atThePass.StatusCode} {await atThePass.Content.ReadAsStringAsync(cancellationToken)}\n"
                + $"On the page: {onThePage}\nConsole: {string.Join(" | ", screen.Console.TakeLast(20))}");
        }

        await Assertions.Expect(ticket.Locator(".guest")).ToHaveTextAsync("Grace");
        await Assertions.Expect(ticket.Locator(".source")).ToHaveTextAsync("Smash Club · Uber Eats");
        await Assertions.Expect(ticket.Locator(".note")).ToHaveTextAsync("ring twice");
        await Assertions.Expect(ticket.Locator(".station")).ToHaveCountAsync(2);
        await Assertions.Expect(ticket.Locator(".station li", new() { HasText = "Smash burger" })).ToContainTextAsync("cheddar · no pickles");
        await Assertions.Expect(ticket.Locator(".station li .pill")).ToHaveTextAsync(["waiting", "waiting"]);
        await Assertions.Expect(ticket).ToHaveAttributeAsync("data-state", "cooking");

        using var batch = orbital.BatchClient();
        await batch.BumpOnlyItemAsync(grill, kitchen);
        await Assertions.Expect(ticket.Locator(".station li", new() { HasText = "Smash burger" }).Locator(".pill")).ToHaveTextAsync("done ✓", new() { Timeout = 30_000 });
        await Assertions.Expect(ticket).ToHaveAttributeAsync("data-state", "cooking");
        await batch.BumpOnlyItemAsync(fryer, kitchen);
        await Assertions.Expect(ticket).ToHaveAttributeAsync("data-state", "ready_to_pack", throughTheSystem);
        await Assertions.Expect(ticket.Locator(".state")).ToHaveTextAsync("Ready to pack");

        // The bump bar: select the ticket, Enter marks it ready.
        await ticket.Locator(".friendly").ClickAsync();
        await Assertions.Expect(ticket).ToHaveClassAsync(Selected());
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(ticket).ToHaveAttributeAsync("data-state", "ready", throughTheSystem);

        await ticket.GetByRole(AriaRole.Button, new() { Name = "Handed off" }).ClickAsync();
        await Assertions.Expect(page.Locator("#handed-off .ticket", new() { HasText = $"#{orderId[..6].ToUpperInvariant()}" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#open .ticket", new() { HasText = $"#{orderId[..6].ToUpperInvariant()}" })).ToHaveCountAsync(0);

        var stored = await batch.GetFromJsonAsync<JsonElement>($"/kitchens/{kitchen}/expo/orders/{orderId}", cancellationToken);
        Assert.Equal("handed_off", stored.GetProperty("state").GetString());
        Assert.Equal("expo", stored.GetProperty("readyMarkedBy").GetString());
    }

    [GeneratedRegex("selected")]
    private static partial Regex Selected();
}
