using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// The last screens of the prep app: products (a manager makes one with its units, barcode by scanning, shelf life and
/// recipe; a bad field is named beside it), reports (a location's scheduled reports, run now) and users (an admin makes
/// a prep cook and takes them off again). A manager is not shown the users screen.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Managers_keep_products_and_reports_and_admins_keep_users_on_a_tablet(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_manager_makes_a_product_with_a_scanned_barcode_another_unit_and_a_recipe()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var admin = await orbital.SignedInAsync("manager");
        var store = await admin.LocationAsync();
        var tomatoes = await admin.ProductAsync("Plum tomatoes", "kg", batchSize: 1);
        var (manager, password) = await orbital.NewStaffAsync("manager", store);
        await using var tablet = await PrepTablet.SignInAsync(orbital, manager, password, HeadlessBrowser.TabletLandscape);
        var page = tablet.Page;
        var sku = $"salsa-{Guid.NewGuid():N}"[..20];
        var barcode = string.Concat(Enumerable.Range(0, 13).Select(_ => (char)('0' + Random.Shared.Next(10))));

        await page.GetByRole(AriaRole.Link, new() { Name = "Products" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "New product" }).ClickAsync();
        await page.Locator("#product-sku").FillAsync(sku);
        await page.Locator("#product-name").FillAsync("Fresh salsa");
        await page.Locator("#product-unit").FillAsync("kg");
        await page.Locator("#product-batch").FillAsync("2");
        await page.Locator("#product-shelf-life").FillAsync("10000");
        await page.Keyboard.TypeAsync(barcode + "\n");
        await Assertions.Expect(page.Locator("#product-barcodes")).ToHaveValueAsync(barcode);
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a unit" }).ClickAsync();
        await page.Locator("#product-conversions .unit-name").FillAsync("tub");
        await page.Locator("#product-conversions .factor").FillAsync("2.5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add an ingredient" }).ClickAsync();
        await page.Locator("#product-recipe .ingredient").FillAsync(tomatoes);
        await page.Locator("#product-recipe .quantity").FillAsync("0.8");
        await page.Locator("#product-recipe .unit-name").FillAsync("kg");

        // No shelf life of more than a year: said beside the field, nothing saved.
        await page.GetByRole(AriaRole.Button, new() { Name = "Save product" }).ClickAsync();
        await Assertions.Expect(page.Locator("#product-form [data-for=shelfLifeHours]")).ToHaveTextAsync("Shelf life is 1 to 8784 hours.");
        await tablet.ScreenshotAsync("prep-app-products-landscape");
        using (var none = await admin.GetAsync($"/products/{sku}", cancellationToken))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }

        await page.Locator("#product-shelf-life").FillAsync("48");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save product" }).ClickAsync();
        await Assertions.Expect(page.Locator("#notice")).ToHaveTextAsync("Fresh salsa saved.");
        var saved = await admin.GetFromJsonAsync<JsonElement>($"/products/{sku}", cancellationToken);
        Assert.Equal(48, saved.GetProperty("shelfLifeHours").GetInt32());
        Assert.Equal(2m, saved.GetProperty("batchSize").GetDecimal());
        Assert.Equal([barcode], saved.GetProperty("barcodes").EnumerateArray().Select(b => b.GetString()));
        Assert.Equal(2.5m, saved.GetProperty("conversions").GetProperty("tub").GetDecimal());
        var ingredient = Assert.Single(saved.GetProperty("recipe").EnumerateArray());
        Assert.Equal((tomatoes, 0.8m, "kg"), (ingredient.GetProperty("sku").GetString(), ingredient.GetProperty("quantity").GetDecimal(), ingredient.GetProperty("unit").GetString()));

        // Scanning its barcode on the products screen opens it again.
        await page.Keyboard.TypeAsync(barcode + "\n");
        await Assertions.Expect(page.Locator("#product-heading")).ToHaveTextAsync("Fresh salsa");
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_manager_sees_the_locations_reports_with_their_last_run_and_runs_one_now()
    {
        using var admin = await orbital.SignedInAsync("manager");
        await admin.LocationAsync(id: OrbitalAppFixture.ReportsLocation);
        var (manager, password) = await orbital.NewStaffAsync("manager", OrbitalAppFixture.ReportsLocation);
        await using var tablet = await PrepTablet.SignInAsync(orbital, manager, password, HeadlessBrowser.TabletPortrait);
        var page = tablet.Page;

        await page.GetByRole(AriaRole.Link, new() { Name = "Reports" }).ClickAsync();
        var prepList = page.Locator("#report-jobs li", new() { HasText = "Prep list to Slack" });
        await Assertions.Expect(prepList.Locator(".schedule")).ToContainTextAsync("Schedule 30 5 * * *");
        await Assertions.Expect(page.Locator("#report-jobs li")).ToHaveCountAsync(2);
        await prepList.GetByRole(AriaRole.Button, new() { Name = "Run now" }).ClickAsync();
        await Assertions.Expect(prepList.Locator(".run")).ToHaveTextAsync("Started ✓");
        await Assertions.Expect(prepList.Locator(".last")).ToContainTextAsync("Last run", new() { Timeout = 30_000 });
        await tablet.ScreenshotAsync("prep-app-reports-portrait");
        var jobs = await admin.GetFromJsonAsync<List<JsonElement>>("/reports/jobs", TestContext.Current.CancellationToken);
        Assert.Contains(jobs!, j => j.GetProperty("id").GetString() == $"prep-list-report:{OrbitalAppFixture.ReportsLocation}" && j.GetProperty("lastRun").ValueKind != JsonValueKind.Null);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_area_manager_adds_a_location_in_its_time_zone_and_a_bad_zone_is_named()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (areaManager, password) = await orbital.NewStaffAsync("manager");
        await using var tablet = await PrepTablet.SignInAsync(orbital, areaManager, password, HeadlessBrowser.TabletPortrait);
        var page = tablet.Page;
        var id = $"tokyo-{Guid.NewGuid():N}"[..20];

        await page.GetByRole(AriaRole.Link, new() { Name = "Locations" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "New location" }).ClickAsync();
        await page.Locator("#location-id").FillAsync(id);
        await page.Locator("#location-name").FillAsync("Tokyo commissary");
        await page.Locator("#location-kind").SelectOptionAsync("commissary");
        await page.Locator("#location-zone").FillAsync("Asia/Tokyo");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save location" }).ClickAsync();
        await Assertions.Expect(page.Locator($"#location-list li[data-id='{id}'] .detail")).ToHaveTextAsync($"Commissary · {id} · Asia/Tokyo");
        using var manager = await orbital.SignedInAsync("manager");
        var saved = (await manager.GetFromJsonAsync<List<JsonElement>>("/locations", cancellationToken))!.Single(l => l.GetProperty("id").GetString() == id);
        Assert.Equal(("Tokyo commissary", "commissary", "Asia/Tokyo"), (saved.GetProperty("name").GetString(), saved.GetProperty("kind").GetString(), saved.GetProperty("timeZone").GetString()));

        await page.Locator($"#location-list li[data-id='{id}']").GetByRole(AriaRole.Button, new() { Name = "Change" }).ClickAsync();
        await page.Locator("#location-zone").FillAsync("Mars/Olympus_Mons");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save location" }).ClickAsync();
        await Assertions.Expect(page.Locator("#location-problem")).ToContainTextAsync("Mars/Olympus_Mons");

        // A manager of one store changes it, but adds none.
        var (storeManager, storePassword) = await orbital.NewStaffAsync("manager", id);
        await using var storeTablet = await PrepTablet.SignInAsync(orbital, storeManager, storePassword, HeadlessBrowser.TabletPortrait);
        await storeTablet.Page.GetByRole(AriaRole.Link, new() { Name = "Locations" }).ClickAsync();
        await Assertions.Expect(storeTablet.Page.Locator("#location-list li")).ToHaveCountAsync(1);
        await Assertions.Expect(storeTablet.Page.GetByRole(AriaRole.Button, new() { Name = "New location" })).ToBeHiddenAsync();
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_admin_makes_a_prep_cook_and_deactivates_them_and_a_manager_is_not_shown_users()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync();
        var (admin, password) = await orbital.NewStaffAsync("admin");
        await using var tablet = await PrepTablet.SignInAsync(orbital, admin, password, HeadlessBrowser.TabletLandscape);
        var page = tablet.Page;
        await page.Locator("#location").SelectOptionAsync(store);
        var cook = $"cook-{Guid.NewGuid():N}"[..20];

        await page.GetByRole(AriaRole.Link, new() { Name = "Users" }).ClickAsync();
        await page.Locator("#user-username").FillAsync(cook);
        await page.Locator("#user-display").FillAsync("Sam Prep");
        await page.Locator("#user-password").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await Assertions.Expect(page.Locator("#user-problem")).ToBeVisibleAsync();
        await page.Locator("#user-password").FillAsync("long-enough-password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create user" }).ClickAsync();
        await Assertions.Expect(page.Locator("#notice")).ToHaveTextAsync($"{cook} can sign in now.");
        await page.Locator("#user-filter").FillAsync(cook);
        var row = page.Locator($"#user-list li[data-username='{cook}']");
        await Assertions.Expect(row.Locator(".detail")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Prep cook · Test store"));
        using (var login = await orbital.Anonymous().PostAsJsonAsync("/auth/login", new { username = cook, password = "long-enough-password" }, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        }

        await Assertions.Expect(page.Locator("#user-list li")).ToHaveCountAsync(1);
        // On CI (three runs of three, never on this machine, not with 150 more locations either) the first tap on
        // Change left the form closed, with no new visit to the screen and one row listed. Tapped again if so, and what
        // the page held is written to the test's output; a second miss fails.
        for (var tap = 1; ; tap++)
        {
            await row.GetByRole(AriaRole.Button, new() { Name = "Change" }).ClickAsync();
            try
            {
                await Assertions.Expect(page.Locator("#user-heading")).ToHaveTextAsync($"Change {cook}");
                break;
            }
            catch (PlaywrightException notOpened)
            {
                var state = await page.EvaluateAsync<string>(
                    "() => JSON.stringify({ current: app.current, hash: location.hash, visits: app.visits, editing: people.editing?.username ?? null, rows: document.querySelectorAll('#user-list li').length, scrollY, height: document.body.scrollHeight })");
                var diagnosis = $"Tap {tap} on Change did not open the form. Page: {state}\nConsole: {string.Join(" | ", tablet.Console)}";
                TestContext.Current.TestOutputHelper?.WriteLine(diagnosis);
                Assert.True(tap < 2, $"{notOpened.Message}\n{diagnosis}");
            }
        }

        // After the taps: a full-page screenshot resizes the page for a moment, which a tap right after can miss.
        await tablet.ScreenshotAsync("prep-app-users-landscape");

        await page.Locator("#user-active").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(row.Locator(".detail")).ToContainTextAsync("inactive");
        using (var refused = await orbital.Anonymous().PostAsJsonAsync("/auth/login", new { username = cook, password = "long-enough-password" }, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // A manager has no users screen, by the menu or by its address.
        var (boss, bossPassword) = await orbital.NewStaffAsync("manager", store);
        await using var managersTablet = await PrepTablet.SignInAsync(orbital, boss, bossPassword, HeadlessBrowser.TabletLandscape);
        await Assertions.Expect(managersTablet.Page.Locator("header nav a:visible")).ToHaveTextAsync(["Prep list", "Count", "Waste", "Receive", "Stock", "PARs", "Transfer units", "Products", "Menu", "Reports", "Locations"]);
        await managersTablet.Page.EvaluateAsync("() => { location.hash = '#users'; }");
        await Assertions.Expect(managersTablet.Page.Locator("#notice")).ToHaveTextAsync("That screen is for admins.");
        await Assertions.Expect(managersTablet.Page.Locator("#users")).ToBeHiddenAsync();
    }
}
