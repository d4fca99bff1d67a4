using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Orbital.Batch.Events;

namespace Orbital.Batch.Expo;

/// <summary>The pass's reads and writes of <c>batch.orders</c>, inside the caller's transaction.</summary>
public static class PassRows
{
    /// <summary>Columns of a view; select them <c>FROM batch.orders o</c> and read them with <see cref="Read"/>.</summary>
    public const string ViewColumns = """
        o.order_id, o.kitchen_id, o.friendly_id, o.brand, o.source, o.customer_first_name, o.customer_note, o.allergy, o.ready_by, o.status,
        o.ready_to_pack_at, o.ready_at, o.ready_marked_by, o.handed_off_at, o.expo_version,
        o.courier_status, o.courier_first_name, o.courier_provider, o.courier_eta,
        coalesce((
            SELECT jsonb_agg(jsonb_build_object(
                'lineId', l.line_id, 'itemId', bi.id, 'stationId', bi.station_id, 'name', bi.name, 'modifiers', bi.modifiers,
                'note', bi.note, 'allergyNote', bi.allergy_note, 'quantity', l.quantity,
                'state', CASE bi.status WHEN 'pending' THEN 'waiting' WHEN 'in_progress' THEN 'cooking' ELSE bi.status END)
                ORDER BY bi.station_id, l.line_id, bi.id)
            FROM batch.batch_item_lines l JOIN batch.batch_items bi ON bi.id = l.batch_item_id
            WHERE l.order_id = o.order_id AND l.quantity > 0 AND bi.status <> 'voided'), '[]')::text
        """;

    /// <summary>
    /// Works out again whether each order is ready to pack (every line it still wants is in a bumped batch item), after its
    /// lines or their batch items changed, and counts the change in its version. In <paramref name="readyWhenCooked"/>
    /// (kitchens without an expo) an order is ready the moment it is ready to pack, and not ready again if a line is recalled.
    /// An order Otter says is ready (made ready elsewhere) stays ready whatever its lines do.
    /// </summary>
    public static async Task RefreshAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] orderIds, string[] readyWhenCooked, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (orderIds.Length == 0)
        {
            return;
        }

        await using var command = new NpgsqlCommand(
            """
            WITH s AS (
                SELECT o.order_id, coalesce(bool_and(bi.status = 'done') FILTER (WHERE l.quantity > 0 AND bi.status <> 'voided'), false) AS all_done
                FROM batch.orders o
                LEFT JOIN batch.batch_item_lines l ON l.order_id = o.order_id
                LEFT JOIN batch.batch_items bi ON bi.id = l.batch_item_id
                WHERE o.order_id = ANY($1)
                GROUP BY o.order_id)
            UPDATE batch.orders o SET
                ready_to_pack_at = CASE WHEN s.all_done THEN coalesce(o.ready_to_pack_at, $3) END,
                ready_at = CASE WHEN o.handed_off_at IS NOT NULL OR NOT (o.kitchen_id = ANY($2)) OR o.ready_marked_by = 'otter' THEN o.ready_at
                                WHEN s.all_done THEN coalesce(o.ready_at, $3) END,
                ready_marked_by = CASE WHEN o.handed_off_at IS NOT NULL OR NOT (o.kitchen_id = ANY($2)) OR o.ready_marked_by = 'otter' THEN o.ready_marked_by
                                       WHEN s.all_done THEN coalesce(o.ready_marked_by, 'kitchen') END,
                expo_version = o.expo_version + 1
            FROM s WHERE o.order_id = s.order_id
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = orderIds });
        command.Parameters.Add(new NpgsqlParameter { Value = readyWhenCooked });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The orders that hold lines in these batch items.</summary>
    public static async Task<string[]> OrdersOfItemsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long[] itemIds, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT DISTINCT order_id FROM batch.batch_item_lines WHERE batch_item_id = ANY($1)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = itemIds });
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }

        return [.. ids];
    }

    public static Task<List<PassOrderView>> ReadViewsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string[] orderIds, CancellationToken cancellationToken) =>
        ReadAsync(connection, transaction, $"SELECT {ViewColumns} FROM batch.orders o WHERE o.order_id = ANY($1) ORDER BY o.order_id",
            [new NpgsqlParameter { Value = orderIds }], cancellationToken);

    /// <summary>
    /// A kitchen's orders at the pass, oldest promise first, cancelled ones left out: those promised or received since
    /// <paramref name="since"/> and not handed off (the <paramref name="openLimit"/> promised or received latest: orders
    /// forgotten at the pass for hours are the ones left off, never the one just in), and up to <paramref name="handedOffLimit"/> of
    /// those handed off since <paramref name="handedOffSince"/> (to recall one), latest hand-off first.
    /// </summary>
    public static Task<List<PassOrderView>> ReadKitchenAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string kitchenId, DateTimeOffset since, DateTimeOffset handedOffSince,
        int openLimit, int handedOffLimit, CancellationToken cancellationToken) =>
        ReadAsync(connection, transaction,
            $"""
            SELECT {ViewColumns} FROM (
                (SELECT order_id FROM batch.orders
                 WHERE kitchen_id = $1 AND handed_off_at IS NULL AND greatest(ready_by, updated_at) >= $2
                   AND version > 0 AND status NOT IN ('Canceled', 'Rejected')
                 ORDER BY greatest(ready_by, updated_at) DESC, order_id DESC LIMIT $4)
                UNION ALL
                (SELECT order_id FROM batch.orders
                 WHERE kitchen_id = $1 AND handed_off_at >= $3 AND version > 0 AND status NOT IN ('Canceled', 'Rejected')
                 ORDER BY handed_off_at DESC LIMIT $5)) listed
            JOIN batch.orders o ON o.order_id = listed.order_id
            ORDER BY o.ready_by, o.order_id
            """,
            [new NpgsqlParameter { Value = kitchenId }, new NpgsqlParameter { Value = since }, new NpgsqlParameter { Value = handedOffSince },
             new NpgsqlParameter { Value = openLimit }, new NpgsqlParameter { Value = handedOffLimit }],
            cancellationToken);

    private static async Task<List<PassOrderView>> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, NpgsqlParameter[] parameters, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.AddRange(parameters);
        var views = new List<PassOrderView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            views.Add(Read(reader));
        }

        return views;
    }

    public static PassOrderView Read(NpgsqlDataReader reader)
    {
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        DateTimeOffset? Time(int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
        var status = reader.GetString(9);
        var (readyToPack, ready, handedOff) = (Time(10), Time(11), Time(13));
        var state = status is "Canceled" or "Rejected" ? PassStates.Canceled
            : handedOff is not null ? PassStates.HandedOff
            : ready is not null ? PassStates.Ready
            : readyToPack is not null ? PassStates.ReadyToPack
            : PassStates.Cooking;
        return new PassOrderView(
            reader.GetString(0), reader.GetString(1), Text(2), Text(3), Text(4), Text(5), Text(6), reader.GetBoolean(7), Time(8),
            state, readyToPack, ready, Text(12), handedOff, reader.GetInt64(14),
            JsonSerializer.Deserialize(reader.GetString(19), KitchenJson.Default.ListPassLine) ?? [],
            reader.IsDBNull(15) && reader.IsDBNull(18) ? null : new PassCourier(Text(15), Text(16), Text(17), Time(18)));
    }
}
