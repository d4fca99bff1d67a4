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
/// every instance delivers strictly in id order, and fills any gap (a lost Redis message, Redis down, an instance
/// that died between commit and publish) from the event log in PostgreSQL, which it also polls every second.
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
    private long _lastDelivered = -1;

    /// <summary>The id of the last event delivered to this instance's screens (-1 before the log has been read).</summary>
    public long LastDeliveredId => Interlocked.Read(ref _lastDelivered);

    public int SubscriberCount => Volatile.Read(ref _subscribers).Length;

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

    /// <summary>A screen's live feed; events of other stations are left out when <paramref name="stationId"/> is set.</summary>
    public ScreenSubscription Subscribe(string? stationId, int capacity)
    {
        var subscription = new ScreenSubscription(this, stationId, capacity);
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
                    await CatchUpAsync(long.MaxValue, stoppingToken);
                }
                else
                {
                    var first = received.Where(e => e.Id > LastDeliveredId).Select(e => e.Id).DefaultIfEmpty(long.MaxValue).Min();
                    if (first != long.MaxValue && first > LastDeliveredId + 1)
                    {
                        await CatchUpAsync(first - 1, stoppingToken);
                    }

                    Deliver(received);
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
                await using var command = dataSource.CreateCommand("SELECT last_id FROM batch.event_counter");
                Interlocked.Exchange(ref _lastDelivered, (long)(await command.ExecuteScalarAsync(stoppingToken))!);
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

    /// <summary>Delivers what the log holds after the last delivered event, up to <paramref name="upTo"/>.</summary>
    private async Task CatchUpAsync(long upTo, CancellationToken cancellationToken)
    {
        while (LastDeliveredId < upTo)
        {
            var events = await BatchItemRows.ReadEventsAfterAsync(dataSource, LastDeliveredId, stationId: null, limit: 1000, cancellationToken);
            events.RemoveAll(e => e.Id > upTo);
            if (events.Count == 0)
            {
                return;
            }

            Deliver(events);
        }
    }

    private void Deliver(IEnumerable<KitchenEvent> events)
    {
        var subscribers = Volatile.Read(ref _subscribers);
        foreach (var kitchenEvent in events.OrderBy(e => e.Id))
        {
            if (kitchenEvent.Id != LastDeliveredId + 1)
            {
                continue;
            }

            var frame = new KitchenEventFrame(kitchenEvent);
            foreach (var subscriber in subscribers)
            {
                subscriber.Offer(frame);
            }

            Interlocked.Exchange(ref _lastDelivered, kitchenEvent.Id);
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

/// <summary>An event with its SSE frame, encoded once however many screens receive it.</summary>
public sealed class KitchenEventFrame(KitchenEvent kitchenEvent)
{
    private byte[]? _bytes;

    public KitchenEvent Event { get; } = kitchenEvent;

    public byte[] Bytes => _bytes ??= Encode(Event);

    public static byte[] Encode(KitchenEvent kitchenEvent) => Encoding.UTF8.GetBytes(
        $"id: {kitchenEvent.Id}\nevent: {kitchenEvent.Type}\ndata: {JsonSerializer.Serialize(kitchenEvent, KitchenJson.Default.KitchenEvent)}\n\n");
}

/// <summary>
/// One screen's queue of live events. A screen that falls behind by more than the queue holds is disconnected
/// rather than allowed to slow the others; its browser reconnects with <c>Last-Event-ID</c> and replays from the log.
/// </summary>
public sealed class ScreenSubscription : IDisposable
{
    private readonly KitchenEventBus _bus;
    private readonly Channel<KitchenEventFrame> _queue;

    internal ScreenSubscription(KitchenEventBus bus, string? stationId, int capacity)
    {
        _bus = bus;
        StationId = stationId;
        _queue = Channel.CreateBounded<KitchenEventFrame>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    public string? StationId { get; }

    public bool Overflowed { get; private set; }

    public ChannelReader<KitchenEventFrame> Events => _queue.Reader;

    internal void Offer(KitchenEventFrame frame)
    {
        if (StationId is not null && frame.Event.StationId != StationId)
        {
            return;
        }

        if (!_queue.Writer.TryWrite(frame) && !Overflowed)
        {
            Overflowed = true;
            _queue.Writer.TryComplete();
        }
    }

    internal void Close() => _queue.Writer.TryComplete();

    public void Dispose()
    {
        _bus.Unsubscribe(this);
        _queue.Writer.TryComplete();
    }
}
