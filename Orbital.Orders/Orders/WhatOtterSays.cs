using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Orbital.Contracts.Otter;
using Orbital.Contracts.Stores;
using Orbital.Messaging;
using Orbital.Orders.Data;
using Orbital.Orders.Otter;

namespace Orbital.Orders.Orders;

/// <summary>
/// What the restaurant said when it accepted (<c>orderAcceptedInfo.preparationTimeInMinutes</c>): the food is promised at
/// the acceptance plus that time, which moves an ASAP order's ready-by.
/// </summary>
public static class AcceptedPrepTimes
{
    /// <summary>A day: a longer preparation time is not one a kitchen gives, and would move the food to another day.</summary>
    public const int MaxPreparationMinutes = 24 * 60;

    /// <summary>Keeps the promise on the order; whether it moved, and why a time given was not used.</summary>
    public static (bool Moved, string? Detail) Apply(OrderEntity order, int? minutes, DateTimeOffset acceptedAt)
    {
        if (minutes is not { } given)
        {
            return (false, null);
        }

        if (given is < 0 or > MaxPreparationMinutes)
        {
            return (false, $"orderAcceptedInfo.preparationTimeInMinutes {given} is not a preparation time (0 to {MaxPreparationMinutes}); ignored");
        }

        var promised = acceptedAt + TimeSpan.FromMinutes(given);
        if (promised == order.AcceptedReadyBy)
        {
            return (false, null);
        }

        order.AcceptedReadyBy = promised;
        return (true, null);
    }
}

/// <summary>
/// <c>delivery.delivery_status_update</c>: the courier coming for an order, as the pass needs it (status, first name,
/// provider, when expected). An update older than the one the order holds changes nothing.
/// </summary>
public static class CourierUpdates
{
    /// <summary>The courier as Otter describes them, with the time of the update (its <c>updatedTime</c>, else the event's).</summary>
    public sealed record Update(string? Status, string? FirstName, string? Provider, DateTimeOffset? ExpectedAt, DateTimeOffset UpdatedAt);

    public static Update Read(OtterEventEnvelope envelope, OtterEvent otterEvent, DateTimeOffset eventTime)
    {
        var payload = OtterPayload.Read(otterEvent, OtterJson.Default.OtterDeliveryStatusUpdate)
            ?? throw new PoisonMessageException($"{envelope.EventType} {envelope.EventId} has no delivery in metadata.payload");
        return new Update(
            Short(payload.DeliveryStatus ?? payload.Status)?.ToUpperInvariant(),
            Short(StructuredOrderMapping.FirstName(payload.Courier?.Name)),
            Short(payload.Provider),
            OtterOrderMapping.Utc(OtterTime.Parse(payload.EstimatedPickupTime)),
            OtterOrderMapping.Utc(OtterTime.Parse(payload.UpdatedTime)) ?? eventTime);
    }

    /// <summary>Keeps the update on the order unless the order holds a newer one; whether it did.</summary>
    public static bool Apply(OrderEntity order, Update update)
    {
        if (order.CourierEventTime is { } last && last > update.UpdatedAt)
        {
            return false;
        }

        order.CourierStatus = update.Status;
        order.CourierName = update.FirstName;
        order.DeliveryProvider = update.Provider;
        order.CourierEstimatedPickupTime = update.ExpectedAt;
        order.CourierEventTime = update.UpdatedAt;
        return true;
    }

    /// <summary>Otter's free text as the pass shows it: at most 40 characters.</summary>
    public static string? Short(string? text) => OtterPayload.NullIfEmpty(text) is { } value ? value[..Math.Min(value.Length, 40)].Trim() : null;
}

/// <summary>
/// <c>storefront.pause_store</c> / <c>unpause_store</c> (the store is <c>metadata.storeId</c>): nothing of an order changes;
/// the kitchens hear of it as a <see cref="StoreStatus"/>, and the newest word wins there.
/// </summary>
public static class StorePauseEvents
{
    private const int MaxStoreIdLength = 200;

    public static StoreStatus Read(OtterEventEnvelope envelope, OtterEvent otterEvent, DateTimeOffset eventTime)
    {
        var storeId = OtterPayload.NullIfEmpty(envelope.StoreId) ?? OtterPayload.NullIfEmpty(otterEvent.Metadata?.StoreId)
            ?? throw new PoisonMessageException($"{envelope.EventType} {envelope.EventId} does not say which store (metadata.storeId)");
        if (storeId.Length > MaxStoreIdLength)
        {
            throw new PoisonMessageException($"{envelope.EventType} {envelope.EventId}: a store id is at most {MaxStoreIdLength} characters");
        }

        // An unpause's payload is Otter's closure id, a string.
        var closure = otterEvent.Metadata?.Payload is { ValueKind: JsonValueKind.String } text ? CourierUpdates.Short(text.GetString()) : null;
        return new StoreStatus
        {
            EventId = envelope.EventId,
            StoreId = storeId,
            Paused = envelope.EventType == OtterEventTypes.PauseStore,
            ChangedAt = Timestamp.FromDateTimeOffset(eventTime),
            ClosureId = closure ?? string.Empty,
        };
    }
}
