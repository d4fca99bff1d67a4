using System.Globalization;
using System.Text;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Batch.Data;
using Orbital.Batch.Kitchens;
using Orbital.Batch.Screens;
using Orbital.Places;

namespace Orbital.Batch.Events;

/// <summary>
/// <c>GET /orders/events?kitchen=K[&amp;station=S]</c>: Server-Sent Events for kitchen screens, one stream per kitchen
/// (event ids count within it). A screen that reconnects with <c>Last-Event-ID</c> (header, or <c>lastEventId</c> in
/// the query for a first connection) first receives what it missed from the log, then live events; if what it missed
/// is no longer in the log, or more than <see cref="ScreenOptions.MaxReplayEvents"/> behind, it gets a <c>reset</c>
/// event and reloads the board. A paired screen or a member of staff holds a bounded number of streams
/// (<see cref="ScreenStreams"/>); a screen that is unpaired while streaming gets <c>unpaired</c> and the stream ends.
/// </summary>
public static partial class KitchenEventsApi
{
    public static IEndpointRouteBuilder MapKitchenEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/orders/events", StreamAsync).WithTags("Kitchen events").WithName("KitchenEvents")
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return app;
    }

    public static async Task StreamAsync(
        HttpContext context,
        string? kitchen,
        string? station,
        string? lastEventId,
        KitchenEventBus bus,
        NpgsqlDataSource dataSource,
        PlacesCache places,
        ScreenStreams streams,
        ScreenDevices devices,
        IOptions<KitchenEventsOptions> options,
        IOptions<ScreenOptions> screenOptions,
        ILoggerFactory loggers)
    {
        if (await KitchenQuery.FindAsync(kitchen, required: true, context.User, places, dataSource, context.RequestAborted) is { Problem: { } problem })
        {
            await problem.ExecuteAsync(context);
            return;
        }

        var screen = context.User.FindFirstValue(ScreenAuthentication.DeviceClaim) is { } id ? Guid.ParseExact(id, "N") : (Guid?)null;
        var (lease, refusal) = streams.TryOpen(context.User.StreamHolder(), isScreen: screen is not null);
        using var held = lease;
        if (refusal != StreamRefusal.None)
        {
            context.Response.Headers.RetryAfter = "5";
            await TooManyStreams(refusal, screen is not null ? screenOptions.Value.StreamsPerScreen : screenOptions.Value.StreamsPerPerson).ExecuteAsync(context);
            return;
        }

        if (screen is { } device)
        {
            await devices.TouchAsync(device, context.RequestAborted);
        }

        try
        {
            await StreamUntilClosedAsync(context, kitchen!, station, lastEventId, screen, bus, dataSource, devices, options, screenOptions.Value.MaxReplayEvents, loggers);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The screen went away.
        }
    }

    private static async Task StreamUntilClosedAsync(
        HttpContext context,
        string kitchenId,
        string? station,
        string? lastEventId,
        Guid? screen,
        KitchenEventBus bus,
        NpgsqlDataSource dataSource,
        ScreenDevices devices,
        IOptions<KitchenEventsOptions> options,
        int maxReplayEvents,
        ILoggerFactory loggers)
    {
        var cancellationToken = context.RequestAborted;
        var settings = options.Value;
        var resumeFrom = ParseEventId(context.Request.Headers["Last-Event-ID"].ToString()) ?? ParseEventId(lastEventId);
        var stationId = string.IsNullOrWhiteSpace(station) ? null : station;

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        using var subscription = bus.Subscribe(kitchenId, stationId, settings.ScreenQueueCapacity);
        await bus.WaitUntilReadyAsync(cancellationToken);
        var cursor = bus.LastDeliveredId(kitchenId);

        // Headers go out with the first bytes: send them now so the browser sees the stream open.
        await WriteAsync(response, $"retry: {(int)settings.ReconnectDelay.TotalMilliseconds}\n: connected\n\n", cancellationToken);
        await WriteAsync(response,
            $"event: ready\ndata: {{\"lastEventId\":{cursor},\"kitchen\":\"{Json(kitchenId)}\",\"station\":{(stationId is null ? "null" : $"\"{Json(stationId)}\"")}}}\n\n",
            cancellationToken);

        long delivered = resumeFrom ?? cursor;
        if (resumeFrom is { } from && from < cursor - maxReplayEvents)
        {
            // Further behind than a replay may go: the board is the cheaper way back.
            await WriteAsync(response, $"event: reset\ndata: {{\"reason\":\"more than {maxReplayEvents} events behind; reload the board\"}}\n\n", cancellationToken);
            delivered = cursor;
        }
        else if (resumeFrom is { } after && after < cursor)
        {
            delivered = await ReplayAsync(response, dataSource, kitchenId, after, cursor, stationId, cancellationToken);
        }

        var heartbeat = Encoding.UTF8.GetBytes(": heartbeat\n\n");
        var reader = subscription.Events;
        using var heartbeatTimer = new PeriodicTimer(settings.HeartbeatInterval);
        var nextHeartbeat = heartbeatTimer.WaitForNextTickAsync(cancellationToken).AsTask();
        while (!cancellationToken.IsCancellationRequested)
        {
            var waitForEvent = reader.WaitToReadAsync(cancellationToken).AsTask();
            while (await Task.WhenAny(waitForEvent, nextHeartbeat) != waitForEvent)
            {
                await nextHeartbeat;
                if (screen is { } device && !await devices.IsPairedAsync(device, cancellationToken))
                {
                    await WriteAsync(response, "event: unpaired\ndata: {\"reason\":\"this screen was unpaired; pair it again with a new code\"}\n\n", cancellationToken);
                    return;
                }

                await response.Body.WriteAsync(heartbeat, cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
                nextHeartbeat = heartbeatTimer.WaitForNextTickAsync(cancellationToken).AsTask();
            }

            if (!await waitForEvent)
            {
                if (subscription.Overflowed)
                {
                    Log.SlowScreen(loggers.CreateLogger(typeof(KitchenEventsApi)), kitchenId, stationId ?? "all", delivered);
                }

                return;
            }

            while (reader.TryRead(out var frame))
            {
                if (frame.Event.Id <= delivered)
                {
                    continue;
                }

                using (KitchenEventTelemetry.StartScreenWrite(frame.Event, stationId))
                {
                    await response.Body.WriteAsync(frame.Bytes, cancellationToken);
                }

                delivered = frame.Event.Id;
            }

            await response.Body.FlushAsync(cancellationToken);
        }
    }

    private static async Task<long> ReplayAsync(
        HttpResponse response, NpgsqlDataSource dataSource, string kitchenId, long from, long upTo, string? stationId, CancellationToken cancellationToken)
    {
        await using (var oldest = dataSource.CreateCommand("SELECT min(id) FROM batch.kitchen_events WHERE kitchen_id = $1"))
        {
            oldest.Parameters.Add(new NpgsqlParameter { Value = kitchenId });
            if (await oldest.ExecuteScalarAsync(cancellationToken) is long first && first > from + 1)
            {
                await WriteAsync(response, $"event: reset\ndata: {{\"reason\":\"events after {from} are no longer kept; reload the board\"}}\n\n", cancellationToken);
                return upTo;
            }
        }

        var delivered = from;
        while (delivered < upTo)
        {
            var events = await BatchItemRows.ReadEventsAfterAsync(dataSource, kitchenId, delivered, stationId, limit: 500, cancellationToken);
            events.RemoveAll(e => e.Id > upTo);
            if (events.Count == 0)
            {
                break;
            }

            foreach (var kitchenEvent in events)
            {
                await response.Body.WriteAsync(KitchenEventFrame.Encode(kitchenEvent), cancellationToken);
                delivered = kitchenEvent.Id;
            }

            await response.Body.FlushAsync(cancellationToken);
        }

        // Events of other stations were skipped by the query: the screen has still seen everything up to here.
        return upTo;
    }

    private static ProblemHttpResult TooManyStreams(StreamRefusal refusal, int limit) => refusal == StreamRefusal.InstanceFull
        ? TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "This Batch instance holds all the streams it can",
            detail: "Try again shortly, or through another instance.")
        : TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many open streams",
            detail: $"A screen or person holds at most {limit} event streams at once; close one first.");

    private static long? ParseEventId(string? value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;

    private static string Json(string value) => System.Text.Json.JsonEncodedText.Encode(value).ToString();

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "Disconnected a kitchen screen ({Kitchen}/{Station}) that fell behind at event {EventId}; it will reconnect and replay")]
        public static partial void SlowScreen(ILogger logger, string kitchen, string station, long eventId);
    }
}
