using Orbital.Batch.Board;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Contracts.Orders;
using Orbital.Messaging;

namespace Orbital.Batch.Batching;

/// <summary>Consumer of <c>structured_order_data</c>: batches the order, then tells the screens and the board cache.</summary>
public sealed partial class StructuredOrderHandler(
    OrderBatcher batcher,
    BatchSchema schema,
    KitchenEventBus bus,
    StationBoardCache board,
    ILogger<StructuredOrderHandler> logger) : IMessageHandler
{
    public async Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        StructuredOrder order;
        try
        {
            order = StructuredOrder.Parser.ParseFrom(message.Body.Span);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException ex)
        {
            throw new PoisonMessageException($"Not a StructuredOrder: {ex.Message}");
        }

        if (string.IsNullOrEmpty(order.OrderId) || order.Version <= 0)
        {
            throw new PoisonMessageException("A StructuredOrder needs an order id and a positive version.");
        }

        await schema.WaitUntilReadyAsync(cancellationToken);
        var (result, events) = await batcher.ApplyAsync(order, cancellationToken);
        if (result == OrderApplyResult.Stale)
        {
            Log.Stale(logger, order.OrderId, order.Version);
            return;
        }

        await bus.PublishAsync(events);
        await board.UpdateAsync(events.Select(e => e.Item), cancellationToken);
        Log.Batched(logger, order.OrderId, order.Version, events.Count);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2401, Level = LogLevel.Debug, Message = "Order {OrderId} version {Version} is not newer than what the batch holds; nothing changed")]
        public static partial void Stale(ILogger logger, string orderId, long version);

        [LoggerMessage(EventId = 2402, Level = LogLevel.Debug, Message = "Order {OrderId} version {Version} batched: {EventCount} kitchen events")]
        public static partial void Batched(ILogger logger, string orderId, long version, int eventCount);
    }
}
