using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Contracts.Otter;
using Orbital.Orders.Otter;
using Orbital.Orders.Webhooks;
using Orbital.Scheduling;

namespace Orbital.Orders.Recovery;

/// <summary>
/// The safety net under the webhooks: reads Otter's order feed for every known store and sends each order Orbital has
/// not stored through the same pipeline as a webhook (an <c>orders.new_order</c> event on <c>otter_events</c>).
/// The event id is derived from the store and order, so two runs that both find an order missing inject it once.
/// </summary>
public sealed partial class MissedOrderRecoveryJob(
    IOtterOrderFeed feed,
    NpgsqlDataSource dataSource,
    OtterEventIntake intake,
    IOptions<MissedOrderRecoveryOptions> options,
    TimeProvider time,
    MissedOrderRecoveryMetrics metrics,
    ILogger<MissedOrderRecoveryJob> logger) : IScheduledJob
{
    public const string JobId = "missed-order-recovery";
    public const string DefaultSchedule = "*/5 * * * *";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!feed.IsConfigured)
        {
            Log.NotConfigured(logger);
            return;
        }

        var settings = options.Value;
        var now = time.GetUtcNow();
        var from = now - settings.Lookback;
        var to = now - settings.SettleDelay;
        var stores = await StoresAsync(settings, now, cancellationToken);
        var totalSeen = 0;
        var totalInjected = 0;
        foreach (var storeId in stores)
        {
            var (seen, injected) = await RecoverStoreAsync(storeId, from, to, cancellationToken);
            totalSeen += seen;
            totalInjected += injected;
        }

        Log.Completed(logger, stores.Count, totalSeen, totalInjected, from, to);
    }

    private async Task<(int Seen, int Injected)> RecoverStoreAsync(
        string storeId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var orders = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        await foreach (var order in feed.ReadOrdersAsync(storeId, from, to, cancellationToken))
        {
            if (order.TryGetProperty("externalIdentifiers", out var ids) && ids.ValueKind == JsonValueKind.Object
                && ids.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 } orderId)
            {
                orders[orderId] = order;
            }
            else
            {
                Log.OrderWithoutId(logger, storeId);
            }
        }

        metrics.OrdersSeen.Add(orders.Count);
        if (orders.Count == 0)
        {
            return (0, 0);
        }

        var stored = await StoredOrderIdsAsync(orders.Keys.ToArray(), cancellationToken);
        var injected = 0;
        foreach (var (orderId, order) in orders.Where(o => !stored.Contains(o.Key)))
        {
            var envelope = NewOrderEvent(storeId, orderId, order, RecoveredEventTime(order, from, to), time.GetUtcNow());
            if (await intake.AcceptAsync(envelope, cancellationToken) == IntakeResult.Unavailable)
            {
                // Hangfire retries the run; orders already injected are stored or in flight by then and are not sent twice.
                throw new InvalidOperationException($"Recovered order {orderId} could not be made durable: broker and database both unreachable.");
            }

            injected++;
            metrics.OrdersInjected.Add(1);
            Log.Injected(logger, orderId, storeId, envelope.EventId);
        }

        return (orders.Count, injected);
    }

    /// <summary>Orders stored with their lines. A row made only by early status events still counts as missing.</summary>
    private async Task<HashSet<string>> StoredOrderIdsAsync(string[] orderIds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id FROM otter.orders WHERE id = ANY($1) AND has_lines");
        command.Parameters.Add(new NpgsqlParameter { Value = orderIds });
        var stored = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stored.Add(reader.GetString(0));
        }

        return stored;
    }

    private async Task<List<string>> StoresAsync(MissedOrderRecoveryOptions settings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stores = new SortedSet<string>(settings.StoreIds.Where(s => !string.IsNullOrWhiteSpace(s)), StringComparer.Ordinal);
        await using var command = dataSource.CreateCommand("SELECT DISTINCT store_id FROM otter.orders WHERE created_at >= $1");
        command.Parameters.Add(new NpgsqlParameter { Value = now - settings.KnownStoreWindow });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            stores.Add(reader.GetString(0));
        }

        // Store ids come from webhooks; one that cannot be sent in X-Store-Id names no store of Otter's, and must not
        // fail the run for every other store.
        var unusable = stores.Where(s => !IsStoreId(s)).ToList();
        if (unusable.Count > 0)
        {
            Log.UnusableStoreIds(logger, unusable.Count);
            stores.ExceptWith(unusable);
        }

        return [.. stores];
    }

    private static bool IsStoreId(string storeId) =>
        storeId.Length is > 0 and <= 200 && storeId.All(c => c is > ' ' and < '\u007f');

    /// <summary>
    /// The time a recovered order's event carries: Otter's order time (no later than the end of the window the feed was
    /// read for), else the start of that window. Never the time the feed was read: a cancellation or update that arrives
    /// between "not stored" and the injection is newer than the order itself and must win.
    /// </summary>
    public static DateTimeOffset RecoveredEventTime(JsonElement order, DateTimeOffset windowStart, DateTimeOffset windowEnd) =>
        order.TryGetProperty("orderedAt", out var orderedAt) && OtterTime.Parse(orderedAt) is { } placed
            ? (placed < windowEnd ? placed.ToUniversalTime() : windowEnd)
            : windowStart;

    /// <summary>The webhook Otter would have sent: same envelope, the feed's order as payload.</summary>
    public static OtterEventEnvelope NewOrderEvent(string storeId, string orderId, JsonElement order, DateTimeOffset eventTime, DateTimeOffset readAt)
    {
        var eventId = RecoveryEventId(storeId, orderId);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("eventId", eventId);
            writer.WriteString("eventTime", eventTime.UtcDateTime);
            writer.WriteString("eventType", OtterEventTypes.NewOrder);
            writer.WriteStartObject("metadata");
            writer.WriteString("storeId", storeId);
            writer.WriteString("resourceId", orderId);
            writer.WriteString("source", "orbital.missed-order-recovery");
            writer.WritePropertyName("payload");
            order.WriteTo(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return new OtterEventEnvelope
        {
            EventId = eventId,
            EventType = OtterEventTypes.NewOrder,
            StoreId = storeId,
            ReceivedAt = Timestamp.FromDateTimeOffset(readAt),
            Body = ByteString.CopyFrom(buffer.GetBuffer(), 0, (int)buffer.Length),
        };
    }

    /// <summary>A stable UUID-shaped id per store and order.</summary>
    public static string RecoveryEventId(string storeId, string orderId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"orbital-missed-order\n{storeId}\n{orderId}"));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1611, Level = LogLevel.Information, Message = "Missed-order recovery skipped: Otter:Api (BaseUrl, ClientId, ClientSecret) is not configured")]
        public static partial void NotConfigured(ILogger logger);

        [LoggerMessage(EventId = 1612, Level = LogLevel.Warning, Message = "Recovered order {OrderId} of store {StoreId} that no webhook delivered (event {EventId})")]
        public static partial void Injected(ILogger logger, string orderId, string storeId, string eventId);

        [LoggerMessage(EventId = 1613, Level = LogLevel.Warning, Message = "Otter's order feed for store {StoreId} has an order without externalIdentifiers.id; skipped")]
        public static partial void OrderWithoutId(ILogger logger, string storeId);

        [LoggerMessage(EventId = 1615, Level = LogLevel.Warning, Message = "Missed-order recovery skipped {Count} store ids that cannot be sent to Otter (not printable ASCII, or longer than 200)")]
        public static partial void UnusableStoreIds(ILogger logger, int count);

        [LoggerMessage(EventId = 1614, Level = LogLevel.Information, Message = "Missed-order recovery checked {StoreCount} stores, {OrderCount} orders between {From} and {To}: {Injected} recovered")]
        public static partial void Completed(ILogger logger, int storeCount, int orderCount, int injected, DateTimeOffset from, DateTimeOffset to);
    }
}

public sealed class MissedOrderRecoveryMetrics
{
    public MissedOrderRecoveryMetrics(IMeterFactory meters)
    {
        var meter = meters.Create("Orbital.Orders");
        OrdersSeen = meter.CreateCounter<long>("orbital.orders.recovery.orders_seen", description: "Orders read from Otter's feed by missed-order recovery");
        OrdersInjected = meter.CreateCounter<long>("orbital.orders.recovery.orders_recovered", description: "Orders no webhook delivered, injected by missed-order recovery");
    }

    public Counter<long> OrdersSeen { get; }

    public Counter<long> OrdersInjected { get; }
}
