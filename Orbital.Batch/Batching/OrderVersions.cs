using Npgsql;
using NpgsqlTypes;
using Orbital.Contracts.Orders;

namespace Orbital.Batch.Batching;

/// <summary><c>batch.orders</c> as the batcher keeps it: the last version applied of each order, and what the cards show of it.</summary>
internal static class OrderVersions
{
    /// <summary>
    /// Records the orders on first sight and takes each version that is newer than the one applied: the ids of the
    /// orders whose version was taken, and of those among them that the kitchen accepts now (the first version it takes
    /// that is not cancelled; Otter is told, once), and of those whose promise (ready-by) moved.
    /// </summary>
    public static async Task<(HashSet<string> Claimed, HashSet<string> Accepted, HashSet<string> Retimed)> ClaimVersionsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<OrderWork> segment, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var orders = segment.Select(w => w.Order).ToList();
        await using var batch = new NpgsqlBatch(connection, transaction);
        var insert = new NpgsqlBatchCommand(
            """
            INSERT INTO batch.orders (order_id, store_id, friendly_id, version, status, ready_by, updated_at, kitchen_id)
            SELECT order_id, store_id, friendly_id, 0, status, ready_by, $6, kitchen_id
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $7::text[]) AS u(order_id, store_id, friendly_id, status, ready_by, kitchen_id)
            ON CONFLICT (order_id) DO NOTHING
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = orders.Select(o => o.OrderId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = orders.Select(o => o.StoreId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = orders.Select(o => o.FriendlyId).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = orders.Select(o => o.Status.ToString()).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = orders.Select(ReadyBy).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new NpgsqlParameter { Value = now });
        insert.Parameters.Add(new NpgsqlParameter { Value = segment.Select(w => w.KitchenId).ToArray() });
        batch.BatchCommands.Add(insert);

        // An order Otter says is ready or handed off was made so elsewhere (another tablet, the POS): the pass shows it so
        // and Otter, which said it, is not told it again. Such an order is never confirmed either: it is past that.
        // The subquery in RETURNING reads the row as the statement found it (a statement does not see its own changes):
        // whether the promise moved, so that the lines not started are re-timed.
        var claim = new NpgsqlBatchCommand(
            """
            UPDATE batch.orders o SET version = u.version, status = u.status, ready_by = u.ready_by, friendly_id = u.friendly_id, updated_at = $6,
                   store_id = u.store_id, kitchen_id = u.kitchen_id, brand = u.brand, source = u.source,
                   customer_first_name = u.first_name, customer_note = u.note, allergy = u.allergy, expo_version = o.expo_version + 1,
                   ordered_at = coalesce(o.ordered_at, u.ordered_at),
                   courier_status = u.courier_status, courier_first_name = u.courier_first_name, courier_provider = u.courier_provider, courier_eta = u.courier_eta,
                   accepted_told_at = CASE WHEN o.accepted_told_at IS NULL AND u.status NOT IN ('Canceled', 'Rejected') THEN $6 ELSE o.accepted_told_at END,
                   ready_at = CASE WHEN u.status IN ('Prepared', 'PickedUp', 'Fulfilled') AND o.ready_at IS NULL THEN $6 ELSE o.ready_at END,
                   ready_marked_by = CASE WHEN u.status IN ('Prepared', 'PickedUp', 'Fulfilled') AND o.ready_at IS NULL THEN 'otter' ELSE o.ready_marked_by END,
                   ready_told_at = CASE WHEN u.status IN ('Prepared', 'PickedUp', 'Fulfilled') THEN coalesce(o.ready_told_at, $6) ELSE o.ready_told_at END,
                   handed_off_at = CASE WHEN u.status IN ('PickedUp', 'Fulfilled') AND o.handed_off_at IS NULL THEN $6 ELSE o.handed_off_at END,
                   handed_off_by = CASE WHEN u.status IN ('PickedUp', 'Fulfilled') AND o.handed_off_at IS NULL THEN 'otter' ELSE o.handed_off_by END,
                   handed_off_told_at = CASE WHEN u.status IN ('PickedUp', 'Fulfilled') THEN coalesce(o.handed_off_told_at, $6) ELSE o.handed_off_told_at END
            FROM unnest($1::text[], $2::bigint[], $3::text[], $4::timestamptz[], $5::text[], $7::text[], $8::text[],
                        $9::text[], $10::text[], $11::text[], $12::text[], $13::bool[], $14::text[], $15::text[], $16::text[], $17::timestamptz[], $18::timestamptz[])
                AS u(order_id, version, status, ready_by, friendly_id, store_id, kitchen_id, brand, source, first_name, note, allergy,
                     courier_status, courier_first_name, courier_provider, courier_eta, ordered_at)
            WHERE o.order_id = u.order_id AND o.version < u.version
            RETURNING o.order_id, o.accepted_told_at = $6 AND u.status NOT IN ('Prepared', 'PickedUp', 'Fulfilled'),
                      coalesce((SELECT before.version > 0 AND before.ready_by IS DISTINCT FROM u.ready_by
                                FROM batch.orders before WHERE before.order_id = o.order_id), false)
            """);
        claim.Parameters.Add(new NpgsqlParameter { Value = orders.Select(o => o.OrderId).ToArray() });
        claim.Parameters.Add(new NpgsqlParameter { Value = orders.Select(o => o.Version).ToArray() });
        claim.Parameters.Add(new NpgsqlParameter { Value = orders.Select(o => o.Status.ToString()).ToArray() });
        claim.Parameters.Add(new NpgsqlParameter { Value = orders.Select(ReadyBy).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz });
        claim.Parameters.Add(new NpgsqlParameter { Value = orders.Select(o => o.FriendlyId).ToArray() });
        claim.Parameters.Add(new NpgsqlParameter { Value = now });
        claim.Parameters.Add(new NpgsqlParameter { Value = orders.Select(o => o.StoreId).ToArray() });
        claim.Parameters.Add(new NpgsqlParameter { Value = segment.Select(w => w.KitchenId).ToArray() });
        claim.Parameters.Add(BatchItemStore.TextArray(segment.Select(w => w.Guest.Brand)));
        claim.Parameters.Add(BatchItemStore.TextArray(orders.Select(o => string.IsNullOrEmpty(o.Source) ? null : o.Source)));
        claim.Parameters.Add(BatchItemStore.TextArray(segment.Select(w => w.Guest.FirstName)));
        claim.Parameters.Add(BatchItemStore.TextArray(segment.Select(w => w.Guest.Note)));
        claim.Parameters.Add(new NpgsqlParameter { Value = segment.Select(w => w.Guest.Allergy).ToArray() });
        claim.Parameters.Add(BatchItemStore.TextArray(segment.Select(w => w.Courier?.Status)));
        claim.Parameters.Add(BatchItemStore.TextArray(segment.Select(w => w.Courier?.FirstName)));
        claim.Parameters.Add(BatchItemStore.TextArray(segment.Select(w => w.Courier?.Provider)));
        claim.Parameters.Add(new NpgsqlParameter
        {
            Value = segment.Select(w => (object?)w.Courier?.ExpectedAt ?? DBNull.Value).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
        });
        claim.Parameters.Add(new NpgsqlParameter
        {
            Value = orders.Select(o => (object?)o.OrderedAt?.ToDateTimeOffset() ?? DBNull.Value).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
        });
        batch.BatchCommands.Add(claim);

        var claimed = new HashSet<string>(StringComparer.Ordinal);
        var accepted = new HashSet<string>(StringComparer.Ordinal);
        var retimed = new HashSet<string>(StringComparer.Ordinal);
        // The insert returns no rows, so the reader starts on the claim's.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(reader.GetString(0));
            if (!reader.IsDBNull(1) && reader.GetBoolean(1))
            {
                accepted.Add(reader.GetString(0));
            }

            if (reader.GetBoolean(2))
            {
                retimed.Add(reader.GetString(0));
            }
        }

        return (claimed, accepted, retimed);
    }

    private static object ReadyBy(StructuredOrder order) => (object?)order.ReadyBy?.ToDateTimeOffset() ?? DBNull.Value;
}
