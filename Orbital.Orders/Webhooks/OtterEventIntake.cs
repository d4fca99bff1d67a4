using Google.Protobuf;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Contracts;
using Orbital.Contracts.Otter;
using Orbital.Messaging;
using Orbital.Messaging.Outbox;

namespace Orbital.Orders.Webhooks;

public enum IntakeResult
{
    /// <summary>The broker confirmed the event.</summary>
    Published,
    /// <summary>The broker did not answer; the event is in the outbox and is relayed when it returns.</summary>
    Deferred,
    /// <summary>Neither the broker nor the database took the event: Otter must send it again.</summary>
    Unavailable,
}

/// <summary>
/// Makes an accepted webhook durable before Otter hears 200: a broker confirm, or failing that a row in the
/// PostgreSQL outbox. Only when neither works does Otter get 503 and retry.
/// </summary>
public sealed partial class OtterEventIntake(
    IMessagePublisher publisher,
    NpgsqlDataSource dataSource,
    IOptions<OtterOptions> options,
    ILogger<OtterEventIntake> logger)
{
    public async Task<IntakeResult> AcceptAsync(OtterEventEnvelope envelope, CancellationToken cancellationToken)
    {
        var message = new OutgoingMessage(envelope.ToByteArray(), envelope.EventId, OtterEventEnvelope.Descriptor.FullName, ContentTypes.Protobuf);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(options.Value.PublishTimeout);
            try
            {
                await publisher.PublishAsync(Exchanges.OtterEvents, message, timeout.Token);
                return IntakeResult.Published;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                Log.PublishFailed(logger, envelope.EventId, ex.GetBaseException().Message);
            }
        }

        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await OutboxWriter.EnqueueAsync(connection, transaction: null, Exchanges.OtterEvents, message, cancellationToken);
            Log.Deferred(logger, envelope.EventId);
            return IntakeResult.Deferred;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Log.Unavailable(logger, envelope.EventId, ex.GetBaseException().Message);
            return IntakeResult.Unavailable;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Otter event {EventId} not confirmed by the broker, writing it to the outbox: {Reason}")]
        public static partial void PublishFailed(ILogger logger, string eventId, string reason);

        [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Otter event {EventId} is in the outbox and will be relayed when the broker returns")]
        public static partial void Deferred(ILogger logger, string eventId);

        [LoggerMessage(EventId = 1203, Level = LogLevel.Error, Message = "Otter event {EventId} could not be made durable, answering 503: {Reason}")]
        public static partial void Unavailable(ILogger logger, string eventId, string reason);
    }
}
