using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Orbital.Contracts.Otter;
using Orbital.Messaging;
using Orbital.Orders.Otter;

namespace Orbital.Orders.Orders;

/// <summary>Reading an Otter event's <c>metadata.payload</c>: as a given type (poison if it cannot be), or the order it names.</summary>
internal static class OtterPayload
{
    /// <summary>The order id an event that is not a full order names, as far as its payload says.</summary>
    public static string? NamedOrder(OtterEvent otterEvent)
    {
        if (otterEvent.Metadata?.Payload is not { ValueKind: JsonValueKind.Object } payload)
        {
            return null;
        }

        if (payload.TryGetProperty("orderId", out var orderId) && orderId.ValueKind == JsonValueKind.String)
        {
            return NullIfEmpty(orderId.GetString());
        }

        return payload.TryGetProperty("externalIdentifiers", out var ids) && ids.ValueKind == JsonValueKind.Object
            && ids.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
            ? NullIfEmpty(id.GetString())
            : null;
    }

    public static T? TryRead<T>(OtterEvent otterEvent, JsonTypeInfo<T> type)
    {
        try
        {
            return Read(otterEvent, type);
        }
        catch (PoisonMessageException)
        {
            return default;
        }
    }

    public static T? Read<T>(OtterEvent otterEvent, JsonTypeInfo<T> type)
    {
        if (otterEvent.Metadata?.Payload is not { ValueKind: JsonValueKind.Object } payload)
        {
            return default;
        }

        try
        {
            return payload.Deserialize(type);
        }
        catch (JsonException ex)
        {
            throw new PoisonMessageException($"metadata.payload is not a valid {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    public static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
