namespace Orbital.Messaging;

/// <summary>Headers Orbital sets on messages beyond the AMQP basic properties.</summary>
public static class MessageHeaders
{
    /// <summary>Why a message was dead-lettered: the exception type and message of the last attempt.</summary>
    public const string DeadLetterReason = "x-orbital-dead-letter-reason";
    public const string DeadLetteredAt = "x-orbital-dead-lettered-at";
    public const string DeadLetterAttempts = "x-orbital-attempts";
    /// <summary>The queue the message was consumed from, so a replay can send it back there.</summary>
    public const string SourceQueue = "x-orbital-source-queue";
    public const string SourceExchange = "x-orbital-source-exchange";
    /// <summary>W3C trace context, so one order is one trace from webhook to kitchen screen.</summary>
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
}
