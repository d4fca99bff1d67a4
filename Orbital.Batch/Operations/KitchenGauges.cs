using System.Diagnostics.Metrics;
using Orbital.Places;

namespace Orbital.Batch.Operations;

/// <summary>
/// Each kitchen's figures of the operations page as OpenTelemetry gauges (meter <c>Orbital.Batch.Operations</c>), so
/// the Aspire dashboard charts them too: read for every kitchen each <see cref="Interval"/> in the background, because
/// a gauge's callback must not wait on the database.
/// </summary>
public sealed partial class KitchenGauges : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan UntilReady = TimeSpan.FromSeconds(5);

    /// <summary>The gauges' ticket times are of the orders taken in the last hour: what the kitchen is doing now, and a cheap read.</summary>
    private static readonly TimeSpan TicketsWindow = TimeSpan.FromHours(1);

    private readonly KitchenOperationsReader _reader;
    private readonly PlacesCache _places;
    private readonly TimeProvider _time;
    private readonly ILogger<KitchenGauges> _logger;
    private volatile IReadOnlyList<KitchenOperations> _last = [];

    public KitchenGauges(KitchenOperationsReader reader, PlacesCache places, IMeterFactory meters, TimeProvider time, ILogger<KitchenGauges> logger)
    {
        _reader = reader;
        _places = places;
        _time = time;
        _logger = logger;
        var meter = meters.Create("Orbital.Batch.Operations");
        meter.CreateObservableGauge("orbital.kitchen.orders_this_quarter_hour",
            () => _last.Select(k => new Measurement<int>(k.OrdersPer15Minutes.LastOrDefault()?.Orders ?? 0, new KeyValuePair<string, object?>("kitchen", k.KitchenId))),
            unit: "{order}", description: "Orders the kitchen took in the current quarter hour.");
        meter.CreateObservableGauge("orbital.kitchen.ticket_time.median", () => PerStation(s => s.TicketMedianSeconds), unit: "s",
            description: "Median ticket time at a station of the orders taken in the last hour (order taken to its last bump there).");
        meter.CreateObservableGauge("orbital.kitchen.ticket_time.p90", () => PerStation(s => s.TicketP90Seconds), unit: "s",
            description: "90th percentile ticket time at a station of the orders taken in the last hour.");
        meter.CreateObservableGauge("orbital.kitchen.items.open", () => PerStation(s => s.OpenItems), unit: "{item}",
            description: "Batch items waiting or cooking at a station.");
        meter.CreateObservableGauge("orbital.kitchen.items.late", () => PerStation(s => s.LateItems), unit: "{item}",
            description: "Batch items waiting or cooking longer than Operations:LateAfter.");
        meter.CreateObservableGauge("orbital.kitchen.screens", () => PerStation(s => s.Screens), unit: "{screen}",
            description: "Screens following a station on this instance.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var read = new List<KitchenOperations>();
                foreach (var kitchen in _places.Current.Kitchens.Where(k => k.Kind == KitchenKinds.Kitchen))
                {
                    read.Add(await _reader.ReadAsync(kitchen, TicketsWindow, stoppingToken));
                }

                _last = read;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.ReadFailed(_logger, ex.GetBaseException().Message);
            }

            // Until the setup of places has arrived (or the schema is migrated) there is nothing to show: look again soon.
            await Task.Delay(_last.Count == 0 ? UntilReady : Interval, _time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private IEnumerable<Measurement<double>> PerStation(Func<StationOperations, double?> value) =>
        from kitchen in _last
        from station in kitchen.Stations
        let measured = value(station)
        where measured is not null
        select new Measurement<double>(measured.Value,
            new KeyValuePair<string, object?>("kitchen", kitchen.KitchenId), new KeyValuePair<string, object?>("station", station.StationId));

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the kitchens for their gauges failed: {Reason}")]
        public static partial void ReadFailed(ILogger logger, string reason);
    }
}
