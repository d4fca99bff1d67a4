using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Orbital.Batch.Events;

namespace Orbital.Batch.Data;

/// <summary>Reading batch items as views and writing kitchen events, inside the caller's transaction.</summary>
public static class BatchItemRows
{
    /// <summary>Columns of a view; select them <c>FROM {ViewSource}</c>.</summary>
    public const string ViewColumns = """
        bi.id, bi.station_id, bi.sku, bi.name, bi.modifiers::text, bi.quantity, bi.fire_at, bi.status, bi.changed, bi.flag,
        shares.orders, bi.version, bi.created_at, bi.updated_at, bi.started_at, bi.completed_at, shares.cancelled, bi.kitchen_id, bi.business_day,
        bi.note, bi.allergy_note, shares.shown
        """;

    /// <summary>
    /// Batch items (as <c>bi</c>) with their orders' shares, in one index scan per item: how many orders, how many
    /// portions were cancelled while cooking, and the orders the card lists by name, soonest promise first: at most 12
    /// (the rest are counted), those with an allergy or a note chosen first.
    /// </summary>
    public const string ViewSource = """
        batch.batch_items bi CROSS JOIN LATERAL (
            SELECT count(*) FILTER (WHERE s.quantity > 0)::int AS orders, coalesce(sum(s.voided), 0)::int AS cancelled,
                   coalesce(jsonb_agg(jsonb_build_object(
                       'orderId', s.order_id, 'friendlyId', s.friendly_id, 'brand', s.brand, 'channel', s.source, 'readyBy', s.ready_by,
                       'quantity', s.quantity, 'allergy', s.allergy, 'firstName', s.customer_first_name, 'note', s.customer_note)
                       ORDER BY s.ready_by, s.order_id) FILTER (WHERE s.listed), '[]')::text AS shown
            FROM (
                SELECT l.order_id, sum(l.quantity)::int AS quantity, sum(l.voided_quantity)::int AS voided,
                       o.friendly_id, o.brand, o.source, o.ready_by, coalesce(o.allergy, false) AS allergy, o.customer_first_name, o.customer_note,
                       sum(l.quantity) > 0 AND row_number() OVER (
                           ORDER BY sum(l.quantity) > 0 DESC, coalesce(o.allergy, false) DESC, o.customer_note IS NOT NULL DESC, o.ready_by, l.order_id) <= 12 AS listed
                FROM batch.batch_item_lines l LEFT JOIN batch.orders o ON o.order_id = l.order_id
                WHERE l.batch_item_id = bi.id
                GROUP BY l.order_id, o.order_id) s) shares
        """;

    public static BatchItemView ReadView(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(17),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        JsonSerializer.Deserialize(reader.GetString(4), KitchenJson.Default.ListString) ?? [],
        reader.GetInt32(5),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.GetFieldValue<DateOnly>(18),
        reader.GetString(7),
        reader.GetBoolean(8),
        reader.IsDBNull(9) ? null : reader.GetString(9),
        reader.GetInt32(10),
        reader.GetInt64(11),
        reader.GetFieldValue<DateTimeOffset>(12),
        reader.GetFieldValue<DateTimeOffset>(13),
        reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14),
        reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15),
        reader.GetInt32(16),
        reader.IsDBNull(19) ? null : reader.GetString(19),
        reader.IsDBNull(20) ? null : reader.GetString(20),
        JsonSerializer.Deserialize(reader.GetString(21), KitchenJson.Default.ListBatchItemOrder) ?? []);

    public static async Task<List<BatchItemView>> ReadViewsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long[] ids, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {ViewColumns} FROM {ViewSource} WHERE bi.id = ANY($1) ORDER BY bi.id", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        var views = new List<BatchItemView>(ids.Length);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            views.Add(ReadView(reader));
        }

        return views;
    }

    /// <summary>
    /// Appends events to the log, numbered per kitchen. Each kitchen's counter row stays locked until the transaction
    /// ends, so a kitchen's events become visible in id order; rows are taken in kitchen order, so two writers never
    /// deadlock. Call it last, just before commit, to keep those locks short.
    /// </summary>
    public static async Task<List<KitchenEvent>> AppendEventsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<KitchenChange> changes,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return [];
        }

        var byKitchen = changes.GroupBy(c => c.KitchenId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var lastIds = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var counter = new NpgsqlCommand(
            """
            INSERT INTO batch.kitchen_event_counters AS c (kitchen_id, last_id)
            SELECT kitchen_id, taken FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS u(kitchen_id, taken, n) ORDER BY n
            ON CONFLICT (kitchen_id) DO UPDATE SET last_id = c.last_id + EXCLUDED.last_id
            RETURNING kitchen_id, last_id
            """, connection, transaction))
        {
            counter.Parameters.Add(new NpgsqlParameter { Value = byKitchen.Select(g => g.Key).ToArray() });
            counter.Parameters.Add(new NpgsqlParameter { Value = byKitchen.Select(g => (long)g.Count()).ToArray() });
            await using var reader = await counter.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                lastIds[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var events = byKitchen.SelectMany(kitchen => kitchen.Select((change, index) => new KitchenEvent(
            lastIds[kitchen.Key] - kitchen.Count() + 1 + index, change.Type, kitchen.Key, change.StationId, change.Item, change.Order, change.Store, change.Availability, change.Shortages))).ToList();
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO batch.kitchen_events (kitchen_id, id, station_id, type, batch_item_id, payload, created_at)
            SELECT kitchen, id, station, type, item, payload, $6
            FROM unnest($7::text[], $1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::jsonb[]) AS e(kitchen, id, station, type, item, payload)
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Id).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.StationId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Type).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Item?.Id).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        insert.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
            Value = events.Select(e => JsonSerializer.Serialize(e, KitchenJson.Default.KitchenEvent)).ToArray(),
        });
        insert.Parameters.Add(new NpgsqlParameter { Value = now });
        insert.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.KitchenId).ToArray() });
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return events;
    }

    /// <summary>A kitchen's events after <paramref name="afterId"/>, of one station or all, in id order.</summary>
    public static async Task<List<KitchenEvent>> ReadEventsAfterAsync(
        NpgsqlDataSource dataSource, string kitchenId, long afterId, string? stationId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT payload::text FROM batch.kitchen_events WHERE kitchen_id = $4 AND id > $1 AND ($2::text IS NULL OR station_id = $2) ORDER BY id LIMIT $3");
        command.Parameters.Add(new NpgsqlParameter { Value = afterId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)stationId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        command.Parameters.Add(new NpgsqlParameter { Value = kitchenId });
        var events = new List<KitchenEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(JsonSerializer.Deserialize(reader.GetString(0), KitchenJson.Default.KitchenEvent)!);
        }

        return events;
    }

    /// <summary>Every kitchen's last event id.</summary>
    public static async Task<Dictionary<string, long>> LastEventIdsAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT kitchen_id, last_id FROM batch.kitchen_event_counters");
        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            last[reader.GetString(0)] = reader.GetInt64(1);
        }

        return last;
    }
}
