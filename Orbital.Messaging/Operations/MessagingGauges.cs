using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Orbital.Messaging;

/// <summary>
/// The service's queues and outbox as OpenTelemetry gauges (meter <c>Orbital.Messaging.Queues</c>), so the Aspire
/// dashboard charts them: read every <see cref="Interval"/> in the background, because a gauge's callback must not wait
/// on the broker or the database.
/// </summary>
public sealed partial class MessagingGauges : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    public const string MeterName = "Orbital.Messaging.Queues";

    private readonly MessagingStatusReader _reader;
    private readonly TimeProvider _time;
    private readonly ILogger<MessagingGauges> _logger;
    private volatile MessagingStatus? _last;

    public MessagingGauges(MessagingStatusReader reader, IMeterFactory meters, TimeProvider time, ILogger<MessagingGauges> logger)
    {
        _reader = reader;
        _time = time;
        _logger = logger;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("orbital.queue.waiting", () => PerQueue(q => (long)q.Waiting), unit: "{message}",
            description: "Messages ready in a queue this service consumes.");
        meter.CreateObservableGauge("orbital.queue.consumers", () => PerQueue(q => (long)q.Consumers), unit: "{consumer}",
            description: "Consumers attached to the queue.");
        meter.CreateObservableGauge("orbital.queue.oldest_waiting_age", () => PerQueue(q => q.OldestWaitingSeconds ?? 0), unit: "s",
            description: "How long the oldest message waiting in the queue has waited, at most.");
        meter.CreateObservableGauge("orbital.queue.dead_letters", () => PerQueue(q => (long)q.DeadLetters), unit: "{message}",
            description: "Messages in the queue's dead-letter queue.");
        meter.CreateObservableGauge("orbital.outbox.pending", () => Outbox(o => o.Pending), unit: "{message}",
            description: "Outbox rows not yet published.");
        meter.CreateObservableGauge("orbital.outbox.oldest_age", () => Outbox(o => o.OldestSeconds ?? 0), unit: "s",
            description: "How long the oldest outbox row has waited to be published.");
    }

    public MessagingStatus? Last => _last;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                _last = await _reader.ReadAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.ReadFailed(_logger, ex.GetBaseException().Message);
            }

            await Task.Delay(Interval, _time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private IEnumerable<Measurement<T>> PerQueue<T>(Func<QueueStatus, T> value) where T : struct =>
        _last is { } status
            ? status.Queues.Where(q => q.Problem is null).Select(q => new Measurement<T>(value(q), new KeyValuePair<string, object?>("queue", q.Queue)))
            : [];

    private IEnumerable<Measurement<T>> Outbox<T>(Func<OutboxStatus, T> value) where T : struct =>
        _last?.Outbox is { } outbox ? [new Measurement<T>(value(outbox))] : [];

    private static partial class Log
    {
        [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the queues and outbox for their gauges failed: {Reason}")]
        public static partial void ReadFailed(ILogger logger, string reason);
    }
}
