using Aspire.Hosting.Testing;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// The prep app at Prep's address, as a prep cook uses it on a tablet at 6 a.m.: sign in, today's prep list for their
/// location, "Made" on a line (which records the count), and counting by scanning (the scanner types the barcode and
/// Enter into whatever is open). What the API holds afterwards is what the cook did.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_prep_cook_runs_the_mornings_prep_on_a_tablet(OrbitalAppFixture orbital)
{
    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [MemberData(nameof(HeadlessBrowser.TabletSizes), MemberType = typeof(HeadlessBrowser))]
    public async Task The_cook_signs_in_makes_a_prep_list_line_and_counts_two_products_by_scanning(string orientation, int width, int height)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync();
        var sauceBarcode = KitchenSetup.NewBarcode();
        var bunsBarcode = KitchenSetup.NewBarcode();
        var sauce = await manager.ProductAsync("Burger sauce", "kg", batchSize: 2, barcode: sauceBarcode);
        var buns = await manager.ProductAsync("Brioche buns", "each", batchSize: 24, new() { ["case"] = 12 }, barcode: bunsBarcode);
        var weekday = (await manager.GetFromJsonAsync<JsonElement>($"/locations/{store}/prep-list", cancellationToken)).GetProperty("weekday").GetInt32();
        (await manager.PutAsJsonAsync($"/locations/{store}/pars/{sauce}/{weekday}", new { quantity = 10 }, cancellationToken)).EnsureSuccessStatusCode().Dispose();
        (await manager.PostAsJsonAsync($"/locations/{store}/counts", new { lines = new object[] { new { sku = sauce, quantity = 3 } } }, cancellationToken)).EnsureSuccessStatusCode().Dispose();
        var (cook, password) = await orbital.NewStaffAsync("prep_cook", store);

        await using var tablet = await HeadlessBrowser.OpenAsync(orbital.App.GetEndpoint(ResourceNames.PrepService, "http"), (width, height), touch: true);
        var page = tablet.Page;
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
        await tablet.ScreenshotAsync($"prep-app-sign-in-{orientation}");
        await page.Locator("#username").FillAsync(cook);
        await page.Locator("#password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // Today's prep list: 3 kg on hand of a 10 kg PAR is 7 kg short, four batches of 2 kg.
        var line = page.Locator($".line[data-sku='{sauce}']");
        await Assertions.Expect(line.Locator(".amount")).ToHaveTextAsync("Make 4 batches · 8 kg");
        await Assertions.Expect(page.Locator("#location")).ToHaveValueAsync(store);
        await tablet.ScreenshotAsync($"prep-app-prep-list-{orientation}");
        var printed = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Print (PDF)" }).ClickAsync());
        Assert.Equal($"prep-list-{store}.pdf", printed.SuggestedFilename);
        using (var pdf = UglyToad.PdfPig.PdfDocument.Open(await File.ReadAllBytesAsync(await printed.PathAsync(), cancellationToken)))
        {
            Assert.Contains("sauce", pdf.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
        }

        await line.GetByRole(AriaRole.Button, new() { Name = "Made ✓" }).ClickAsync();
        await Assertions.Expect(line.Locator(".made")).ToHaveTextAsync("Made ✓ counted");
        Assert.Equal(11m, await manager.OnHandAsync(store, sauce));

        // Counting: the scanner types each barcode and Enter, the cook types the quantity.
        await page.GetByRole(AriaRole.Link, new() { Name = "Count" }).ClickAsync();
        await page.Keyboard.TypeAsync(bunsBarcode + "\n");
        await Assertions.Expect(page.Locator("#count-product")).ToHaveTextAsync("Brioche buns");
        await page.Locator("#count-quantity").FillAsync("2");
        await page.Locator("#count-unit").SelectOptionAsync("case");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save count" }).ClickAsync();
        await Assertions.Expect(page.Locator("#counted li").First).ToHaveTextAsync("Brioche buns: 2 case ✓");

        await page.Keyboard.TypeAsync(sauceBarcode + "\n");
        await Assertions.Expect(page.Locator("#count-product")).ToHaveTextAsync("Burger sauce");
        await Assertions.Expect(page.Locator("#count-on-hand")).ToHaveTextAsync("The system has 11 kg.");
        await page.Locator("#count-quantity").FillAsync("5.5");
        await tablet.ScreenshotAsync($"prep-app-count-{orientation}");
        await page.Locator("#count-quantity").PressAsync("Enter");
        await Assertions.Expect(page.Locator("#counted li").First).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Burger sauce: 5[.,]5 kg ✓$"));

        Assert.Equal(24m, await manager.OnHandAsync(store, buns));
        Assert.Equal(5.5m, await manager.OnHandAsync(store, sauce));

        // What is on hand here, as the system has it now.
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(page.Locator("#on-hand tbody tr", new() { HasText = "Burger sauce" }).Locator("td").Nth(1)).ToHaveTextAsync(
            new System.Text.RegularExpressions.Regex("^5[.,]5 kg$"));
        await Assertions.Expect(page.Locator("#on-hand tbody tr", new() { HasText = "Brioche buns" }).Locator("td").Nth(1)).ToHaveTextAsync("24 each");
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_scan_that_lands_in_the_quantity_field_is_a_scan_and_a_session_survives_a_reload_until_sign_out()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync();
        var firstBarcode = KitchenSetup.NewBarcode();
        var secondBarcode = KitchenSetup.NewBarcode();
        await manager.ProductAsync("Pickles", "kg", batchSize: 1, barcode: firstBarcode);
        await manager.ProductAsync("Slaw", "kg", batchSize: 1, barcode: secondBarcode);
        var (cook, password) = await orbital.NewStaffAsync("prep_cook", store);

        await using var tablet = await HeadlessBrowser.OpenAsync(new Uri(orbital.App.GetEndpoint(ResourceNames.PrepService, "http"), "/#count"), HeadlessBrowser.TabletLandscape, touch: true);
        var page = tablet.Page;
        await page.Locator("#username").FillAsync(cook);
        await page.Locator("#password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#search")).ToBeFocusedAsync();

        await page.Keyboard.TypeAsync(firstBarcode + "\n");
        await Assertions.Expect(page.Locator("#count-product")).ToHaveTextAsync("Pickles");
        await page.Locator("#count-quantity").FillAsync("3");
        // The next product is scanned while the quantity field has the focus: its digits are not the quantity.
        await page.Locator("#count-quantity").FocusAsync();
        await page.Keyboard.TypeAsync(secondBarcode + "\n");
        await Assertions.Expect(page.Locator("#count-product")).ToHaveTextAsync("Slaw");
        await Assertions.Expect(page.Locator("#count-quantity")).ToHaveValueAsync("");
        await Assertions.Expect(page.Locator("#counted li")).ToHaveCountAsync(0);

        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync(cook);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => localStorage.getItem('orbital.prep.refreshToken')"));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_count_far_from_what_the_system_expects_asks_are_you_sure_once()
    {
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync();
        var barcode = KitchenSetup.NewBarcode();
        var buns = await manager.ProductAsync("Brioche buns", "each", batchSize: 24, new() { ["case"] = 12 }, barcode: barcode);
        (await manager.PostAsJsonAsync($"/locations/{store}/counts", new { lines = new object[] { new { sku = buns, quantity = 48 } } }, TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode().Dispose();
        var (cook, password) = await orbital.NewStaffAsync("prep_cook", store);
        await using var tablet = await PrepTablet.SignInAsync(orbital, cook, password, HeadlessBrowser.TabletPortrait);
        var page = tablet.Page;

        // 40 cases is 480 buns where the system expects 48: meant as 40 each, most likely.
        await page.GetByRole(AriaRole.Link, new() { Name = "Count" }).ClickAsync();
        await page.Keyboard.TypeAsync(barcode + "\n");
        await Assertions.Expect(page.Locator("#count-on-hand")).ToHaveTextAsync("The system has 48 each.");
        await page.Locator("#count-quantity").FillAsync("40");
        await page.Locator("#count-unit").SelectOptionAsync("case");
        await page.Locator("#count-save").ClickAsync();
        await Assertions.Expect(page.Locator("#count-confirm")).ToHaveTextAsync(
            "Are you sure? 40 case is far from the 48 each the system expects. Check the unit, then save again.");
        Assert.Equal(48m, await manager.OnHandAsync(store, buns));

        // The cook puts the unit right: a count near what is expected saves at once.
        await page.Locator("#count-unit").SelectOptionAsync("each");
        await Assertions.Expect(page.Locator("#count-confirm")).ToBeHiddenAsync();
        await page.Locator("#count-save").ClickAsync();
        await Assertions.Expect(page.Locator("#counted li").First).ToHaveTextAsync("Brioche buns: 40 each ✓");
        Assert.Equal(40m, await manager.OnHandAsync(store, buns));

        // A wild count confirmed is saved as counted.
        await page.Keyboard.TypeAsync(barcode + "\n");
        await page.Locator("#count-quantity").FillAsync("400");
        await page.Locator("#count-save").ClickAsync();
        await Assertions.Expect(page.Locator("#count-save")).ToHaveTextAsync("Yes, save 400 each");
        await page.Locator("#count-save").ClickAsync();
        await Assertions.Expect(page.Locator("#counted li").First).ToHaveTextAsync("Brioche buns: 400 each ✓");
        Assert.Equal(400m, await manager.OnHandAsync(store, buns));
    }

}
