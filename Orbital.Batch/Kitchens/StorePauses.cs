using Npgsql;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Contracts.Stores;
using Orbital.Messaging;
using Orbital.Places;

namespace Orbital.Batch.Kitchens;

/// <summary>A store as the pass shows it when Otter paused it: which brand stopped taking orders, and since when.</summary>
public sealed record StorePause(string StoreId, string? BrandName, bool Paused, DateTimeOffset ChangedAt);

/// <summary>
/// Consumer of <c>store_status</c>: keeps whether each store is paused (the newest change wins) and, when that changed,
/// tells its kitchen's pass on its stream. A store the setup does not place is kept and shown on the unassigned kitchen.
/// </summary>
public sealed partial class StorePauses(
    NpgsqlDataSource dataSource,
    BatchSchema schema,
    PlacesCache places,
    KitchenEventBus bus,
    TimeProvider time,
    ILogger<StorePauses> logger) : IMessageHandler
{
    public async Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        var status = Parse(message);
        await schema.WaitUntilReadyAsync(cancellationToken);
        await places.EnsureLoadedAsync(cancellationToken);
        var map = places.Current;
        var (kitchen, brandId) = map.StoreLocation(status.StoreId);
        var now = time.GetUtcNow();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var upsert = new NpgsqlCommand(
            """
            INSERT INTO batch.store_pauses AS p (store_id, paused, changed_at, event_id, updated_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (store_id) DO UPDATE SET paused = EXCLUDED.paused, changed_at = EXCLUDED.changed_at, event_id = EXCLUDED.event_id, updated_at = EXCLUDED.updated_at
            WHERE p.changed_at < EXCLUDED.changed_at OR (p.changed_at = EXCLUDED.changed_at AND p.event_id < EXCLUDED.event_id)
            """, connection, transaction))
        {
            upsert.Parameters.Add(new NpgsqlParameter { Value = status.StoreId });
            upsert.Parameters.Add(new NpgsqlParameter { Value = status.Paused });
            upsert.Parameters.Add(new NpgsqlParameter { Value = status.ChangedAt.ToDateTimeOffset() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = status.EventId });
            upsert.Parameters.Add(new NpgsqlParameter { Value = now });
            if (await upsert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                Log.Older(logger, status.StoreId, status.EventId);
                return;
            }
        }

        var pause = new StorePause(status.StoreId, map.Brand(brandId)?.Name ?? brandId, status.Paused, status.ChangedAt.ToDateTimeOffset());
        var events = await BatchItemRows.AppendEventsAsync(connection, transaction, [KitchenChange.Of(kitchen.Id, pause)], now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Log.Changed(logger, status.StoreId, status.Paused, kitchen.Id);
        await bus.PublishAsync(events);
    }

    /// <summary>The paused stores of a kitchen, for the pass's first paint.</summary>
    public static async Task<List<StorePause>> PausedAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, KitchenMap map, string kitchenId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT store_id, changed_at FROM batch.store_pauses WHERE paused ORDER BY changed_at", connection, transaction);
        var paused = new List<StorePause>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var storeId = reader.GetString(0);
            var (kitchen, brandId) = map.StoreLocation(storeId);
            if (kitchen.Id == kitchenId)
            {
                paused.Add(new StorePause(storeId, map.Brand(brandId)?.Name ?? brandId, true, reader.GetFieldValue<DateTimeOffset>(1)));
            }
        }

        return paused;
    }

    private static StoreStatus Parse(IncomingMessage message)
    {
        StoreStatus status;
        try
        {
            status = StoreStatus.Parser.ParseFrom(message.Body.Span);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException ex)
        {
            throw new PoisonMessageException($"Not a StoreStatus: {ex.Message}");
        }

        return string.IsNullOrEmpty(status.StoreId) || string.IsNullOrEmpty(status.EventId) || status.ChangedAt is null
            ? throw new PoisonMessageException("A StoreStatus needs an event id, a store id and a time.")
            : status.StoreId.Length > 200 || status.EventId.Length > 200 || status.StoreId.Contains('\0') || status.EventId.Contains('\0')
                ? throw new PoisonMessageException("A StoreStatus's ids are at most 200 characters, without NUL.")
                : status;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2501, Level = LogLevel.Debug, Message = "Store {StoreId}: event {EventId} is older than the status held; nothing changed")]
        public static partial void Older(ILogger logger, string storeId, string eventId);

        [LoggerMessage(EventId = 2502, Level = LogLevel.Information, Message = "Store {StoreId} paused: {Paused} (kitchen {KitchenId})")]
        public static partial void Changed(ILogger logger, string storeId, bool paused, string kitchenId);
    }
}
