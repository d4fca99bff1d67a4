using Orbital.Batch.Board;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Contracts.Orders;
using Orbital.Messaging;

namespace Orbital.Batch.Batching;

/// <summary>Consumer of <c>structured_order_data</c>: batches the orders, then tells the screens and the board cache.</summary>
public sealed partial class StructuredOrderHandler(
    OrderBatcher batcher,
    BatchSchema schema,
    KitchenEventBus bus,
    StationBoardCache board,
    ILogger<StructuredOrderHandler> logger) : IMessageBatchHandler
{
    public Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken) =>
        HandleBatchAsync([message], cancellationToken);

    /// <summary>The orders are batched in one transaction; the screens and the board hear of it only once it is committed.</summary>
    public async Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        var orders = messages.Select(Parse).ToList();
        var traces = messages.Select(m => m.TraceParent).ToList();
        await schema.WaitUntilReadyAsync(cancellationToken);
        var (results, written) = await batcher.ApplyAsync(orders, traces, cancellationToken);
        var orderTraces = new Dictionary<string, System.Diagnostics.ActivityContext>(StringComparer.Ordinal);
        for (var i = 0; i < orders.Count; i++)
        {
            orderTraces[orders[i].OrderId] = traces[i];
        }

        var events = KitchenEventTelemetry.InOrderTraces(written, orderTraces);
        foreach (var (order, result) in results)
        {
            if (result == OrderApplyResult.Stale)
            {
                Log.Stale(logger, order.OrderId, order.Version);
            }
            else
            {
                Log.Batched(logger, order.OrderId, order.Version);
            }
        }

        await bus.PublishAsync(events);
        await board.UpdateAsync(events.Select(e => e.Item).OfType<BatchItemView>(), cancellationToken);
    }

    private static StructuredOrder Parse(IncomingMessage message)
    {
        var order = message.Read<StructuredOrder>();
        return order.Unusable is { } why ? throw new PoisonMessageException(why) : order;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2401, Level = LogLevel.Debug, Message = "Order {OrderId} version {Version} is not newer than what the batch holds; nothing changed")]
        public static partial void Stale(ILogger logger, string orderId, long version);

        [LoggerMessage(EventId = 2402, Level = LogLevel.Debug, Message = "Order {OrderId} version {Version} batched")]
        public static partial void Batched(ILogger logger, string orderId, long version);
    }
}
