using Orbital.Warehouse;

namespace Orbital.Batch.ReferenceData;

/// <summary>
/// With the local warehouse, fills its reference tables with the demo menu when they are empty, retrying while
/// PostgreSQL is down. A real warehouse (Snowflake) is filled by whoever owns the menu, so nothing is seeded there.
/// </summary>
public sealed partial class ReferenceDataSeeder(IWarehouse warehouse, SeedMenu seed, ReferenceDataCache cache, TimeProvider time, ILogger<ReferenceDataSeeder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (warehouse.Provider != "local")
        {
            return;
        }

        await StartupRetry.UntilDoneAsync(async cancellationToken =>
        {
            if (await ReferenceDataTables.SeedWhenEmptyAsync(warehouse, seed.Load(), cancellationToken))
            {
                Log.Seeded(logger);
                await cache.RefreshAsync(cancellationToken);
            }
        }, (delay, ex) => Log.NotYet(logger, delay.TotalSeconds, ex.GetBaseException().Message), time, stoppingToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2111, Level = LogLevel.Information, Message = "The local warehouse had no reference data: seeded it with the demo menu")]
        public static partial void Seeded(ILogger logger);

        [LoggerMessage(EventId = 2112, Level = LogLevel.Warning, Message = "Could not seed the local warehouse's reference data yet, trying again in {DelaySeconds} s: {Reason}")]
        public static partial void NotYet(ILogger logger, double delaySeconds, string reason);
    }
}
