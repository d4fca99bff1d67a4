using System.ComponentModel.DataAnnotations;

namespace Orbital.Messaging;

/// <summary>How a service talks to RabbitMQ. Bound from the <c>Messaging</c> section.</summary>
public sealed class MessagingOptions
{
    public const string SectionName = "Messaging";

    /// <summary>AMQP URI, or a cluster's nodes as URIs separated by commas (<see cref="BrokerAddress"/>); by default the AppHost's <c>ConnectionStrings:rabbitmq</c>.</summary>
    [Required(ErrorMessage = "No RabbitMQ connection string: set ConnectionStrings:rabbitmq or Messaging:ConnectionString.")]
    public string? ConnectionString { get; set; }

    /// <summary>Shown in the broker's connection list.</summary>
    public string ClientName { get; set; } = "orbital";

    /// <summary>Unacknowledged deliveries a consumer holds at once.</summary>
    [Range(1, 10_000)]
    public ushort Prefetch { get; set; } = 64;

    /// <summary>Deliveries a consumer works on at once, or batches for a batch-capable handler (1 keeps the queue's order).</summary>
    [Range(1, 256)]
    public ushort ConsumerConcurrency { get; set; } = 1;

    /// <summary>Deliveries a batch-capable handler (<see cref="IMessageBatchHandler"/>) takes at once: those already in hand, up to this many.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 32;

    /// <summary>Attempts at a message that fails for a reason that is not transient, before it is dead-lettered.</summary>
    [Range(1, 100)]
    public int MaxHandlingAttempts { get; set; } = 3;

    /// <summary>
    /// Times a consumer's process may end (crash, kill) while handling one message alone before that message is
    /// dead-lettered with the reason. Counted in Redis, where the service has it.
    /// </summary>
    [Range(1, 100)]
    public int CrashLimit { get; set; } = 3;

    /// <summary>
    /// Redeliveries the broker allows (quorum queue <c>x-delivery-limit</c>) before it dead-letters a message
    /// on its own: the last resort, where <see cref="CrashLimit"/> cannot be counted (no Redis).
    /// </summary>
    [Range(1, 1000)]
    public int DeliveryLimit { get; set; } = 20;

    /// <summary>How long a consumer may fail to consume while the broker is reachable before its service reports unhealthy.</summary>
    public TimeSpan ConsumerStallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait before retrying a failed message; doubles each attempt.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait between retries while a dependency is down.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(15);
}
