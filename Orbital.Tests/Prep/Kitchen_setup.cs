using System.Net.Http.Json;

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
}
