using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orbital.Warehouse;

namespace Orbital.Places;

/// <summary>
/// With the local warehouse, writes the demo setup when there is no setup yet, retrying while PostgreSQL is down. A
/// real warehouse (Snowflake) gets its setup from an operator through the setup API, so nothing is seeded there.
/// </summary>
public sealed partial class DemoPlacesSeeder(IWarehouse warehouse, PlacesSetupWriter writer, TimeProvider time, ILogger<DemoPlacesSeeder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (warehouse.Provider != "local")
        {
            return;
        }

        await StartupRetry.UntilDoneAsync(async cancellationToken =>
        {
            await PlacesTables.EnsureTablesAsync(warehouse, cancellationToken);
            var existing = await warehouse.QueryAsync("SELECT count(*) FROM {schema}.place_setups", [], cancellationToken);
            // Under the writer's lock the setup is read again: another instance may have seeded it meanwhile.
            if (existing[0][0] is "0"
                && (await writer.ChangeAsync(current => current.Kitchens.Count == 0 ? DemoPlaces.Load() : current, "demo", cancellationToken)).Changed)
            {
                Log.Seeded(logger);
            }
        }, (delay, ex) => Log.NotYet(logger, delay.TotalSeconds, ex.GetBaseException().Message), time, stoppingToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7111, Level = LogLevel.Information, Message = "The local warehouse had no setup of places: wrote the demo setup")]
        public static partial void Seeded(ILogger logger);

        [LoggerMessage(EventId = 7112, Level = LogLevel.Warning, Message = "Could not write the demo setup of places yet, trying again in {DelaySeconds} s: {Reason}")]
        public static partial void NotYet(ILogger logger, double delaySeconds, string reason);
    }
}
