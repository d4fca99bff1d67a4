using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace Orbital.Batch.Events;

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

    internal ScreenSubscription(KitchenEventBus bus, string kitchenId, string? stationId, int capacity)
    {
        _bus = bus;
        KitchenId = kitchenId;
        StationId = stationId;
        _queue = Channel.CreateBounded<KitchenEventFrame>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    public string KitchenId { get; }

    public string? StationId { get; }

    public bool Overflowed { get; private set; }

    public ChannelReader<KitchenEventFrame> Events => _queue.Reader;

    internal void Offer(KitchenEventFrame frame)
    {
        if (frame.Event.KitchenId != KitchenId || (StationId is not null && frame.Event.StationId != StationId))
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
