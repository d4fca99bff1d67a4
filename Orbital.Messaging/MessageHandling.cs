using System.Diagnostics;
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

/// <summary>
/// A handler that can also take several messages at once, in queue order, and handle them in one transaction (one
/// commit and far fewer round trips than one by one). All of them or none: if the batch fails, the consumer hands the
/// messages to <see cref="IMessageHandler.HandleAsync"/> one at a time, so one bad message is dead-lettered alone.
/// </summary>
public interface IMessageBatchHandler : IMessageHandler
{
    Task HandleBatchAsync(IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken);
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
    /// <summary>The trace the message was published in; work done for it continues that trace.</summary>
    public ActivityContext TraceParent { get; init; }

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
