using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Orbital.Contracts.Otter;
using Orbital.Messaging;
using Orbital.Orders.Otter;

namespace Orbital.Orders.Orders;

/// <summary>
/// One delivery of <c>otter_events</c>, read: the envelope, the event, and the body as it can be stored. Text PostgreSQL
/// cannot hold (NUL, lone surrogates) is cleaned out of everything the consumer reads and stores; when that changed the
/// body, the bytes as Otter sent them are kept in <see cref="OriginalBody"/> for the audit trail.
/// </summary>
public sealed record ReceivedOtterEvent(
    IncomingMessage Message,
    OtterEventEnvelope Envelope,
    OtterEvent Event,
    string Body,
    byte[]? OriginalBody)
{
    public string EventId => Envelope.EventId;

    public string EventType => Envelope.EventType;

    public static ReceivedOtterEvent Read(IncomingMessage message)
    {
        var envelope = ParseEnvelope(message);
        var original = envelope.Body.Memory;
        var storable = OtterText.Storable(original);
        var cleaned = !storable.Equals(original);
        if (cleaned || HasUnstorableText(envelope))
        {
            envelope = envelope.Clone();
            envelope.EventId = OtterText.Clean(envelope.EventId)!;
            envelope.EventType = OtterText.Clean(envelope.EventType)!;
            envelope.StoreId = OtterText.Clean(envelope.StoreId)!;
            envelope.Body = ByteString.CopyFrom(storable.Span);
        }

        return new ReceivedOtterEvent(message, envelope, ParseEvent(storable.Span), Encoding.UTF8.GetString(storable.Span), cleaned ? original.ToArray() : null);
    }

    private static bool HasUnstorableText(OtterEventEnvelope envelope) =>
        !ReferenceEquals(OtterText.Clean(envelope.EventId), envelope.EventId)
        || !ReferenceEquals(OtterText.Clean(envelope.EventType), envelope.EventType)
        || !ReferenceEquals(OtterText.Clean(envelope.StoreId), envelope.StoreId);

    private static OtterEventEnvelope ParseEnvelope(IncomingMessage message)
    {
        try
        {
            var envelope = OtterEventEnvelope.Parser.ParseFrom(message.Body.Span);
            return string.IsNullOrEmpty(envelope.EventId) || string.IsNullOrEmpty(envelope.EventType)
                ? throw new PoisonMessageException("the Otter event envelope has no event id or type")
                : envelope;
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new PoisonMessageException($"not an OtterEventEnvelope: {ex.Message}", ex);
        }
    }

    private static OtterEvent ParseEvent(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, OtterJson.Default.OtterEvent)
                ?? throw new PoisonMessageException("the Otter event body is null");
        }
        catch (JsonException ex)
        {
            throw new PoisonMessageException($"the Otter event body is not valid JSON: {ex.Message}", ex);
        }
    }
}
