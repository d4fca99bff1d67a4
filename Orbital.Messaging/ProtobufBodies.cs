using Google.Protobuf;

namespace Orbital.Messaging;

public static class ProtobufBodies
{
    /// <summary>The body as a <typeparamref name="T"/>; a body that is not one is poison, dead-lettered with why.</summary>
    public static T Read<T>(this IncomingMessage message) where T : IMessage<T>, new()
    {
        try
        {
            return new MessageParser<T>(() => new T()).ParseFrom(message.Body.Span);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new PoisonMessageException($"Not a {typeof(T).Name}: {ex.Message}");
        }
    }
}
