using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

[Collection(OrbitalCollection.Name)]
public sealed class PAR_import_names_every_bad_row_and_imports_nothing_until_fixed(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_file_with_bad_rows_is_refused_with_row_numbers_and_the_fixed_file_drives_the_prep_list()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync();
        var slaw = await manager.ProductAsync("Coleslaw", "kg", batchSize: 2, conversions: new() { ["tub"] = 2.5m });
        var buns = await manager.ProductAsync("Brioche bun", "each", batchSize: 24, conversions: new() { ["case"] = 48 });
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var weekday = (int)today.DayOfWeek;

        var bad = $"sku,weekday,quantity,unit\n{slaw},{weekday},10,kg\n{buns},{weekday},2,pallet\nno-such-product,1,3,\n{slaw},9,1,\n";
        using var refused = await ImportAsync(manager, store, bad);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("message").GetString())).ToList();
        Assert.Equal([3, 4, 5], errors.Select(e => e.Item1));
        Assert.Contains("pallet", errors[0].Item2, StringComparison.Ordinal);
        Assert.Contains("unknown product", errors[1].Item2, StringComparison.Ordinal);
        Assert.Empty((await manager.GetFromJsonAsync<List<JsonElement>>($"/locations/{store}/pars", cancellationToken))!);

        using var imported = await ImportAsync(manager, store, $"sku,weekday,quantity,unit\n{slaw},{weekday},10,kg\n{buns},{weekday},2,case\n{slaw},{(weekday + 1) % 7},4,\n");
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Assert.Equal(3, (await imported.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("imported").GetInt32());

        using var cook = await orbital.SignedInAsync("prep_cook");
        using (var count = await cook.PostAsJsonAsync($"/locations/{store}/counts", new
        {
            area = "walk-in",
            lines = new object[] { new { sku = slaw, quantity = 1, unit = "tub" }, new { sku = buns, quantity = 30, unit = "each" } },
        }, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Created, count.StatusCode);
        }

        var list = await cook.GetFromJsonAsync<JsonElement>($"/locations/{store}/prep-list?date={today:yyyy-MM-dd}", cancellationToken);
        var lines = list.GetProperty("lines").EnumerateArray().ToDictionary(l => l.GetProperty("sku").GetString()!);
        // Coleslaw: PAR 10 kg, 2.5 kg on hand → 7.5 short → 4 batches of 2 kg = 8 kg.
        Assert.Equal(8m, lines[slaw].GetProperty("toPrep").GetDecimal());
        Assert.Equal(4, lines[slaw].GetProperty("batches").GetInt32());
        // Buns: PAR 2 cases = 96, 30 on hand → 66 short → 3 batches of 24 = 72.
        Assert.Equal(96m, lines[buns].GetProperty("par").GetDecimal());
        Assert.Equal(72m, lines[buns].GetProperty("toPrep").GetDecimal());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_count_replaces_on_hand_only_for_the_products_it_counts()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync();
        var rice = await manager.ProductAsync("Sushi rice", "kg", batchSize: 5);
        var sauce = await manager.ProductAsync("Teriyaki sauce", "l", batchSize: 1);
        using var cook = await orbital.SignedInAsync("prep_cook");

        (await cook.PostAsJsonAsync($"/locations/{store}/counts", new { area = "dry store", lines = new object[] { new { sku = rice, quantity = 12 }, new { sku = sauce, quantity = 3 } } }, cancellationToken)).Dispose();
        (await cook.PostAsJsonAsync($"/locations/{store}/counts", new { area = "line", lines = new object[] { new { sku = rice, quantity = 4 } } }, cancellationToken)).Dispose();
        using var badUnit = await cook.PostAsJsonAsync($"/locations/{store}/counts", new { lines = new object[] { new { sku = sauce, quantity = 1, unit = "crate" } } }, cancellationToken);

        var onHand = (await cook.GetFromJsonAsync<List<JsonElement>>($"/locations/{store}/inventory", cancellationToken))!
            .ToDictionary(o => o.GetProperty("sku").GetString()!, o => o.GetProperty("quantity").GetDecimal());
        Assert.Equal(new Dictionary<string, decimal> { [rice] = 4, [sauce] = 3 }, onHand);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, badUnit.StatusCode);
        Assert.Equal(2, (await cook.GetFromJsonAsync<List<JsonElement>>($"/locations/{store}/counts", cancellationToken))!.Count);
    }

    private static Task<HttpResponseMessage> ImportAsync(HttpClient manager, string store, string csv) =>
        manager.PostAsync($"/locations/{store}/pars/import", new StringContent(csv, Encoding.UTF8, "text/csv"), TestContext.Current.CancellationToken);
}
