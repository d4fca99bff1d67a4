using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Prep;

/// <summary><c>PUT /products/{sku}</c> names each bad field (400 problem details with <c>errors</c>) and stores nothing.</summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_product_is_checked_field_by_field(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Each_bad_field_is_named_and_nothing_is_stored()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var manager = await orbital.SignedInAsync("manager");
        var sku = $"checked-{Guid.NewGuid():N}"[..24];
        var good = new Dictionary<string, object?> { ["name"] = "Checked", ["unit"] = "kg", ["batchSize"] = 1 };
        var cases = new (string Field, object? Value, string Named)[]
        {
            ("name", "", "name"),
            ("name", "bad\0name", "name"),
            ("name", new string('n', 201), "name"),
            ("unit", null, "unit"),
            ("batchSize", 0, "batchSize"),
            ("batchSize", 1e12, "batchSize"),
            ("shelfLifeHours", -1, "shelfLifeHours"),
            ("shelfLifeHours", 100_000, "shelfLifeHours"),
            ("barcodes", new[] { "has space" }, "barcodes"),
            ("barcodes", new[] { "dup-1", "dup-1" }, "barcodes"),
            ("barcodes", Enumerable.Range(0, 21).Select(i => $"code-{i}").ToArray(), "barcodes"),
            ("conversions", new Dictionary<string, decimal> { ["case"] = 0 }, "conversions"),
            ("conversions", new Dictionary<string, decimal> { ["kg"] = 2 }, "conversions"),
            ("recipe", new[] { new { sku = $"missing-{Guid.NewGuid():N}", quantity = 1, unit = "kg" } }, "recipe"),
            ("recipe", new[] { new { sku, quantity = 1, unit = "kg" } }, "recipe"),
            ("recipe", new[] { new { sku = "x", quantity = 1, unit = (string?)null } }, "recipe"),
        };
        foreach (var (field, value, named) in cases)
        {
            var body = new Dictionary<string, object?>(good) { [field] = value };
            using var refused = await manager.PutAsJsonAsync($"/products/{sku}", body, cancellationToken);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("errors");
            Assert.True(errors.TryGetProperty(named, out _), $"{field} = {JsonSerializer.Serialize(value)}: expected {named} named, got {errors}");
        }

        using var tooLongSku = await manager.PutAsJsonAsync($"/products/{new string('s', 65)}", good, cancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, tooLongSku.StatusCode);
        using var missing = await manager.GetAsync($"/products/{sku}", cancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var stored = await manager.PutAsJsonAsync($"/products/{sku}", good, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
    }
}
