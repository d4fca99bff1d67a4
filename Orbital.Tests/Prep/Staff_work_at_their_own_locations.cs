using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// A manager or prep cook works at the locations their account lists: the API refuses every other location's data
/// (403 problem), and a change to the account counts from the next request, without logging in again.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Staff_work_at_their_own_locations(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_prep_cook_counts_their_own_store_and_cannot_touch_another()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var areaManager = await orbital.SignedInAsync("manager");
        var mine = await areaManager.LocationAsync();
        var theirs = await areaManager.LocationAsync();
        var onions = await areaManager.ProductAsync("Diced onions", "kg", 2);
        (await areaManager.PostAsJsonAsync($"/locations/{theirs}/counts", Count(onions, 12), cancellationToken)).EnsureSuccessStatusCode();
        using var cook = await orbital.SignedInAsync("prep_cook", mine);

        var listed = await cook.GetFromJsonAsync<List<JsonElement>>("/locations", cancellationToken);
        using var zeroTheirs = await cook.PostAsJsonAsync($"/locations/{theirs}/counts", Count(onions, 0), cancellationToken);
        using var countMine = await cook.PostAsJsonAsync($"/locations/{mine}/counts", Count(onions, 3), cancellationToken);

        Assert.Equal([mine], listed!.Select(l => l.GetProperty("id").GetString()));
        await AssertNotYoursAsync(zeroTheirs, theirs);
        Assert.Equal(HttpStatusCode.Created, countMine.StatusCode);
        var onHand = await areaManager.GetFromJsonAsync<List<JsonElement>>($"/locations/{theirs}/inventory", cancellationToken);
        Assert.Equal(12m, onHand!.Single(l => l.GetProperty("sku").GetString() == onions).GetProperty("quantity").GetDecimal());

        var refused = new List<string>();
        foreach (var path in new[] { "inventory", "counts", "pars", "prep-list", "prep-list.pdf", "transfer-units", "transfer-units.pdf" })
        {
            using var response = await cook.GetAsync($"/locations/{theirs}/{path}", cancellationToken);
            if (response.StatusCode != HttpStatusCode.Forbidden)
            {
                refused.Add($"GET /locations/{{theirs}}/{path} → {(int)response.StatusCode}");
            }
        }

        using var scan = await cook.PostAsJsonAsync("/scans", new { barcode = "0000", locationId = theirs, action = "count", quantity = 0 }, cancellationToken);
        Assert.Empty(refused);
        await AssertNotYoursAsync(scan, theirs);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_manager_changes_their_own_location_only_and_sends_transfer_units_from_it()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var areaManager = await orbital.SignedInAsync("manager");
        var commissary = await areaManager.LocationAsync("commissary");
        var store = await areaManager.LocationAsync();
        var elsewhere = await areaManager.LocationAsync();
        var sauce = await areaManager.ProductAsync("Burger sauce", "l", 5);
        using var commissaryManager = await orbital.SignedInAsync("manager", commissary);
        using var storeCook = await orbital.SignedInAsync("prep_cook", store);

        using var renameOwn = await commissaryManager.PutAsJsonAsync($"/locations/{commissary}", new { name = "Commissary North", kind = "commissary" }, cancellationToken);
        using var renameOther = await commissaryManager.PutAsJsonAsync($"/locations/{elsewhere}", new { name = "Mine now", kind = "store" }, cancellationToken);
        var newId = $"store-{Guid.NewGuid():N}";
        using var addNew = await commissaryManager.PutAsJsonAsync($"/locations/{newId}", new { name = "A store of my own", kind = "store" }, cancellationToken);
        using var fromElsewhere = await commissaryManager.PostAsJsonAsync("/transfer-units",
            new { sku = sauce, quantity = 4, originLocationId = elsewhere, destinationLocationId = store }, cancellationToken);
        using var fromOwn = await commissaryManager.PostAsJsonAsync("/transfer-units",
            new { sku = sauce, quantity = 4, originLocationId = commissary, destinationLocationId = store }, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, renameOwn.StatusCode);
        await AssertNotYoursAsync(renameOther, elsewhere);
        await AssertNotYoursAsync(addNew, newId);
        await AssertNotYoursAsync(fromElsewhere, elsewhere);
        Assert.Equal(HttpStatusCode.Created, fromOwn.StatusCode);

        var unit = await fromOwn.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var unitId = unit.GetProperty("id").GetString();
        (await commissaryManager.PostAsJsonAsync($"/transfer-units/{unitId}/dispatch", new { overOnHand = true }, cancellationToken)).EnsureSuccessStatusCode();
        using var outsider = await orbital.SignedInAsync("prep_cook", elsewhere);
        using var outsiderLooks = await outsider.GetAsync($"/transfer-units/{unitId}", cancellationToken);
        using var outsiderReceives = await outsider.PostAsJsonAsync($"/transfer-units/{unitId}/receive", new { locationId = store }, cancellationToken);
        using var storeReceives = await storeCook.PostAsJsonAsync($"/transfer-units/{unitId}/receive", new { locationId = store }, cancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, outsiderLooks.StatusCode);
        await AssertNotYoursAsync(outsiderReceives, store);
        Assert.Equal(HttpStatusCode.OK, storeReceives.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Moving_a_cook_to_another_store_counts_from_their_next_request()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var admin = await orbital.SignedInAsync("admin");
        var first = await admin.LocationAsync();
        var second = await admin.LocationAsync();
        using var cook = await orbital.SignedInAsync("prep_cook", first);
        var me = await cook.GetFromJsonAsync<JsonElement>("/auth/me", cancellationToken);
        Assert.Equal([first], me.GetProperty("locations").EnumerateArray().Select(l => l.GetString()));

        using (var move = await admin.PutAsJsonAsync($"/auth/users/{me.GetProperty("id").GetString()}", new { locations = new[] { second } }, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, move.StatusCode);
            Assert.Equal([second], (await move.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("locations").EnumerateArray().Select(l => l.GetString()));
        }

        using var oldStore = await cook.GetAsync($"/locations/{first}/inventory", cancellationToken);
        using var newStore = await cook.GetAsync($"/locations/{second}/inventory", cancellationToken);
        await AssertNotYoursAsync(oldStore, first);
        Assert.Equal(HttpStatusCode.OK, newStore.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_account_is_given_the_locations_it_works_at_and_only_ones_that_exist()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var admin = await orbital.SignedInAsync("admin");
        var password = $"pw-{Guid.NewGuid():N}";

        using var nowhere = await admin.PostAsJsonAsync("/auth/users", new { username = $"cook-{Guid.NewGuid():N}", role = "prep_cook", password }, cancellationToken);
        using var unknown = await admin.PostAsJsonAsync("/auth/users",
            new { username = $"cook-{Guid.NewGuid():N}", role = "prep_cook", password, locations = new[] { "london", "atlantis" } }, cancellationToken);
        using var tooMany = await admin.PostAsJsonAsync("/auth/users",
            new { username = $"cook-{Guid.NewGuid():N}", role = "prep_cook", password, locations = Enumerable.Repeat("london", 101) }, cancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, nowhere.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        var detail = (await unknown.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("detail").GetString();
        Assert.Contains("'atlantis'", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("'london'", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_manager_sees_and_runs_the_report_jobs_of_their_locations_only()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var areaManager = await orbital.SignedInAsync("manager");
        var store = await areaManager.LocationAsync();
        using var manager = await orbital.SignedInAsync("manager", store);

        var everyJob = (await areaManager.GetFromJsonAsync<List<JsonElement>>("/reports/jobs", cancellationToken))!.Select(j => j.GetProperty("id").GetString()).ToList();
        var theirJobs = (await manager.GetFromJsonAsync<List<JsonElement>>("/reports/jobs", cancellationToken))!.Select(j => j.GetProperty("id").GetString()).ToList();
        using var runOther = await manager.PostAsync($"/reports/jobs/prep-list-report:{OrbitalAppFixture.ReportsLocation}/run", null, cancellationToken);

        Assert.Contains($"prep-list-report:{OrbitalAppFixture.ReportsLocation}", everyJob);
        Assert.Contains("pars-sync", everyJob);
        Assert.Empty(theirJobs);
        await AssertNotYoursAsync(runOther, OrbitalAppFixture.ReportsLocation);
    }

    private static object Count(string sku, decimal quantity) => new { area = "walk-in", lines = new[] { new { sku, quantity, unit = "kg" } } };

    private static async Task AssertNotYoursAsync(HttpResponseMessage response, string locationId)
    {
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("Not one of your locations", problem.GetProperty("title").GetString());
        Assert.Contains(locationId, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
