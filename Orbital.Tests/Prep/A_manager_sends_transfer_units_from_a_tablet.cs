using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Orbital.Tests.Infrastructure;
using ZXing;

namespace Orbital.Tests.Prep;

/// <summary>
/// The transfer-unit screen of the prep app, as a commissary's manager uses it: make a unit for a store, print its
/// label, dispatch it; past what the last count says is on hand, the app asks before sending.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_manager_sends_transfer_units_from_a_tablet(OrbitalAppFixture orbital)
{
    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [MemberData(nameof(HeadlessBrowser.TabletSizes), MemberType = typeof(HeadlessBrowser))]
    public async Task A_manager_makes_a_unit_prints_its_label_and_dispatches_it_past_on_hand_after_saying_so(string orientation, int width, int height)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var admin = await orbital.SignedInAsync("manager");
        var commissary = await admin.LocationAsync("commissary");
        var store = await admin.LocationAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var dough = await admin.ProductAsync($"Pizza dough {tag}", "kg", batchSize: 5);
        (await admin.PostAsJsonAsync($"/locations/{commissary}/counts", new { lines = new object[] { new { sku = dough, quantity = 4 } } }, cancellationToken))
            .EnsureSuccessStatusCode().Dispose();
        var (manager, password) = await orbital.NewStaffAsync("manager", commissary, store);
        await using var tablet = await PrepTablet.SignInAsync(orbital, manager, password, (width, height));
        var page = tablet.Page;
        await page.Locator("#location").SelectOptionAsync(commissary);

        await page.GetByRole(AriaRole.Link, new() { Name = "Transfer units" }).ClickAsync();
        await page.Locator("#tu-search").FillAsync(tag);
        await page.GetByRole(AriaRole.Button, new() { Name = $"Pizza dough {tag} ({dough})" }).ClickAsync();
        await page.Locator("#tu-quantity").FillAsync("6");
        await page.Locator("#tu-destination").SelectOptionAsync(store);
        await page.GetByRole(AriaRole.Button, new() { Name = "Make transfer unit" }).ClickAsync();
        var line = page.Locator("#tu-outgoing li", new() { HasText = $"Pizza dough {tag}" });
        await Assertions.Expect(line.Locator(".route")).ToContainTextAsync("not sent yet");
        var code = await line.GetAttributeAsync("data-barcode");

        var download = await page.RunAndWaitForDownloadAsync(() => line.GetByRole(AriaRole.Button, new() { Name = "Label (PDF)" }).ClickAsync());
        Assert.Equal($"label-{code}.pdf", download.SuggestedFilename);
        var label = PrintedLabel.Read(await File.ReadAllBytesAsync(await download.PathAsync(), cancellationToken));
        Assert.Contains((BarcodeFormat.CODE_128, code!), label.Codes);

        // 6 kg out of a commissary that counted 4: the app says so and sends only when told to.
        await line.GetByRole(AriaRole.Button, new() { Name = "Dispatch" }).ClickAsync();
        await Assertions.Expect(line.Locator(".confirm")).ToHaveTextAsync("Only 4 kg on hand here by the last count. Dispatch anyway?");
        await tablet.ScreenshotAsync($"prep-app-transfer-units-{orientation}");
        Assert.Equal("created", await StatusAsync(admin, code!));
        await line.GetByRole(AriaRole.Button, new() { Name = "Dispatch anyway" }).ClickAsync();
        await Assertions.Expect(line.Locator(".route")).ToContainTextAsync("dispatched");
        Assert.Equal("dispatched", await StatusAsync(admin, code!));
    }

    private static async Task<string?> StatusAsync(HttpClient client, string barcode) =>
        (await client.GetFromJsonAsync<JsonElement>($"/transfer-units?barcode={barcode}", TestContext.Current.CancellationToken)).GetProperty("status").GetString();
}
