using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Batch.ReferenceData;
using Orbital.Contracts.Orders;

namespace Orbital.Batch.Batching;

public enum OrderApplyResult
{
    Applied,
    /// <summary>The batch already holds this version of the order or a newer one.</summary>
    Stale,
}

/// <summary>
/// Applies versions of structured orders to the batch items in one transaction: each order's last applied version
/// is locked and checked (a stale or repeated message changes nothing), the batch keys they touch are locked so that
/// two instances never fill the same batch item past its size, the rule runs in memory, and the changed batch items,
/// their lines and their kitchen events are written.
/// </summary>
public sealed class OrderBatcher(
    NpgsqlDataSource dataSource,
    ReferenceDataCache reference,
    IOptions<BatchingOptions> options,
    TimeProvider time)
{
    /// <summary>
    /// Applies the orders in turn in one transaction (a later one sees what an earlier one wrote). The batch keys of all
    /// of them are locked first, in one order, so that two instances handling overlapping batches never deadlock.
    /// </summary>
    public async Task<List<(StructuredOrder Order, OrderApplyResult Result, List<KitchenEvent> Events)>> ApplyAsync(
        IReadOnlyList<StructuredOrder> orders, CancellationToken cancellationToken)
    {
        await reference.EnsureLoadedAsync(cancellationToken);
        var settings = options.Value;
        var now = time.GetUtcNow();
        var wanted = orders.Select(order =>
        {
            var canceled = order.Status is OrderStatus.Canceled or OrderStatus.Rejected || order.EventKind == OrderEventKind.Canceled;
            return canceled ? [] : KitchenLines.From(order, reference.Current, settings);
        }).ToList();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var heldKeys = await HeldKeysAsync(connection, transaction, [.. orders.Select(o => o.OrderId).Distinct()], cancellationToken);
        await LockKeysAsync(connection, transaction, [.. wanted.SelectMany(lines => lines.Select(l => l.Key)).Concat(heldKeys).Distinct()], cancellationToken);

        var results = new List<(StructuredOrder, OrderApplyResult, List<KitchenEvent>)>(orders.Count);
        for (var i = 0; i < orders.Count; i++)
        {
            var (result, events) = await ApplyOneAsync(connection, transaction, orders[i], wanted[i], now, cancellationToken);
            results.Add((orders[i], result, events));
        }

        await transaction.CommitAsync(cancellationToken);
        return results;
    }

    /// <summary>One version of one order: its last applied version is checked (a stale or repeated one changes nothing), the rule runs in memory, and the changed batch items, their lines and their kitchen events are written.</summary>
    private async Task<(OrderApplyResult Result, List<KitchenEvent> Events)> ApplyOneAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, StructuredOrder order, List<KitchenLine> wanted, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!await ClaimVersionAsync(connection, transaction, order, now, cancellationToken))
        {
            return (OrderApplyResult.Stale, []);
        }

        var drafts = await LoadDraftsAsync(connection, transaction, order.OrderId, wanted, settings.Window, cancellationToken);
        long temporaryId = 0;
        BatchingRule.ApplyOrder(drafts, order.OrderId, OrderLabel(order), wanted, settings.Window, () => temporaryId--);

        var dirty = drafts.Where(d => d.Dirty).ToList();
        var changes = new List<(string Type, long Id)>();
        foreach (var draft in dirty)
        {
            if (draft.IsNew)
            {
                draft.Id = await InsertAsync(connection, transaction, draft, now, cancellationToken);
                changes.Add((KitchenEventTypes.Created, draft.Id));
            }
            else
            {
                await UpdateAsync(connection, transaction, draft, now, cancellationToken);
                changes.Add((draft.Status == BatchItemStatus.Voided ? KitchenEventTypes.Voided : KitchenEventTypes.Changed, draft.Id));
            }
        }

        await SaveAllocationsAsync(connection, transaction, order.OrderId, dirty, cancellationToken);

        var views = (await BatchItemRows.ReadViewsAsync(connection, transaction, [.. changes.Select(c => c.Id)], cancellationToken)).ToDictionary(v => v.Id);
        var events = await BatchItemRows.AppendEventsAsync(connection, transaction, [.. changes.Select(c => (c.Type, views[c.Id]))], now, cancellationToken);
        return (OrderApplyResult.Applied, events);
    }

    private static string OrderLabel(StructuredOrder order) =>
        $"Order {(string.IsNullOrEmpty(order.FriendlyId) ? order.OrderId : order.FriendlyId)}";

    private static async Task<bool> ClaimVersionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, StructuredOrder order, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO batch.orders (order_id, store_id, friendly_id, version, status, ready_by, updated_at) VALUES ($1, $2, $3, 0, $4, $5, $6)
            ON CONFLICT (order_id) DO NOTHING
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = order.OrderId });
        insert.Parameters.Add(new NpgsqlParameter { Value = order.StoreId });
        insert.Parameters.Add(new NpgsqlParameter { Value = order.FriendlyId });
        insert.Parameters.Add(new NpgsqlParameter { Value = order.Status.ToString() });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)order.ReadyBy?.ToDateTimeOffset() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new NpgsqlParameter { Value = now });
        await insert.ExecuteNonQueryAsync(cancellationToken);

        await using var claim = new NpgsqlCommand(
            """
            UPDATE batch.orders SET version = $2, status = $3, ready_by = $4, friendly_id = $5, updated_at = $6
            WHERE order_id = $1 AND version < $2
            """, connection, transaction);
        claim.Parameters.Add(new NpgsqlParameter { Value = order.OrderId });
        claim.Parameters.Add(new NpgsqlParameter { Value = order.Version });
        claim.Parameters.Add(new NpgsqlParameter { Value = order.Status.ToString() });
        claim.Parameters.Add(new NpgsqlParameter { Value = (object?)order.ReadyBy?.ToDateTimeOffset() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        claim.Parameters.Add(new NpgsqlParameter { Value = order.FriendlyId });
        claim.Parameters.Add(new NpgsqlParameter { Value = now });
        return await claim.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The batch keys of the items that already hold lines of these orders: an update may take lines out of them.</summary>
    private static async Task<List<BatchKey>> HeldKeysAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] orderIds, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT DISTINCT bi.station_id, bi.sku, bi.modifier_signature FROM batch.batch_item_lines l
            JOIN batch.batch_items bi ON bi.id = l.batch_item_id WHERE l.order_id = ANY($1)
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = orderIds });
        var keys = new List<BatchKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new BatchKey(reader.GetString(0), reader.GetString(1), reader.GetString(2)));
        }

        return keys;
    }

    /// <summary>Transaction-scoped advisory locks per batch key, taken in one order everywhere so they never deadlock.</summary>
    private static async Task LockKeysAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<BatchKey> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0)
        {
            return;
        }

        var hashes = keys.Select(k => BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes(k.ToString())), 0)).Distinct().Order().ToArray();
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) WITH ORDINALITY AS t(k, n) ORDER BY n", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = hashes });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The batch items holding this order's lines, and the pending ones its lines could join; locked for update.</summary>
    private static async Task<List<BatchItemDraft>> LoadDraftsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string orderId, List<KitchenLine> wanted, TimeSpan window, CancellationToken cancellationToken)
    {
        var from = wanted.Count == 0 ? DateTimeOffset.MaxValue : wanted.Min(l => l.FireAt) - window;
        var to = wanted.Count == 0 ? DateTimeOffset.MinValue : wanted.Max(l => l.FireAt) + window;
        await using var command = new NpgsqlCommand(
            """
            SELECT bi.id, bi.station_id, bi.sku, bi.modifier_signature, bi.name, bi.modifiers::text, bi.batchable, bi.max_batch_size,
                   bi.quantity, bi.fire_at, bi.latest_fire_at, bi.status, bi.flag, bi.version
            FROM batch.batch_items bi
            WHERE bi.id IN (SELECT batch_item_id FROM batch.batch_item_lines WHERE order_id = $1)
               OR bi.id IN (
                   SELECT c.id FROM batch.batch_items c
                   WHERE c.status = 'pending' AND c.batchable AND c.quantity < c.max_batch_size AND c.fire_at BETWEEN $5 AND $6
                     AND (c.station_id, c.sku, c.modifier_signature) IN (SELECT * FROM unnest($2::text[], $3::text[], $4::text[]))
                   ORDER BY c.fire_at LIMIT 200)
            ORDER BY bi.id
            FOR UPDATE
            """, connection, transaction);
        var keys = wanted.Select(l => l.Key).Distinct().ToList();
        command.Parameters.Add(new NpgsqlParameter { Value = orderId });
        command.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.StationId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.Sku).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.ModifierSignature).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = from == DateTimeOffset.MaxValue ? DateTimeOffset.UnixEpoch : from });
        command.Parameters.Add(new NpgsqlParameter { Value = to == DateTimeOffset.MinValue ? DateTimeOffset.UnixEpoch : to });
        var drafts = new List<BatchItemDraft>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                drafts.Add(new BatchItemDraft
                {
                    Id = reader.GetInt64(0),
                    Key = new BatchKey(reader.GetString(1), reader.GetString(2), reader.GetString(3)),
                    Name = reader.GetString(4),
                    Modifiers = JsonSerializer.Deserialize(reader.GetString(5), KitchenJson.Default.ListString) ?? [],
                    Batchable = reader.GetBoolean(6),
                    MaxBatchSize = reader.GetInt32(7),
                    Quantity = reader.GetInt32(8),
                    FireAt = reader.GetFieldValue<DateTimeOffset>(9),
                    LatestFireAt = reader.GetFieldValue<DateTimeOffset>(10),
                    Status = BatchItemStatuses.Parse(reader.GetString(11)),
                    Flag = reader.IsDBNull(12) ? null : reader.GetString(12),
                    Version = reader.GetInt64(13),
                });
            }
        }

        if (drafts.Count == 0)
        {
            return drafts;
        }

        var byId = drafts.ToDictionary(d => d.Id);
        // Only this order's share of each batch item matters to the rule (the item's quantity carries the rest), and only
        // this order's shares are written back: a busy station's items hold thousands of other lines.
        await using var lines = new NpgsqlCommand(
            "SELECT batch_item_id, order_id, line_id, quantity, voided_quantity FROM batch.batch_item_lines WHERE order_id = $2 AND batch_item_id = ANY($1)", connection, transaction);
        lines.Parameters.Add(new NpgsqlParameter { Value = byId.Keys.ToArray() });
        lines.Parameters.Add(new NpgsqlParameter { Value = orderId });
        await using (var reader = await lines.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                byId[reader.GetInt64(0)].Allocations.Add(new LineAllocation(reader.GetString(1), reader.GetString(2), reader.GetInt32(3)) { VoidedQuantity = reader.GetInt32(4) });
            }
        }

        return drafts;
    }

    private static async Task<long> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchItemDraft draft, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO batch.batch_items (station_id, sku, name, modifier_signature, modifiers, quantity, fire_at, latest_fire_at, status,
                                           batchable, max_batch_size, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, 'pending', $9, $10, $11, $11) RETURNING id
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = draft.Key.StationId });
        command.Parameters.Add(new NpgsqlParameter { Value = draft.Key.Sku });
        command.Parameters.Add(new NpgsqlParameter { Value = draft.Name });
        command.Parameters.Add(new NpgsqlParameter { Value = draft.Key.ModifierSignature });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(draft.Modifiers.ToList(), KitchenJson.Default.ListString) });
        command.Parameters.Add(new NpgsqlParameter { Value = draft.Quantity });
        command.Parameters.Add(new NpgsqlParameter { Value = draft.FireAt });
        command.Parameters.Add(new NpgsqlParameter { Value = draft.LatestFireAt });
        command.Parameters.Add(new NpgsqlParameter { Value = draft.Batchable });
        command.Parameters.Add(new NpgsqlParameter { Value = draft.MaxBatchSize });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task UpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, BatchItemDraft draft, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            UPDATE batch.batch_items SET quantity = $2, fire_at = $3, latest_fire_at = $4, status = $5, flag = $6,
                   changed = changed OR $7, updated_at = $8, version = version + 1
            WHERE id = $1
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = draft.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = draft.Quantity });
        command.Parameters.Add(new NpgsqlParameter { Value = draft.FireAt });
        command.Parameters.Add(new NpgsqlParameter { Value = draft.LatestFireAt });
        command.Parameters.Add(new NpgsqlParameter { Value = draft.Status.ToDatabase() });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)draft.Flag ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = draft.QuantityChanged || draft.Flag is not null });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task SaveAllocationsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string orderId, List<BatchItemDraft> dirty, CancellationToken cancellationToken)
    {
        var allocations = dirty.SelectMany(d => d.Allocations.Where(a => a.OrderId == orderId).Select(a => (Item: d.Id, Allocation: a))).ToList();
        if (allocations.Count > 0)
        {
            await using var upsert = new NpgsqlCommand(
                """
                INSERT INTO batch.batch_item_lines (batch_item_id, order_id, line_id, quantity, voided_quantity)
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::int[])
                ON CONFLICT (order_id, line_id, batch_item_id) DO UPDATE SET quantity = EXCLUDED.quantity, voided_quantity = EXCLUDED.voided_quantity
                """, connection, transaction);
            upsert.Parameters.Add(new NpgsqlParameter { Value = allocations.Select(a => a.Item).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = allocations.Select(a => a.Allocation.OrderId).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = allocations.Select(a => a.Allocation.LineId).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = allocations.Select(a => a.Allocation.Quantity).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = allocations.Select(a => a.Allocation.VoidedQuantity).ToArray() });
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var prune = new NpgsqlCommand(
            "DELETE FROM batch.batch_item_lines WHERE order_id = $1 AND quantity = 0 AND voided_quantity = 0", connection, transaction);
        prune.Parameters.Add(new NpgsqlParameter { Value = orderId });
        await prune.ExecuteNonQueryAsync(cancellationToken);
    }
}
