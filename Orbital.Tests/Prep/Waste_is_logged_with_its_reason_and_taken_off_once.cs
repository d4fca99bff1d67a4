using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary>
/// Waste at a location: how much, in any of the product's units, and why. It comes off on-hand once, however often the
/// tablet sends it again; a bad entry is refused field by field and takes nothing off.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Waste_is_logged_with_its_reason_and_taken_off_once(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Waste_in_another_unit_comes_off_on_hand_and_is_listed_with_its_reason()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync();
        var buns = await manager.ProductAsync("Brioche buns", "each", batchSize: 24, new() { ["case"] = 12 });
        using var cook = await orbital.SignedInAsync("prep_cook", store);
        await cook.CountAsync(store, buns, 60);

        using var logged = await cook.PostAsJsonAsync($"/locations/{store}/waste",
            new { sku = buns, quantity = 1.5, unit = "case", reason = "dropped", note = "tray fell off the rack" }, cancellationToken);

        Assert.Equal(HttpStatusCode.Created, logged.StatusCode);
        Assert.Equal(42m, await cook.OnHandAsync(store, buns));
        var entry = (await cook.GetFromJsonAsync<List<JsonElement>>($"/locations/{store}/waste", cancellationToken))!.Single();
        Assert.Equal(buns, entry.GetProperty("sku").GetString());
        Assert.Equal(18m, entry.GetProperty("quantity").GetDecimal());
        Assert.Equal(1.5m, entry.GetProperty("enteredQuantity").GetDecimal());
        Assert.Equal("case", entry.GetProperty("enteredUnit").GetString());
        Assert.Equal("dropped", entry.GetProperty("reason").GetString());
        Assert.Equal("tray fell off the rack", entry.GetProperty("note").GetString());
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_same_entry_sent_again_or_twice_at_once_comes_off_once()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync();
        var sauce = await manager.ProductAsync("Burger sauce", "kg", batchSize: 2);
        using var cook = await orbital.SignedInAsync("prep_cook", store);
        await cook.CountAsync(store, sauce, 10);
        var key = Guid.NewGuid().ToString();

        var sends = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => WasteAsync(cook, store, new { sku = sauce, quantity = 2, reason = "spoiled" }, key)));
        using var again = await WasteAsync(cook, store, new { sku = sauce, quantity = 2, reason = "spoiled" }, key);

        Assert.Single(sends, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(sends.Append(again), r => Assert.True(r.IsSuccessStatusCode, $"{(int)r.StatusCode}"));
        var ids = await Task.WhenAll(sends.Append(again).Select(async r => (await r.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("id").GetString()));
        Assert.Single(ids.Distinct());
        Assert.Equal(8m, await cook.OnHandAsync(store, sauce));
        Assert.Single((await cook.GetFromJsonAsync<List<JsonElement>>($"/locations/{store}/waste", cancellationToken))!);
        foreach (var send in sends)
        {
            send.Dispose();
        }
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_bad_entry_is_refused_field_by_field_and_takes_nothing_off()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var store = await manager.LocationAsync();
        var elsewhere = await manager.LocationAsync();
        var limes = await manager.ProductAsync("Limes", "each", batchSize: 1);
        using var cook = await orbital.SignedInAsync("prep_cook", store);
        await cook.CountAsync(store, limes, 30);

        var refusals = new (object Body, string Field)[]
        {
            (new { sku = limes, quantity = 2 }, "reason"),
            (new { sku = limes, quantity = 2, reason = "felt like it" }, "reason"),
            (new { sku = limes, quantity = 2, reason = "other" }, "note"),
            (new { sku = limes, quantity = 2, reason = "other", note = new string('x', 501) }, "note"),
            (new { sku = limes, quantity = 2, reason = "spoiled", note = "bad\0note" }, "note"),
            (new { sku = limes, quantity = 0, reason = "spoiled" }, "quantity"),
            (new { sku = limes, quantity = -3, reason = "spoiled" }, "quantity"),
            (new { sku = limes, quantity = 1e20, reason = "spoiled" }, "quantity"),
            (new { sku = limes, quantity = 2, unit = "crate", reason = "spoiled" }, "unit"),
            (new { sku = "no-such-product", quantity = 2, reason = "spoiled" }, "sku"),
        };
        foreach (var (body, field) in refusals)
        {
            using var refused = await cook.PostAsJsonAsync($"/locations/{store}/waste", body, cancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out _), $"{JsonSerializer.Serialize(body)}: expected a problem with {field}, got {errors}");
        }

        using var scanWithoutReason = await cook.PostAsJsonAsync("/scans", new { barcode = "anything", locationId = store, action = "waste", quantity = 1 }, cancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, scanWithoutReason.StatusCode);
        using var notTheirs = await cook.PostAsJsonAsync($"/locations/{elsewhere}/waste", new { sku = limes, quantity = 1, reason = "spoiled" }, cancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, notTheirs.StatusCode);
        using var tooManyDays = await cook.GetAsync($"/locations/{store}/waste?days=400", cancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, tooManyDays.StatusCode);
        Assert.Equal(30m, await cook.OnHandAsync(store, limes));
        Assert.Empty((await cook.GetFromJsonAsync<List<JsonElement>>($"/locations/{store}/waste", cancellationToken))!);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_scanned_transfer_unit_thrown_away_whole_is_logged_with_its_unit()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var commissary = await manager.LocationAsync("commissary");
        var store = await manager.LocationAsync();
        var dough = await manager.ProductAsync("Pizza dough", "kg", batchSize: 5);
        await manager.CountAsync(commissary, dough, 20);
        using var created = await manager.PostAsJsonAsync("/transfer-units", new { sku = dough, quantity = 6, originLocationId = commissary, destinationLocationId = store }, cancellationToken);
        var unit = await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        (await manager.PostAsync($"/transfer-units/{unit.GetProperty("id").GetString()}/dispatch", null, cancellationToken)).EnsureSuccessStatusCode().Dispose();
        var label = unit.GetProperty("barcode").GetString();
        using var cook = await orbital.SignedInAsync("prep_cook", store);
        (await cook.PostAsJsonAsync("/scans", new { barcode = label, locationId = store, action = "receive" }, cancellationToken)).EnsureSuccessStatusCode().Dispose();

        using var wasted = await cook.PostAsJsonAsync("/scans", new { barcode = label, locationId = store, action = "waste", reason = "expired" }, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, wasted.StatusCode);
        Assert.Equal(0m, await cook.OnHandAsync(store, dough));
        var entry = (await cook.GetFromJsonAsync<List<JsonElement>>($"/locations/{store}/waste", cancellationToken))!.Single();
        Assert.Equal(unit.GetProperty("id").GetString(), entry.GetProperty("transferUnitId").GetString());
        Assert.Equal(6m, entry.GetProperty("quantity").GetDecimal());
        Assert.Equal("expired", entry.GetProperty("reason").GetString());
        var found = await cook.GetFromJsonAsync<JsonElement>($"/transfer-units?barcode={label}", cancellationToken);
        Assert.Equal("wasted", found.GetProperty("status").GetString());
    }

    private static async Task<HttpResponseMessage> WasteAsync(HttpClient cook, string store, object body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/locations/{store}/waste") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return await cook.SendAsync(request, TestContext.Current.CancellationToken);
    }

}
