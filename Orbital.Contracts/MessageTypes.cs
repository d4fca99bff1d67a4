using Google.Protobuf.Reflection;

namespace Orbital.Contracts;

/// <summary>
/// Orbital's protobuf messages by the full name they travel under (the AMQP <c>type</c>), so that a message can be read
/// without knowing beforehand what it is: an operator looking at a dead letter, for one.
/// </summary>
public static class MessageTypes
{
    private static readonly Dictionary<string, MessageDescriptor> ByName = new FileDescriptor[]
        {
            Otter.OtterEventReflection.Descriptor,
            Orders.StructuredOrderDataReflection.Descriptor,
            Kitchen.KitchenOrderEventReflection.Descriptor,
            Stores.StoreStatusReflection.Descriptor,
            Scanning.ScanEventReflection.Descriptor,
        }
        .SelectMany(file => file.MessageTypes)
        .ToDictionary(message => message.FullName, StringComparer.Ordinal);

    /// <summary>The message named <paramref name="fullName"/>, or null if it is not one of Orbital's.</summary>
    public static MessageDescriptor? Find(string? fullName) =>
        fullName is not null && ByName.TryGetValue(fullName, out var descriptor) ? descriptor : null;
}
