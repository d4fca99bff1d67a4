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
        shares.orders, bi.version, bi.created_at, bi.updated_at, bi.started_at, bi.completed_at, shares.cancelled
        """;

    /// <summary>Batch items (as <c>bi</c>) with their orders' shares counted in one index scan per item.</summary>
    public const string ViewSource = """
        batch.batch_items bi CROSS JOIN LATERAL (
            SELECT count(*) FILTER (WHERE l.quantity > 0)::int AS orders, coalesce(sum(l.voided_quantity), 0)::int AS cancelled
            FROM batch.batch_item_lines l WHERE l.batch_item_id = bi.id) shares
        """;

    public static BatchItemView ReadView(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        JsonSerializer.Deserialize(reader.GetString(4), KitchenJson.Default.ListString) ?? [],
        reader.GetInt32(5),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.GetString(7),
        reader.GetBoolean(8),
        reader.IsDBNull(9) ? null : reader.GetString(9),
        reader.GetInt32(10),
        reader.GetInt64(11),
        reader.GetFieldValue<DateTimeOffset>(12),
        reader.GetFieldValue<DateTimeOffset>(13),
        reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14),
        reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15),
        reader.GetInt32(16));

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
    /// Appends events to the log. The ids come from the counter row, which stays locked until the transaction ends,
    /// so events become visible in id order. Call it last, just before commit, to keep that lock short.
    /// </summary>
    public static async Task<List<KitchenEvent>> AppendEventsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<(string Type, BatchItemView Item)> changes,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (changes.Count == 0)
        {
            return [];
        }

        long lastId;
        await using (var counter = new NpgsqlCommand("UPDATE batch.event_counter SET last_id = last_id + $1 RETURNING last_id", connection, transaction))
        {
            counter.Parameters.Add(new NpgsqlParameter { Value = (long)changes.Count });
            lastId = (long)(await counter.ExecuteScalarAsync(cancellationToken))!;
        }

        var events = changes.Select((change, index) => new KitchenEvent(lastId - changes.Count + 1 + index, change.Type, change.Item.StationId, change.Item)).ToList();
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO batch.kitchen_events (id, station_id, type, batch_item_id, payload, created_at)
            SELECT id, station, type, item, payload, $6 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::jsonb[]) AS e(id, station, type, item, payload)
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Id).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.StationId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Type).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = events.Select(e => e.Item.Id).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb,
            Value = events.Select(e => JsonSerializer.Serialize(e, KitchenJson.Default.KitchenEvent)).ToArray(),
        });
        insert.Parameters.Add(new NpgsqlParameter { Value = now });
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return events;
    }

    public static async Task<List<KitchenEvent>> ReadEventsAfterAsync(NpgsqlDataSource dataSource, long afterId, string? stationId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT payload::text FROM batch.kitchen_events WHERE id > $1 AND ($2::text IS NULL OR station_id = $2) ORDER BY id LIMIT $3");
        command.Parameters.Add(new NpgsqlParameter { Value = afterId });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)stationId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        var events = new List<KitchenEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(JsonSerializer.Deserialize(reader.GetString(0), KitchenJson.Default.KitchenEvent)!);
        }

        return events;
    }
}
