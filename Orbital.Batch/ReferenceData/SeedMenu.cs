using System.Text.Json;

namespace Orbital.Batch.ReferenceData;

/// <summary>The demo menu shipped with the service: the local tables' first content and the last resort of the cache.</summary>
public sealed class SeedMenu
{
    public static readonly string FilePath = Path.Combine(AppContext.BaseDirectory, "ReferenceData", "demo-menu.json");

    private KitchenReferenceData? _loaded;

    public KitchenReferenceData Load() => _loaded ??= JsonSerializer.Deserialize(File.ReadAllBytes(FilePath), ReferenceDataJson.Default.KitchenReferenceData)
        ?? throw new InvalidOperationException($"{FilePath} is empty.");
}
