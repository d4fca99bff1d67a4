using System.Diagnostics;

namespace Orbital.Batch.Events;

/// <summary>
/// Spans of an order's kitchen events and their writes to the screens, in the order's own trace: the webhook, Orders,
/// the outbox, Batch, the kitchen event and the SSE write are one trace.
/// </summary>
public static class KitchenEventTelemetry
{
    public static readonly ActivitySource Source = new("Orbital.Batch.KitchenEvents");

    /// <summary>
    /// Each event gets a span in the trace of an order it shows (the pass's order, or the first of the batch item's
    /// listed orders that this batch brought; one event can serve several orders, and goes in one of their traces).
    /// </summary>
    public static List<KitchenEvent> InOrderTraces(IReadOnlyList<KitchenEvent> events, IReadOnlyDictionary<string, ActivityContext> orderTraces)
    {
        var traced = new List<KitchenEvent>(events.Count);
        foreach (var kitchenEvent in events)
        {
            var orderIds = kitchenEvent.Order is { } order ? [order.OrderId] : kitchenEvent.Item?.Orders?.Select(o => o.OrderId) ?? [];
            var parent = orderIds.Select(id => orderTraces.GetValueOrDefault(id)).FirstOrDefault(trace => trace != default);
            if (parent == default)
            {
                traced.Add(kitchenEvent);
                continue;
            }

            using var span = Source.StartActivity($"kitchen event {kitchenEvent.Type}", ActivityKind.Producer, parent);
            span?.SetTag("orbital.kitchen_id", kitchenEvent.KitchenId);
            span?.SetTag("orbital.station_id", kitchenEvent.StationId);
            span?.SetTag("orbital.kitchen_event_id", kitchenEvent.Id);
            traced.Add(span is null ? kitchenEvent : kitchenEvent with { Trace = span.Context });
        }

        return traced;
    }

    /// <summary>A span for writing <paramref name="kitchenEvent"/> to one screen, if the event is in an order's trace.</summary>
    public static Activity? StartScreenWrite(KitchenEvent kitchenEvent, string? stationId) =>
        kitchenEvent.Trace == default
            ? null
            : Source.StartActivity($"sse write {kitchenEvent.Type}", ActivityKind.Producer, kitchenEvent.Trace,
                tags: [new("orbital.kitchen_id", kitchenEvent.KitchenId), new("orbital.screen_station", stationId ?? "all"), new("orbital.kitchen_event_id", kitchenEvent.Id)]);
}
