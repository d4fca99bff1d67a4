using System.Buffers;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Orbital.Contracts.Otter;
using Orbital.Orders.Otter;

namespace Orbital.Orders.Webhooks;

/// <summary><c>POST /webhooks/otter</c>: verify, make durable, answer at once. Processing happens in the consumer.</summary>
public static partial class OtterWebhookApi
{
    public static IEndpointRouteBuilder MapOtterWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/otter", ReceiveAsync)
            .WithTags("Otter webhooks")
            .WithName("ReceiveOtterWebhook")
            .WithSummary("An Otter webhook event, signed by Otter")
            .WithDescription($"The body is read as bytes and checked against its HMAC-SHA256 signature in the {OtterSignature.HeaderName} header before anything else; it is kept as sent. 200 once it is durable (published with confirm, or stored in PostgreSQL while the broker is away).")
            // The handler reads the raw body (the signature covers the bytes), so the document is told what it is.
            .DocumentsBody(typeof(Otter.OtterEvent), "application/json", "An Otter webhook event: eventId, eventType, eventTime and metadata (storeId, resourceId, payload).")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .DisableAntiforgery()
            // The webhook reads at most Otter:MaxBodyBytes itself and answers 413 as a problem past that.
            .WithMetadata(new Microsoft.AspNetCore.Mvc.DisableRequestSizeLimitAttribute());
        return app;
    }

    public static async Task<Results<Ok, ProblemHttpResult>> ReceiveAsync(
        HttpRequest request,
        IOptions<OtterOptions> options,
        OtterEventIntake intake,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger(typeof(OtterWebhookApi));
        var settings = options.Value;
        if (request.ContentLength > settings.MaxBodyBytes)
        {
            return TooLarge(settings.MaxBodyBytes);
        }

        var body = await ReadBodyAsync(request.Body, (int?)request.ContentLength, settings.MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return TooLarge(settings.MaxBodyBytes);
        }

        if (!OtterSignature.IsValid(body, request.Headers[OtterSignature.HeaderName], settings.WebhookSecret))
        {
            Log.Rejected(logger, "signature", request.Headers.ContainsKey(OtterSignature.HeaderName) ? "does not match" : "missing");
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Invalid Otter signature",
                detail: $"The {OtterSignature.HeaderName} header must be the base64 HMAC-SHA256 of the raw body with the webhook secret.");
        }

        // Judged as the consumer will read it: without the text PostgreSQL cannot store (a NUL in a note is cleaned, not refused).
        var storable = OtterText.Storable(body);
        OtterEvent? otterEvent;
        try
        {
            otterEvent = JsonSerializer.Deserialize(storable.Span, OtterJson.Default.OtterEvent);
        }
        catch (JsonException ex)
        {
            Log.Rejected(logger, "body", ex.Message);
            return BadRequest("The body is not a valid Otter event", $"Not valid JSON for an Otter event envelope: {ex.Message}");
        }

        var missing = MissingFields(otterEvent);
        if (missing.Count > 0)
        {
            Log.Rejected(logger, "fields", string.Join(", ", missing));
            return BadRequest("The Otter event is missing required fields", $"Missing or empty: {string.Join(", ", missing)}.");
        }

        if (otterEvent!.EventType == OtterEventTypes.Ping)
        {
            return TypedResults.Ok();
        }

        if (OtterTime.FirstOutOfRange(storable.Span) is var (field, value))
        {
            Log.Rejected(logger, "time", $"{field} = {value}");
            return BadRequest("The Otter event has a time no order can have",
                $"{field} is {value}; times must fall between {OtterTime.Earliest:yyyy-MM-dd} and {OtterTime.Latest:yyyy-MM-dd}.");
        }

        var envelope = new OtterEventEnvelope
        {
            EventId = otterEvent.EventId!,
            EventType = otterEvent.EventType!,
            StoreId = otterEvent.Metadata!.StoreId ?? string.Empty,
            ReceivedAt = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            Body = ByteString.CopyFrom(body),
        };

        return await intake.AcceptAsync(envelope, cancellationToken) switch
        {
            IntakeResult.Unavailable => TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Orbital cannot take the event right now",
                detail: "Neither the message broker nor the database accepted the event. Send it again."),
            _ => TypedResults.Ok(),
        };
    }

    private static List<string> MissingFields(OtterEvent? otterEvent)
    {
        var missing = new List<string>();
        if (string.IsNullOrWhiteSpace(otterEvent?.EventId))
        {
            missing.Add("eventId");
        }

        if (string.IsNullOrWhiteSpace(otterEvent?.EventType))
        {
            missing.Add("eventType");
        }

        if (otterEvent?.Metadata is null)
        {
            missing.Add("metadata");
        }

        return missing;
    }

    /// <summary>
    /// Reads the body, or returns null as soon as it is longer than <paramref name="limit"/>. With a Content-Length (Otter
    /// sends one) the body is read straight into an array of that size; the pooled chunk serves bodies without one.
    /// </summary>
    private static async Task<byte[]?> ReadBodyAsync(Stream body, int? declaredLength, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream(declaredLength is { } length && length > 0 && length <= limit ? length : 0);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > limit)
                {
                    return null;
                }

                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }

    private static ProblemHttpResult TooLarge(int limit) => TypedResults.Problem(
        statusCode: StatusCodes.Status413PayloadTooLarge,
        title: "The Otter event is too large",
        detail: $"Bodies over {limit} bytes are refused.");

    private static ProblemHttpResult BadRequest(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: title, detail: detail);

    private static partial class Log
    {
        [LoggerMessage(EventId = 1301, Level = LogLevel.Warning, Message = "Rejected an Otter webhook ({Check}): {Reason}")]
        public static partial void Rejected(ILogger logger, string check, string reason);
    }
}
