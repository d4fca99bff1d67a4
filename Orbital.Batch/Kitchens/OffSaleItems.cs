using Npgsql;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Contracts.Menus;
using Orbital.Messaging;
using Orbital.Places;

namespace Orbital.Batch.Kitchens;

/// <summary>A menu item off sale at one of the kitchen's stores ("86"), the station that cooks it, and why.</summary>
public sealed record OffSaleItem(
    string StoreId, string Sku, string? Name, string? BrandName, string? StationId, IReadOnlyList<string> OutOf, string Reason, DateTimeOffset Since);

/// <summary>What one change took off sale and put back at a store, as a screen's stream carries it.</summary>
public sealed record OffSaleChange(string StoreId, IReadOnlyList<OffSaleItem> Suspended, IReadOnlyList<string> Unsuspended);

/// <summary>
/// Consumer of <c>menu_availability</c>: keeps which menu items are off sale at each store (newest change per store wins)
/// and tells the kitchen's screens: the stations that cook the items, and the pass.
/// </summary>
public sealed partial class OffSaleItems(
    NpgsqlDataSource dataSource, BatchSchema schema, PlacesCache places, KitchenEventBus bus, TimeProvider time, ILogger<OffSaleItems> logger) : IMessageHandler
{
    public async Task HandleAsync(IncomingMessage message, CancellationToken cancellationToken)
    {
        var change = Parse(message);
        await schema.WaitUntilReadyAsync(cancellationToken);
        await places.EnsureLoadedAsync(cancellationToken);
        var map = places.Current;
        var (kitchen, brandId) = map.StoreLocation(change.StoreId);
        var decidedAt = change.DecidedAt.ToDateTimeOffset();
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var applied = new NpgsqlCommand(
            """
            INSERT INTO batch.menu_availability_applied AS a (store_id, decided_at, change_id) VALUES ($1, $2, $3)
            ON CONFLICT (store_id) DO UPDATE SET decided_at = EXCLUDED.decided_at, change_id = EXCLUDED.change_id
            WHERE a.decided_at < EXCLUDED.decided_at OR (a.decided_at = EXCLUDED.decided_at AND a.change_id < EXCLUDED.change_id)
            """, connection, transaction))
        {
            applied.Parameters.Add(new NpgsqlParameter { Value = change.StoreId });
            applied.Parameters.Add(new NpgsqlParameter { Value = decidedAt });
            applied.Parameters.Add(new NpgsqlParameter { Value = change.ChangeId });
            if (await applied.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                Log.Older(logger, change.StoreId, change.ChangeId);
                return;
            }
        }

        var brandName = map.Brand(brandId)?.Name ?? brandId;
        string? StationOf(string sku) => map.MenuItem(kitchen.Id, brandId, sku)?.StationId;
        var suspended = change.Suspended.Select(i => new OffSaleItem(change.StoreId, i.Sku, i.Name, brandName, StationOf(i.Sku), [.. i.OutOf], i.Reason, decidedAt)).ToList();
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM batch.off_sale_items WHERE store_id = $1 AND sku = ANY($2)")
            {
                Parameters = { new() { Value = change.StoreId }, new() { Value = change.Unsuspended.Concat(suspended.Select(s => s.Sku)).ToArray() } },
            });
            foreach (var item in suspended)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(
                    "INSERT INTO batch.off_sale_items (store_id, sku, kitchen_id, name, out_of, reason, since) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                {
                    Parameters =
                    {
                        new() { Value = item.StoreId }, new() { Value = item.Sku }, new() { Value = kitchen.Id },
                        new() { Value = (object?)item.Name ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                        new() { Value = item.OutOf.ToArray() }, new() { Value = item.Reason }, new() { Value = item.Since },
                    },
                });
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        // Each station that cooks one of the items hears of its own, the pass of all of them.
        var stations = suspended.Select(s => s.StationId).Concat(change.Unsuspended.Select(StationOf)).OfType<string>().Distinct(StringComparer.Ordinal);
        var changes = stations.Select(station => KitchenChange.Of(kitchen.Id, station, new OffSaleChange(change.StoreId,
                [.. suspended.Where(s => s.StationId == station)], [.. change.Unsuspended.Where(sku => StationOf(sku) == station)])))
            .Append(KitchenChange.Of(kitchen.Id, KitchenEventTypes.ExpoStation, new OffSaleChange(change.StoreId, suspended, [.. change.Unsuspended])))
            .ToList();
        var events = await BatchItemRows.AppendEventsAsync(connection, transaction, changes, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Log.Changed(logger, change.StoreId, suspended.Count, change.Unsuspended.Count, kitchen.Id);
        await bus.PublishAsync(events);
    }

    /// <summary>The items off sale at the kitchen's stores (of one station, or all for the pass), for a screen's first paint.</summary>
    public static async Task<List<OffSaleItem>> OfKitchenAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, KitchenMap map, string kitchenId, string? stationId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT store_id, sku, name, out_of, reason, since FROM batch.off_sale_items WHERE kitchen_id = $1 ORDER BY since, store_id, sku", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = kitchenId });
        var items = new List<OffSaleItem>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var storeId = reader.GetString(0);
            var (_, brandId) = map.StoreLocation(storeId);
            var sku = reader.GetString(1);
            var station = map.MenuItem(kitchenId, brandId, sku)?.StationId;
            if (stationId is null || station == stationId)
            {
                items.Add(new OffSaleItem(storeId, sku, reader.IsDBNull(2) ? null : reader.GetString(2), map.Brand(brandId)?.Name ?? brandId, station,
                    reader.GetFieldValue<string[]>(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
            }
        }

        return items;
    }

    private static MenuAvailabilityChange Parse(IncomingMessage message)
    {
        var change = message.Read<MenuAvailabilityChange>();
        return change.Unusable is { } why ? throw new PoisonMessageException(why) : change;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2511, Level = LogLevel.Debug, Message = "Store {StoreId}: menu change {ChangeId} is older than the one applied; nothing changed")]
        public static partial void Older(ILogger logger, string storeId, string changeId);

        [LoggerMessage(EventId = 2512, Level = LogLevel.Information, Message = "Store {StoreId}: {Suspended} item(s) 86'd, {Unsuspended} back (kitchen {KitchenId})")]
        public static partial void Changed(ILogger logger, string storeId, int suspended, int unsuspended, string kitchenId);
    }
}
