using Orbital.Places;
using Orbital.Prep.Reports;
using Orbital.Scheduling;

namespace Orbital.Prep.Locations;

/// <summary>A location's reports run on its own clock: "30 5 * * *" is 05:30 where the location is.</summary>
public sealed class LocationTimeZones(PlacesCache places) : IRecurringJobTimeZones
{
    public async Task<string?> TimeZoneOfAsync(RecurringJobRegistration registration, CancellationToken cancellationToken)
    {
        if (registration.Argument is null || registration.JobType != typeof(PrepListReportJob) && registration.JobType != typeof(TransferUnitReportJob))
        {
            return null;
        }

        await places.EnsureLoadedAsync(cancellationToken);
        return places.Current.Kitchen(registration.Argument)?.TimeZone;
    }
}

/// <summary>
/// When the setup gives a location another time zone (or adds the location after the service started), registers the
/// recurring jobs again, so its reports move to its new clock.
/// </summary>
public sealed partial class LocationScheduleMover(PlacesCache places, ScheduledJobs jobs, ILogger<LocationScheduleMover> logger) : IHostedService
{
    private Dictionary<string, string> _zones = [];

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _zones = Zones(places.Current);
        places.Changed += OnChanged;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        places.Changed -= OnChanged;
        return Task.CompletedTask;
    }

    private void OnChanged(KitchenMap map)
    {
        var zones = Zones(map);
        if (zones.Count == _zones.Count && zones.All(z => _zones.GetValueOrDefault(z.Key) == z.Value))
        {
            return;
        }

        _zones = zones;
        _ = Task.Run(async () =>
        {
            try
            {
                await jobs.ReregisterAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                Log.ReregisterFailed(logger, ex.GetBaseException().Message);
            }
        });
    }

    private static Dictionary<string, string> Zones(KitchenMap map) => map.Setup.Kitchens.ToDictionary(k => k.Id, k => k.TimeZone, StringComparer.Ordinal);

    private static partial class Log
    {
        [LoggerMessage(EventId = 3401, Level = LogLevel.Warning, Message = "Report schedules not moved to the locations' new time zones: {Reason}")]
        public static partial void ReregisterFailed(ILogger logger, string reason);
    }
}
