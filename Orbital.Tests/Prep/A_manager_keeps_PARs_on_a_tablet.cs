using Aspire.Hosting.Testing;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// The PAR screen of the prep app, which only managers see: a grid of products by weekday that saves a cell when it is
/// left, a CSV export, and an import that names every bad row and imports nothing until the file is right. A prep cook
/// is never shown it, and the API refuses them anyway.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_manager_keeps_PARs_on_a_tablet(OrbitalAppFixture orbital)
{
    [Theory(Timeout = TestTimeouts.EndToEnd)]
    [MemberData(nameof(HeadlessBrowser.TabletSizes), MemberType = typeof(HeadlessBrowser))]
    public async Task A_manager_sets_a_PAR_in_the_grid_exports_the_file_and_imports_one_with_a_bad_row_named(string orientation, int width, int height)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var admin = await orbital.SignedInAsync("manager");
        var store = await admin.LocationAsync();
        var tag = Guid.NewGuid().ToString("N")[..8];
        var sauce = await admin.ProductAsync($"Burger sauce {tag}", "kg", batchSize: 2);
        var buns = await admin.ProductAsync($"Brioche buns {tag}", "each", batchSize: 24, new() { ["case"] = 12 });
        var (manager, password) = await orbital.NewStaffAsync("manager", store);
        await using var tablet = await PrepTablet.SignInAsync(orbital, manager, password, (width, height));
        var page = tablet.Page;

        await page.GetByRole(AriaRole.Link, new() { Name = "PARs" }).ClickAsync();
        await page.Locator("#pars-filter").FillAsync(tag);
        await Assertions.Expect(page.Locator("#pars-grid tbody tr:not([hidden])")).ToHaveCountAsync(2);
        var monday = page.GetByLabel($"Burger sauce {tag}, Monday");
        await monday.FillAsync("12");
        await monday.PressAsync("Tab");
        await Assertions.Expect(monday).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("\\bsaved\\b"));
        await tablet.ScreenshotAsync($"prep-app-pars-{orientation}");
        Assert.Equal([(sauce, 1, 12m)], await ParsAsync(admin, store));

        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Export CSV" }).ClickAsync());
        var exported = await File.ReadAllTextAsync(await download.PathAsync(), cancellationToken);
        Assert.Equal($"sku,name,weekday,quantity,unit\r\n{sauce},Burger sauce {tag},Monday,12,kg\r\n", exported);

        // Row 3 names a product that does not exist and row 4 a day that does not: nothing is imported, both are named.
        var file = $"sku,weekday,quantity,unit\n{buns},Friday,2,case\nno-such-{tag},1,5,\n{sauce},Funday,3,kg\n";
        await page.Locator("#pars-file").SetInputFilesAsync(new FilePayload { Name = "pars.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(file) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import CSV" }).ClickAsync();
        await Assertions.Expect(page.Locator("#pars-bad-rows li")).ToHaveTextAsync([$"Row 3: unknown product 'no-such-{tag}'", "Row 4: weekday 'Funday' is not 0–6 or a day name"]);
        await Assertions.Expect(page.Locator("#pars-problem")).ToContainTextAsync("nothing was imported");
        await tablet.ScreenshotAsync($"prep-app-pars-import-{orientation}");
        Assert.Equal([(sauce, 1, 12m)], await ParsAsync(admin, store));

        // The file put right imports, and the grid shows it.
        file = $"sku,weekday,quantity,unit\n{buns},Friday,2,case\n";
        await page.Locator("#pars-file").SetInputFilesAsync(new FilePayload { Name = "pars.csv", MimeType = "text/csv", Buffer = System.Text.Encoding.UTF8.GetBytes(file) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import CSV" }).ClickAsync();
        await Assertions.Expect(page.Locator("#notice")).ToHaveTextAsync("Imported 1 PAR from pars.csv.");
        await page.Locator("#pars-filter").FillAsync(tag);
        await Assertions.Expect(page.GetByLabel($"Brioche buns {tag}, Friday")).ToHaveValueAsync("24");
        Assert.Equal(new[] { (buns, 5, 24m), (sauce, 1, 12m) }.OrderBy(p => p.Item1, StringComparer.Ordinal), await ParsAsync(admin, store));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_prep_cook_is_never_shown_a_managers_screen_and_the_API_refuses_it_anyway()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var admin = await orbital.SignedInAsync("manager");
        var store = await admin.LocationAsync();
        var sauce = await admin.ProductAsync("Burger sauce", "kg", batchSize: 2);
        var (cook, password) = await orbital.NewStaffAsync("prep_cook", store);
        await using var tablet = await PrepTablet.SignInAsync(orbital, cook, password, HeadlessBrowser.TabletPortrait);
        var page = tablet.Page;

        await Assertions.Expect(page.Locator("header nav a:visible")).ToHaveTextAsync(["Prep list", "Count", "Waste", "Receive", "Stock"]);
        await page.GotoAsync(new Uri(orbital.App.GetEndpoint(ResourceNames.PrepService, "http"), "/#pars").ToString());
        await Assertions.Expect(page.Locator("#prep-list")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#pars")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#notice")).ToHaveTextAsync("That screen is for managers.");

        // The cook's own session, used by hand as a curious cook would from the browser's console.
        var status = await page.EvaluateAsync<int>(
            "async ([path]) => (await fetch(path, { method: 'PUT', headers: { Authorization: `Bearer ${session.accessToken}`, 'Content-Type': 'application/json' }, body: '{\"quantity\":99}' })).status",
            new[] { $"/locations/{store}/pars/{sauce}/1" });
        Assert.Equal((int)HttpStatusCode.Forbidden, status);
        var export = await page.EvaluateAsync<int>(
            "async ([path]) => (await fetch(path, { headers: { Authorization: `Bearer ${session.accessToken}` } })).status", new[] { $"/locations/{store}/pars.csv" });
        Assert.Equal((int)HttpStatusCode.Forbidden, export);
        Assert.Empty(await ParsAsync(admin, store));
    }

    private static async Task<List<(string Sku, int Weekday, decimal Quantity)>> ParsAsync(HttpClient client, string store) =>
        [.. (await client.GetFromJsonAsync<List<JsonElement>>($"/locations/{store}/pars", TestContext.Current.CancellationToken))!
            .Select(p => (p.GetProperty("sku").GetString()!, p.GetProperty("weekday").GetInt32(), p.GetProperty("quantity").GetDecimal()))
            .OrderBy(p => p.Item1, StringComparer.Ordinal)];
}
