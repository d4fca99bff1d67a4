using Npgsql;
using NpgsqlTypes;

namespace Orbital.Prep.Depletion;

/// <summary>The newest version of an order Prep has applied, where it was cooked and what it used (base units by SKU).</summary>
public sealed record SoldOrder(
    string OrderId, long Version, string StoreId, string? BrandId, string LocationId, DateTimeOffset OrderedAt, DateOnly BusinessDay,
    bool Canceled, IReadOnlyDictionary<string, decimal> Usage)
{
    public static SoldOrder NotYetApplied(string orderId) =>
        new(orderId, 0, "", null, "", DateTimeOffset.UnixEpoch, DateOnly.FromDateTime(DateTime.UnixEpoch), false, new Dictionary<string, decimal>());
}

/// <summary><c>prep.sold_orders</c> and <c>prep.order_usage</c>, as the order consumer reads and writes them in its transaction.</summary>
public static class SoldOrders
{
    /// <summary>
    /// The orders as applied so far (version 0 for one never seen), their rows locked until the transaction ends: a row is
    /// made for a new order first, then all are locked in id order, so two consumers of the same orders wait, never deadlock.
    /// </summary>
    public static async Task<Dictionary<string, SoldOrder>> LockAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyCollection<string> orderIds, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var ids = orderIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var applied = ids.ToDictionary(id => id, SoldOrder.NotYetApplied, StringComparer.Ordinal);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand(
                    """
                    INSERT INTO prep.sold_orders (order_id, version, store_id, location_id, ordered_at, business_day, canceled, applied_at)
                    SELECT id, 0, '', '', $2, '1970-01-01', false, $2 FROM unnest($1::text[]) AS id ORDER BY id
                    ON CONFLICT (order_id) DO NOTHING
                    """) { Parameters = { new() { Value = ids }, new() { Value = now } } },
                new NpgsqlBatchCommand(
                    """
                    SELECT order_id, version, store_id, brand_id, location_id, ordered_at, business_day, canceled
                    FROM prep.sold_orders WHERE order_id = ANY($1) ORDER BY order_id FOR UPDATE
                    """) { Parameters = { new() { Value = ids } } },
                new NpgsqlBatchCommand("SELECT order_id, sku, quantity FROM prep.order_usage WHERE order_id = ANY($1)") { Parameters = { new() { Value = ids } } },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        // The insert returns no rows: the reader may start on it or on the first select, depending on the driver.
        while (reader.FieldCount == 0 && await reader.NextResultAsync(cancellationToken))
        {
        }

        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetString(0)] = new SoldOrder(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetFieldValue<DateOnly>(6), reader.GetBoolean(7),
                new Dictionary<string, decimal>(StringComparer.Ordinal));
        }

        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ((Dictionary<string, decimal>)applied[reader.GetString(0)].Usage)[reader.GetString(1)] = reader.GetDecimal(2);
        }

        return applied;
    }

    /// <summary>What a batch of orders changes: the orders' newest versions, their usage, on-hand and the unmapped list.</summary>
    public sealed class Changes
    {
        private readonly Dictionary<string, SoldOrder> _orders = new(StringComparer.Ordinal);
        private readonly Dictionary<(string Location, string Sku), decimal> _stock = [];
        private readonly Dictionary<(string Brand, string Kind, string Sku), (string Name, DateTimeOffset SoldAt, long Times)> _unmapped = [];

        public int StockMoves => _stock.Count(s => s.Value != 0);

        /// <summary>One order from <paramref name="before"/> to <paramref name="after"/>: what the older version used goes back, the newer one's comes off.</summary>
        public void Apply(SoldOrder before, SoldOrder after, IEnumerable<(string BrandId, UnmappedSale Sale)> unmapped, bool isNew)
        {
            foreach (var (sku, quantity) in before.Usage)
            {
                _stock[(before.LocationId, sku)] = _stock.GetValueOrDefault((before.LocationId, sku)) + quantity;
            }

            foreach (var (sku, quantity) in after.Usage)
            {
                _stock[(after.LocationId, sku)] = _stock.GetValueOrDefault((after.LocationId, sku)) - quantity;
            }

            foreach (var (brandId, sale) in unmapped)
            {
                var key = (brandId, sale.Kind, sale.MenuSku);
                var earlier = _unmapped.GetValueOrDefault(key);
                _unmapped[key] = (sale.Name, after.OrderedAt > earlier.SoldAt ? after.OrderedAt : earlier.SoldAt, earlier.Times + (isNew ? 1 : 0));
            }

            _orders[after.OrderId] = after;
        }

        public async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
        {
            if (_orders.Count == 0)
            {
                return;
            }

            var orders = _orders.Values.ToList();
            var usage = orders.SelectMany(o => o.Usage.Select(u => (o.OrderId, Sku: u.Key, Quantity: u.Value))).ToList();
            // In (location, sku) order, as every writer of on-hand in a batch should: two batches never wait on each other in a circle.
            var stock = _stock.Where(s => s.Value != 0).OrderBy(s => s.Key.Location, StringComparer.Ordinal).ThenBy(s => s.Key.Sku, StringComparer.Ordinal).ToList();
            var unmapped = _unmapped.OrderBy(u => u.Key.Brand, StringComparer.Ordinal).ThenBy(u => u.Key.Kind, StringComparer.Ordinal)
                .ThenBy(u => u.Key.Sku, StringComparer.Ordinal).ToList();
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                UPDATE prep.sold_orders s SET version = u.version, store_id = u.store_id, brand_id = u.brand_id, location_id = u.location_id,
                    ordered_at = u.ordered_at, business_day = u.business_day, canceled = u.canceled, applied_at = $9
                FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::date[], $8::boolean[])
                    AS u (order_id, version, store_id, brand_id, location_id, ordered_at, business_day, canceled)
                WHERE s.order_id = u.order_id
                """)
            {
                Parameters =
                {
                    new() { Value = orders.Select(o => o.OrderId).ToArray() },
                    new() { Value = orders.Select(o => o.Version).ToArray() },
                    new() { Value = orders.Select(o => o.StoreId).ToArray() },
                    new() { Value = orders.Select(o => o.BrandId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                    new() { Value = orders.Select(o => o.LocationId).ToArray() },
                    new() { Value = orders.Select(o => o.OrderedAt.ToUniversalTime()).ToArray() },
                    new() { Value = orders.Select(o => o.BusinessDay).ToArray() },
                    new() { Value = orders.Select(o => o.Canceled).ToArray() },
                    new() { Value = now },
                },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM prep.order_usage WHERE order_id = ANY($1)")
            {
                Parameters = { new() { Value = orders.Select(o => o.OrderId).ToArray() } },
            });
            if (usage.Count > 0)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO prep.order_usage (order_id, sku, quantity) SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[])")
                {
                    Parameters =
                    {
                        new() { Value = usage.Select(u => u.OrderId).ToArray() },
                        new() { Value = usage.Select(u => u.Sku).ToArray() },
                        new() { Value = usage.Select(u => u.Quantity).ToArray() },
                    },
                });
            }

            if (stock.Count > 0)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(
                    $"""
                    INSERT INTO prep.on_hand (location_id, sku, quantity, updated_at, updated_by, source)
                    SELECT l, s, q, $4, '{OrderDepletion.Source}', '{OrderDepletion.Source}' FROM unnest($1::text[], $2::text[], $3::numeric[]) WITH ORDINALITY AS m (l, s, q, n) ORDER BY n
                    ON CONFLICT (location_id, sku) DO UPDATE SET quantity = prep.on_hand.quantity + EXCLUDED.quantity,
                        updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by, source = EXCLUDED.source
                    """)
                {
                    Parameters =
                    {
                        new() { Value = stock.Select(s => s.Key.Location).ToArray() },
                        new() { Value = stock.Select(s => s.Key.Sku).ToArray() },
                        new() { Value = stock.Select(s => s.Value).ToArray() },
                        new() { Value = now },
                    },
                });
            }

            if (unmapped.Count > 0)
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand(
                    """
                    INSERT INTO prep.unmapped_menu_items (brand_id, kind, menu_sku, name, first_sold_at, last_sold_at, times_sold)
                    SELECT b, k, s, left(n, 200), t, t, c FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[]) WITH ORDINALITY AS u (b, k, s, n, t, c, i) ORDER BY i
                    ON CONFLICT (brand_id, kind, menu_sku) DO UPDATE SET name = EXCLUDED.name,
                        last_sold_at = greatest(prep.unmapped_menu_items.last_sold_at, EXCLUDED.last_sold_at),
                        times_sold = prep.unmapped_menu_items.times_sold + EXCLUDED.times_sold
                    """)
                {
                    Parameters =
                    {
                        new() { Value = unmapped.Select(u => u.Key.Brand).ToArray() },
                        new() { Value = unmapped.Select(u => u.Key.Kind).ToArray() },
                        new() { Value = unmapped.Select(u => u.Key.Sku).ToArray() },
                        new() { Value = unmapped.Select(u => u.Value.Name).ToArray() },
                        new() { Value = unmapped.Select(u => u.Value.SoldAt.ToUniversalTime()).ToArray() },
                        new() { Value = unmapped.Select(u => u.Value.Times).ToArray() },
                    },
                });
            }

            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
