using System.Net.Sockets;
using Npgsql;
using RabbitMQ.Client.Exceptions;

namespace Orbital.Messaging;

/// <summary>Handles one message from a queue. It is called in its own DI scope, and must be idempotent:
/// a message is acknowledged only after the handler returns, so it may arrive again.</summary>
public interface IMessageHandler
{
    Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken);
}

/// <summary>A delivery as the handler sees it. The body is copied out of the client's buffer.</summary>
public sealed record IncomingMessage(
    ReadOnlyMemory<byte> Body,
    string? MessageId,
    string? Type,
    string? ContentType,
    IReadOnlyDictionary<string, object?> Headers,
    bool Redelivered,
    string Queue)
{
    public string? Header(string name) =>
        Headers.TryGetValue(name, out var value) ? MessagingTelemetry.HeaderText(value) : null;
}

/// <summary>The message can never be handled (it is malformed or breaks a rule): dead-letter it at once.</summary>
public sealed class PoisonMessageException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>The message could not be handled now but will be later (a dependency is down): keep retrying it.</summary>
public sealed class TransientMessageException(string reason, Exception? inner = null) : Exception(reason, inner);

/// <summary>Sorts handler failures into the three ways a consumer reacts to them.</summary>
public static class FailureClassifier
{
    public static FailureKind Classify(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PoisonMessageException:
                    return FailureKind.Poison;
                case TransientMessageException:
                case NpgsqlException { IsTransient: true }:
                case TimeoutException:
                case IOException:
                case SocketException:
                case HttpRequestException:
                case AlreadyClosedException:
                case OperationInterruptedException:
                    return FailureKind.Transient;
            }
        }

        return FailureKind.Failed;
    }
}

public enum FailureKind
{
    /// <summary>Retried a few times, then dead-lettered.</summary>
    Failed,
    /// <summary>Dead-lettered at once.</summary>
    Poison,
    /// <summary>Retried with back-off for as long as it takes.</summary>
    Transient,
}
