using System.Net.Http.Json;
using System.Text.Json;

namespace Orbital.Tests.Prep;

/// <summary>Locations and products a Prep test creates for itself (unique names, so tests never share state).</summary>
internal static class KitchenSetup
{
    public static async Task<string> LocationAsync(this HttpClient manager, string kind = "store", string? id = null)
    {
        id ??= $"{kind}-{Guid.NewGuid():N}";
        using var response = await manager.PutAsJsonAsync($"/locations/{id}", new { name = $"Test {kind} {id[^6..]}", kind }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return id;
    }

    public static async Task<string> ProductAsync(this HttpClient manager, string name, string unit, decimal batchSize, Dictionary<string, decimal>? conversions = null, string? barcode = null)
    {
        var sku = $"{name.ToLowerInvariant().Replace(' ', '-')}-{Guid.NewGuid():N}"[..30];
        using var response = await manager.PutAsJsonAsync($"/products/{sku}", new
        {
            name,
            unit,
            batchSize,
            category = "prepped",
            storage = "walk-in",
            shelfLifeHours = 72,
            barcodes = barcode is null ? Array.Empty<string>() : [barcode],
            conversions = conversions ?? [],
        }, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return sku;
    }

    /// <summary>A 13-digit barcode, as on a supplier's case.</summary>
    public static string NewBarcode() => string.Concat(Enumerable.Range(0, 13).Select(_ => (char)('0' + Random.Shared.Next(10))));

    /// <summary>Counts <paramref name="quantity"/> (base unit) of the product at the location.</summary>
    public static async Task CountAsync(this HttpClient client, string location, string sku, decimal quantity) =>
        (await client.PostAsJsonAsync($"/locations/{location}/counts", new { lines = new object[] { new { sku, quantity } } }, TestContext.Current.CancellationToken))
            .EnsureSuccessStatusCode().Dispose();

    /// <summary>What the location has on hand of the product (base unit); null when it was never counted or moved there.</summary>
    public static async Task<decimal?> OnHandAsync(this HttpClient client, string location, string sku) =>
        (await client.GetFromJsonAsync<List<JsonElement>>($"/locations/{location}/inventory", TestContext.Current.CancellationToken))!
            .Where(o => o.GetProperty("sku").GetString() == sku).Select(o => (decimal?)o.GetProperty("quantity").GetDecimal()).FirstOrDefault();
}
