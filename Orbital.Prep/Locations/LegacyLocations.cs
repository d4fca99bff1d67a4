using Npgsql;
using Orbital.Places;
using Orbital.Prep.Data;

namespace Orbital.Prep.Locations;

/// <summary>
/// Locations Prep kept in its own table before the shared registry (<c>prep.locations</c>) are added to the setup
/// once, in UTC, so that an upgraded Prep still knows every location its counts, PARs and transfer units name. The
/// table is read, never written, from then on.
/// </summary>
public sealed partial class LegacyLocations(
    NpgsqlDataSource dataSource, PrepSchema schema, PlacesCache places, PlacesSetupWriter writer, TimeProvider time, ILogger<LegacyLocations> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WaitUntilReadyAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await StartupRetry.UntilDoneAsync(AdoptAsync, (delay, ex) => Log.NotYet(logger, delay.TotalSeconds, ex.GetBaseException().Message), time, stoppingToken);
    }

    private async Task AdoptAsync(CancellationToken cancellationToken)
    {
        var legacy = new List<Kitchen>();
        await using (var command = dataSource.CreateCommand("SELECT id, name, kind FROM prep.locations ORDER BY id"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                legacy.Add(new Kitchen(reader.GetString(0), reader.GetString(1), "Etc/UTC",
                    Kind: reader.GetString(2) == LocationRegistry.Commissary ? KitchenKinds.Commissary : KitchenKinds.Kitchen));
            }
        }

        if (legacy.Count == 0)
        {
            return;
        }

        // Only once the setup itself has been read: a copy from Redis or the demo file is no base for a change.
        if (await places.RefreshAsync(cancellationToken) != PlacesOrigin.Warehouse)
        {
            throw new InvalidOperationException("the setup of places could not be read from the warehouse yet");
        }

        var written = await writer.ChangeAsync(setup =>
        {
            var missing = legacy.Where(l => setup.Kitchens.All(k => k.Id != l.Id)).ToList();
            return missing.Count == 0 ? setup : setup with { Kitchens = [.. setup.Kitchens, .. missing] };
        }, "prep-legacy-locations", cancellationToken);
        if (written.Problems.Count > 0)
        {
            Log.Refused(logger, string.Join("; ", written.Problems.Select(p => $"{p.Key}: {p.Problem}")));
        }
        else if (written.Changed)
        {
            Log.Adopted(logger, written.Version);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3411, Level = LogLevel.Information, Message = "Prep's own locations added to the setup of places (version {Version})")]
        public static partial void Adopted(ILogger logger, long version);

        [LoggerMessage(EventId = 3412, Level = LogLevel.Error, Message = "Prep's own locations could not be added to the setup of places; fix them there by hand: {Problems}")]
        public static partial void Refused(ILogger logger, string problems);

        [LoggerMessage(EventId = 3413, Level = LogLevel.Warning, Message = "Prep's own locations not checked against the setup of places yet, trying again in {DelaySeconds} s: {Reason}")]
        public static partial void NotYet(ILogger logger, double delaySeconds, string reason);
    }
}
