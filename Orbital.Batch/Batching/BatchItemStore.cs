using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Orbital.Batch.Data;
using Orbital.Batch.Events;
using Orbital.Contracts.Orders;

namespace Orbital.Batch.Batching;

/// <summary>
/// The batcher's reads and writes of batch items, each one round trip for a whole batch of orders: the batch keys it
/// locks, the pending items lines may join, and the changed items and lines it writes (the versions it claims:
/// <see cref="OrderVersions"/>).
/// </summary>
internal static class BatchItemStore
{
    /// <summary>Candidates a line may join are looked for among this many pending items per batch key, soonest first.</summary>
    private const int CandidatesPerKey = 200;

    /// <summary>The batch keys of the items that already hold lines of these orders: an update may take lines out of them.</summary>
    public static async Task<List<BatchKey>> HeldKeysAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] orderIds, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction) { BatchCommands = { HeldKeysCommand(orderIds) } };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadHeldKeysAsync(reader, cancellationToken);
    }

    /// <summary>The batch keys these orders' lines are held under: a command to run with others in one round trip.</summary>
    public static NpgsqlBatchCommand HeldKeysCommand(string[] orderIds) => new(
        """
        SELECT DISTINCT bi.kitchen_id, bi.station_id, bi.sku, bi.modifier_signature FROM batch.batch_item_lines l
        JOIN batch.batch_items bi ON bi.id = l.batch_item_id WHERE l.order_id = ANY($1)
        """)
    {
        Parameters = { new NpgsqlParameter { Value = orderIds } },
    };

    public static async Task<List<BatchKey>> ReadHeldKeysAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var keys = new List<BatchKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new BatchKey(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3)));
        }

        return keys;
    }

    /// <summary>Transaction-scoped advisory locks per batch key, taken in one order everywhere so they never deadlock.</summary>
    public static async Task LockKeysAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, List<BatchKey> keys, CancellationToken cancellationToken)
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

    /// <summary>
    /// The batch items holding these orders' lines, and the pending ones their lines could join, locked for update; with
    /// these orders' shares of them (only those matter to the rule, the item's quantity carries the rest, and a busy
    /// station's items hold thousands of other lines). One round trip.
    /// </summary>
    public static async Task<List<BatchItemDraft>> LoadDraftsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<OrderWork> applying, TimeSpan window, CancellationToken cancellationToken)
    {
        var orderIds = applying.Select(w => w.Order.OrderId).ToArray();
        var lines = applying.SelectMany(w => w.Wanted).ToList();
        var keys = lines.Select(l => l.Key).Distinct().ToList();
        var from = lines.Count == 0 ? DateTimeOffset.UnixEpoch : lines.Min(l => l.FireAt) - window;
        var to = lines.Count == 0 ? DateTimeOffset.UnixEpoch : lines.Max(l => l.FireAt) + window;

        await using var batch = new NpgsqlBatch(connection, transaction);
        var items = new NpgsqlBatchCommand(
            $"""
            SELECT bi.id, bi.kitchen_id, bi.station_id, bi.sku, bi.modifier_signature, bi.name, bi.modifiers::text, bi.batchable, bi.max_batch_size,
                   bi.quantity, bi.fire_at, bi.latest_fire_at, bi.status, bi.flag, bi.version, bi.business_day
            FROM batch.batch_items bi
            WHERE bi.id IN (
                SELECT batch_item_id FROM batch.batch_item_lines WHERE order_id = ANY($1)
                UNION
                SELECT candidate.id FROM unnest($7::text[], $2::text[], $3::text[], $4::text[]) AS k(kitchen_id, station_id, sku, modifier_signature)
                CROSS JOIN LATERAL (
                    SELECT c.id FROM batch.batch_items c
                    WHERE c.kitchen_id = k.kitchen_id AND c.station_id = k.station_id AND c.sku = k.sku AND c.modifier_signature = k.modifier_signature
                      AND c.status = 'pending' AND c.batchable AND c.quantity < c.max_batch_size AND c.fire_at BETWEEN $5 AND $6
                    ORDER BY c.fire_at LIMIT {CandidatesPerKey}) candidate)
            ORDER BY bi.id
            FOR UPDATE
            """);
        items.Parameters.Add(new NpgsqlParameter { Value = orderIds });
        items.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.StationId).ToArray() });
        items.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.Sku).ToArray() });
        items.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.ModifierSignature).ToArray() });
        items.Parameters.Add(new NpgsqlParameter { Value = from });
        items.Parameters.Add(new NpgsqlParameter { Value = to });
        items.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.KitchenId).ToArray() });
        batch.BatchCommands.Add(items);

        var shares = new NpgsqlBatchCommand("SELECT batch_item_id, order_id, line_id, quantity, voided_quantity FROM batch.batch_item_lines WHERE order_id = ANY($1)");
        shares.Parameters.Add(new NpgsqlParameter { Value = orderIds });
        batch.BatchCommands.Add(shares);

        var drafts = new Dictionary<long, BatchItemDraft>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var draft = new BatchItemDraft
            {
                Id = reader.GetInt64(0),
                Key = new BatchKey(reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4)),
                Name = reader.GetString(5),
                Modifiers = JsonSerializer.Deserialize(reader.GetString(6), KitchenJson.Default.ListString) ?? [],
                Batchable = reader.GetBoolean(7),
                MaxBatchSize = reader.GetInt32(8),
                Quantity = reader.GetInt32(9),
                FireAt = reader.GetFieldValue<DateTimeOffset>(10),
                LatestFireAt = reader.GetFieldValue<DateTimeOffset>(11),
                Status = BatchItemStatuses.Parse(reader.GetString(12)),
                Flag = reader.IsDBNull(13) ? null : reader.GetString(13),
                Version = reader.GetInt64(14),
                BusinessDay = reader.GetFieldValue<DateOnly>(15),
            };
            drafts[draft.Id] = draft;
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // Every item holding a line of these orders was loaded above.
            drafts[reader.GetInt64(0)].Allocations.Add(new LineAllocation(reader.GetString(1), reader.GetString(2), reader.GetInt32(3)) { VoidedQuantity = reader.GetInt32(4) });
        }

        return [.. drafts.Values];
    }

    internal static NpgsqlParameter TextArray(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    /// <summary>Ids for new batch items from the table's identity, so that their lines can be written in the same round trip as they are.</summary>
    public static async Task<long[]> NextItemIdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, int count, CancellationToken cancellationToken)
    {
        if (count == 0)
        {
            return [];
        }

        await using var command = new NpgsqlCommand("SELECT nextval(pg_get_serial_sequence('batch.batch_items', 'id')) FROM generate_series(1, $1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = count });
        var ids = new List<long>(count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetInt64(0));
        }

        return [.. ids];
    }

    /// <summary>New and changed batch items, these orders' shares of them, and the shares they no longer have removed: one round trip.</summary>
    public static async Task WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<BatchItemDraft> inserted, List<BatchItemDraft> updated, string[] orderIds,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (inserted.Count > 0)
        {
            var insert = new NpgsqlBatchCommand(
                """
                INSERT INTO batch.batch_items (id, kitchen_id, station_id, sku, name, modifier_signature, modifiers, quantity, fire_at, latest_fire_at, status,
                                               batchable, max_batch_size, created_at, updated_at, business_day, note, allergy_note, prep_seconds)
                OVERRIDING SYSTEM VALUE
                SELECT id, kitchen_id, station_id, sku, name, modifier_signature, modifiers, quantity, fire_at, latest_fire_at, 'pending', batchable, max_batch_size,
                       $11, $11, business_day, note, allergy_note, prep_seconds
                FROM unnest($1::bigint[], $13::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::int[], $8::timestamptz[], $9::timestamptz[],
                            $10::bool[], $12::int[], $14::date[], $15::text[], $16::text[], $17::int[])
                    AS u(id, kitchen_id, station_id, sku, name, modifier_signature, modifiers, quantity, fire_at, latest_fire_at, batchable, max_batch_size, business_day,
                         note, allergy_note, prep_seconds)
                """);
            insert.Parameters.Add(new NpgsqlParameter { Value = inserted.Select(d => d.Id).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = inserted.Select(d => d.Key.StationId).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = inserted.Select(d => d.Key.Sku).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = inserted.Select(d => d.Name).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = inserted.Select(d => d.Key.ModifierSignature).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter
            {
                Value = inserted.Select(d => JsonSerializer.Serialize(d.Modifiers.ToList(), KitchenJson.Default.ListString)).ToArray(),
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
            });
            insert.Parameters.Add(new NpgsqlParameter { Value = inserted.Select(d => d.Quantity).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = inserted.Select(d => d.FireAt).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = inserted.Select(d => d.LatestFireAt).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = inserted.Select(d => d.Batchable).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = now });
            insert.Parameters.Add(new NpgsqlParameter { Value = inserted.Select(d => d.MaxBatchSize).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = inserted.Select(d => d.Key.KitchenId).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter { Value = inserted.Select(d => d.BusinessDay).ToArray() });
            insert.Parameters.Add(TextArray(inserted.Select(d => d.Note)));
            insert.Parameters.Add(TextArray(inserted.Select(d => d.AllergyNote)));
            insert.Parameters.Add(new NpgsqlParameter { Value = inserted.Select(d => d.PrepSeconds).ToArray() });
            batch.BatchCommands.Add(insert);
        }

        if (updated.Count > 0)
        {
            var update = new NpgsqlBatchCommand(
                """
                UPDATE batch.batch_items bi SET quantity = u.quantity, fire_at = u.fire_at, latest_fire_at = u.latest_fire_at, status = u.status,
                       flag = u.flag, changed = bi.changed OR u.changed, updated_at = $8, version = bi.version + 1
                FROM unnest($1::bigint[], $2::int[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[], $7::bool[])
                     AS u(id, quantity, fire_at, latest_fire_at, status, flag, changed)
                WHERE bi.id = u.id
                """);
            update.Parameters.Add(new NpgsqlParameter { Value = updated.Select(d => d.Id).ToArray() });
            update.Parameters.Add(new NpgsqlParameter { Value = updated.Select(d => d.Quantity).ToArray() });
            update.Parameters.Add(new NpgsqlParameter { Value = updated.Select(d => d.FireAt).ToArray() });
            update.Parameters.Add(new NpgsqlParameter { Value = updated.Select(d => d.LatestFireAt).ToArray() });
            update.Parameters.Add(new NpgsqlParameter { Value = updated.Select(d => d.Status.ToDatabase()).ToArray() });
            update.Parameters.Add(new NpgsqlParameter { Value = updated.Select(d => d.Flag).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
            update.Parameters.Add(new NpgsqlParameter { Value = updated.Select(d => d.QuantityChanged || d.Flag is not null).ToArray() });
            update.Parameters.Add(new NpgsqlParameter { Value = now });
            batch.BatchCommands.Add(update);
        }

        var owned = new HashSet<string>(orderIds, StringComparer.Ordinal);
        var allocations = inserted.Concat(updated)
            .SelectMany(d => d.Allocations.Where(a => owned.Contains(a.OrderId)).Select(a => (Item: d.Id, Allocation: a)))
            .ToList();
        if (allocations.Count > 0)
        {
            var upsert = new NpgsqlBatchCommand(
                """
                INSERT INTO batch.batch_item_lines (batch_item_id, order_id, line_id, quantity, voided_quantity)
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::int[])
                ON CONFLICT (order_id, line_id, batch_item_id) DO UPDATE SET quantity = EXCLUDED.quantity, voided_quantity = EXCLUDED.voided_quantity
                """);
            upsert.Parameters.Add(new NpgsqlParameter { Value = allocations.Select(a => a.Item).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = allocations.Select(a => a.Allocation.OrderId).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = allocations.Select(a => a.Allocation.LineId).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = allocations.Select(a => a.Allocation.Quantity).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter { Value = allocations.Select(a => a.Allocation.VoidedQuantity).ToArray() });
            batch.BatchCommands.Add(upsert);
        }

        var prune = new NpgsqlBatchCommand("DELETE FROM batch.batch_item_lines WHERE order_id = ANY($1) AND quantity = 0 AND voided_quantity = 0");
        prune.Parameters.Add(new NpgsqlParameter { Value = orderIds });
        batch.BatchCommands.Add(prune);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

}
