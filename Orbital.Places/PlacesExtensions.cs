using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Orbital.Places;

public static class PlacesExtensions
{
    /// <summary>
    /// The places in memory (<see cref="PlacesCache"/>), kept current, the one writer of the setup, and the demo setup written to a local warehouse
    /// that has none. Needs the warehouse (<c>AddWarehouse</c>) and Redis.
    /// </summary>
    public static void AddPlaces(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PlacesOptions>().BindConfiguration(PlacesOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<PlacesCache>();
        builder.Services.AddHostedService(services => services.GetRequiredService<PlacesCache>());
        builder.Services.AddSingleton<PlacesSetupWriter>();
        builder.Services.AddHostedService<DemoPlacesSeeder>();
    }
}
