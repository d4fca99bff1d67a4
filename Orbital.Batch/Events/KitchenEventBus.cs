using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Npgsql;
using Orbital.Batch.Data;
using StackExchange.Redis;

namespace Orbital.Batch.Events;

/// <summary>
/// Delivers every kitchen event, from whichever Batch instance committed it, to the screens connected to this one.
/// The committing instance hands its events over directly and publishes them on a Redis channel for the others;
/// every instance delivers each kitchen's events strictly in id order, and fills any gap (a lost Redis message, Redis
/// down, an instance that died between commit and publish) from the event log in PostgreSQL, which it also polls every second.
/// </summary>
public sealed partial class KitchenEventBus(
    NpgsqlDataSource dataSource,
    IConnectionMultiplexer redis,
    BatchSchema schema,
    TimeProvider time,
    ILogger<KitchenEventBus> logger) : BackgroundService
{
    public const string KitchenChannel = "orbital:batch:kitchen-events";
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    private readonly Channel<KitchenEvent[]> _incoming = Channel.CreateUnbounded<KitchenEvent[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _subscribersLock = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ScreenSubscription[] _subscribers = [];
    // Written by the delivery loop only; read by the screens' streams.
    private readonly ConcurrentDictionary<string, long> _lastDelivered = new(StringComparer.Ordinal);

    /// <summary>The id of the last event of the kitchen delivered to this instance's screens (0 before its first event).</summary>
    public long LastDeliveredId(string kitchenId) => _lastDelivered.GetValueOrDefault(kitchenId);

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

    /// <summary>The screens (and staff's browsers) following a kitchen on this instance now.</summary>
    public IReadOnlyList<ScreenSubscription> Subscribers => Volatile.Read(ref _subscribers);

    public Task WaitUntilReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    /// <summary>Called after commit by the instance that wrote the events.</summary>
    public async Task PublishAsync(IReadOnlyList<KitchenEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }

        var batch = events.ToArray();
        _incoming.Writer.TryWrite(batch);
        try
        {
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(KitchenChannel), JsonSerializer.SerializeToUtf8Bytes(batch, KitchenJson.Default.KitchenEventArray));
        }
        catch (Exception ex)
        {
            // The other instances find these events in the log within a second.
            Log.RedisPublishFailed(logger, ex.GetBaseException().Message);
        }
    }

    /// <summary>A screen's live feed of one kitchen; events of other stations are left out when <paramref name="stationId"/> is set.</summary>
    public ScreenSubscription Subscribe(string kitchenId, string? stationId, int capacity)
    {
        var subscription = new ScreenSubscription(this, kitchenId, stationId, capacity);
        lock (_subscribersLock)
        {
            _subscribers = [.. _subscribers, subscription];
        }

        return subscription;
    }

    internal void Unsubscribe(ScreenSubscription subscription)
    {
        lock (_subscribersLock)
        {
            _subscribers = [.. _subscribers.Where(s => s != subscription)];
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WaitUntilReadyAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await StartFromLogAsync(stoppingToken);
        await SubscribeToRedisAsync();

        var lastPrune = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(PollInterval);
                KitchenEvent[]? received = null;
                try
                {
                    if (await _incoming.Reader.WaitToReadAsync(wait.Token))
                    {
                        _incoming.Reader.TryRead(out received);
                    }
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                }

                if (received is null)
                {
                    foreach (var (kitchenId, lastId) in await BatchItemRows.LastEventIdsAsync(dataSource, stoppingToken))
                    {
                        if (lastId > LastDeliveredId(kitchenId))
                        {
                            await CatchUpAsync(kitchenId, lastId, stoppingToken);
                        }
                    }
                }
                else
                {
                    foreach (var kitchen in received.GroupBy(e => e.KitchenId, StringComparer.Ordinal))
                    {
                        var delivered = LastDeliveredId(kitchen.Key);
                        var first = kitchen.Where(e => e.Id > delivered).Select(e => e.Id).DefaultIfEmpty(long.MaxValue).Min();
                        if (first != long.MaxValue && first > delivered + 1)
                        {
                            await CatchUpAsync(kitchen.Key, first - 1, stoppingToken);
                        }

                        Deliver(kitchen.Key, kitchen);
                    }
                }

                if (time.GetUtcNow() - lastPrune > PruneInterval)
                {
                    lastPrune = time.GetUtcNow();
                    await PruneAsync(stoppingToken);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.LoopFailed(logger, ex.GetBaseException().Message);
                await Task.Delay(PollInterval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Close();
        }
    }

    private async Task StartFromLogAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var (kitchenId, lastId) in await BatchItemRows.LastEventIdsAsync(dataSource, stoppingToken))
                {
                    _lastDelivered[kitchenId] = lastId;
                }

                _ready.TrySetResult();
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.LoopFailed(logger, ex.GetBaseException().Message);
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task SubscribeToRedisAsync()
    {
        try
        {
            var channel = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(KitchenChannel));
            channel.OnMessage(message =>
            {
                if (JsonSerializer.Deserialize((byte[])message.Message!, KitchenJson.Default.KitchenEventArray) is { Length: > 0 } events)
                {
                    _incoming.Writer.TryWrite(events);
                }
            });
        }
        catch (Exception ex)
        {
            // The client resubscribes when Redis comes back; until then the log poll delivers.
            Log.RedisSubscribeFailed(logger, ex.GetBaseException().Message);
        }
    }

    /// <summary>Delivers what the log holds of a kitchen after its last delivered event, up to <paramref name="upTo"/>.</summary>
    private async Task CatchUpAsync(string kitchenId, long upTo, CancellationToken cancellationToken)
    {
        while (LastDeliveredId(kitchenId) < upTo)
        {
            var events = await BatchItemRows.ReadEventsAfterAsync(dataSource, kitchenId, LastDeliveredId(kitchenId), stationId: null, limit: 1000, cancellationToken);
            events.RemoveAll(e => e.Id > upTo);
            if (events.Count == 0)
            {
                return;
            }

            Deliver(kitchenId, events);
        }
    }

    private void Deliver(string kitchenId, IEnumerable<KitchenEvent> events)
    {
        var subscribers = Volatile.Read(ref _subscribers);
        foreach (var kitchenEvent in events.OrderBy(e => e.Id))
        {
            if (kitchenEvent.Id != LastDeliveredId(kitchenId) + 1)
            {
                continue;
            }

            var frame = new KitchenEventFrame(kitchenEvent);
            foreach (var subscriber in subscribers)
            {
                subscriber.Offer(frame);
            }

            _lastDelivered[kitchenId] = kitchenEvent.Id;
        }
    }

    private async Task PruneAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM batch.kitchen_events WHERE created_at < $1");
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow() - Retention });
        var pruned = await command.ExecuteNonQueryAsync(cancellationToken);
        if (pruned > 0)
        {
            Log.Pruned(logger, pruned);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Kitchen events not published on Redis (other instances read them from the log): {Reason}")]
        public static partial void RedisPublishFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Kitchen event delivery paused: {Reason}")]
        public static partial void LoopFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "Not subscribed to kitchen events on Redis yet, reading the log instead: {Reason}")]
        public static partial void RedisSubscribeFailed(ILogger logger, string reason);

        [LoggerMessage(EventId = 2204, Level = LogLevel.Information, Message = "Pruned {Count} kitchen events older than the retention")]
        public static partial void Pruned(ILogger logger, int count);
    }
}
