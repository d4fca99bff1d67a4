using System.Text.Json;

namespace Orbital.Places;

/// <summary>The demo setup shipped with Orbital (two kitchens, three brands, six stores): the local warehouse's first setup and the cache's last resort.</summary>
public static class DemoPlaces
{
    private static readonly Lazy<PlacesSetup> Setup = new(() =>
    {
        using var stream = typeof(DemoPlaces).Assembly.GetManifestResourceStream("demo-places.json")
            ?? throw new InvalidOperationException("demo-places.json is not embedded in Orbital.Places.");
        return JsonSerializer.Deserialize(stream, PlacesJson.Default.PlacesSetup) ?? throw new InvalidOperationException("demo-places.json is empty.");
    });

    public static PlacesSetup Load() => Setup.Value;
}
