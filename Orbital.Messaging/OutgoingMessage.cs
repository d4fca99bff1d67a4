namespace Orbital.Messaging;

/// <summary>A message to publish: the body and the AMQP properties Orbital sets on every message.</summary>
/// <param name="MessageId">Stable id of this message; consumers may use it to drop repeats.</param>
/// <param name="Type">What the body is, e.g. the protobuf message name.</param>
public sealed record OutgoingMessage(
    ReadOnlyMemory<byte> Body,
    string MessageId,
    string Type,
    string ContentType,
    IReadOnlyDictionary<string, string>? Headers = null);
