using System.Diagnostics;
using Npgsql;

namespace Orbital.Bench;

public static class Pipeline
{
    public sealed record Result(double OrdersPerSecond, double AcceptedSeconds, double StoredSeconds, double BatchedSeconds);

    /// <summary>
    /// As fast as 64 senders go: orders of 5 lines, timed until the last one is batched; with the moments the last
    /// webhook was accepted and the last order stored by Orders, which say which stage held the rest back.
    /// </summary>
    /// <param name="storeOf">The store of the i-th order; by default one store the setup does not have (so one kitchen, the unassigned one).</param>
    public static async Task<Result> RunAsync(HttpClient orders, string ordersDatabase, string batchDatabase, int count, Func<int, string>? storeOf = null)
    {
        var store = $"bench-pipeline-{Guid.NewGuid():N}";
        storeOf ??= _ => store;
        var ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid().ToString()).ToArray();
        string[] menu = ["burger", "fries", "nuggets", "lemonade", "milkshake", "chicken-sandwich", "sweet-potato-fries"];
        var next = -1;
        var clock = Stopwatch.StartNew();
        var sending = Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var lines = Enumerable.Range(0, 5).Select(l => (menu[(i + l) % menu.Length], 1 + (l % 2))).ToList();
                using var response = await orders.SendAsync(Webhooks.Request(Webhooks.NewOrder(ids[i], storeOf(i), "grill", lines)));
                response.EnsureSuccessStatusCode();
            }
        }));

        await using var ordersDb = NpgsqlDataSource.Create(ordersDatabase);
        await using var batchDb = NpgsqlDataSource.Create(batchDatabase);
        double? accepted = null, stored = null;
        // Only the orders not seen yet are asked after: asking for all 10,000 twenty times a second was itself a
        // large share of PostgreSQL's work, and slowed the stages it measured.
        string[] notStored = ids, notBatched = ids;
        while (true)
        {
            if (accepted is null && sending.IsCompleted)
            {
                await sending;
                accepted = clock.Elapsed.TotalSeconds;
            }

            if (stored is null && (notStored = await MissingAsync(ordersDb, "otter.orders", "id", notStored)).Length == 0)
            {
                stored = clock.Elapsed.TotalSeconds;
            }

            if (stored is not null && (notBatched = await MissingAsync(batchDb, "batch.orders", "order_id", notBatched)).Length == 0)
            {
                var batched = clock.Elapsed.TotalSeconds;
                return new Result(count / batched, accepted ?? batched, stored.Value, batched);
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The ids of <paramref name="ids"/> that <paramref name="table"/> does not hold yet.</summary>
    private static async Task<string[]> MissingAsync(NpgsqlDataSource database, string table, string column, string[] ids)
    {
        await using var command = database.CreateCommand(
            $"SELECT u.id FROM unnest($1::text[]) AS u(id) WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{column} = u.id)");
        command.Parameters.Add(new NpgsqlParameter { Value = ids });
        var missing = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            missing.Add(reader.GetString(0));
        }

        return [.. missing];
    }

    /// <summary>The same orders (one row and five item rows each) written with multi-row INSERTs, 500 orders a statement.</summary>
    public static async Task<double> BareInsertAsync(string ordersDatabase, int count)
    {
        await using var database = NpgsqlDataSource.Create(ordersDatabase);
        var schema = $"bench_{Guid.NewGuid():N}"[..20];
        await using (var create = database.CreateCommand(
            $"CREATE SCHEMA {schema}; CREATE TABLE {schema}.orders (id text PRIMARY KEY, store_id text, status text, total numeric, payload jsonb, updated_at timestamptz);" +
            $"CREATE TABLE {schema}.order_items (id bigserial PRIMARY KEY, order_id text, line_id text, sku text, name text, quantity int, modifiers jsonb)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        var clock = Stopwatch.StartNew();
        foreach (var chunk in Enumerable.Range(0, count).Chunk(500))
        {
            await using var batch = database.CreateBatch();
            var ids = chunk.Select(_ => Guid.NewGuid().ToString()).ToArray();
            var order = new NpgsqlBatchCommand($"INSERT INTO {schema}.orders SELECT id, 'bench', 'NEW_ORDER', 21.6, '{{\"source\":\"ubereats\"}}', now() FROM unnest($1::text[]) id");
            order.Parameters.Add(new NpgsqlParameter { Value = ids });
            var items = new NpgsqlBatchCommand($"INSERT INTO {schema}.order_items (order_id, line_id, sku, name, quantity, modifiers) SELECT id, 'line-' || n, 'sku-' || n, 'Item', 1, '[{{\"name\":\"Salt\"}}]' FROM unnest($1::text[]) id, generate_series(1, 5) n");
            items.Parameters.Add(new NpgsqlParameter { Value = ids });
            batch.BatchCommands.Add(order);
            batch.BatchCommands.Add(items);
            await batch.ExecuteNonQueryAsync();
        }

        var rate = count / clock.Elapsed.TotalSeconds;
        await using var drop = database.CreateCommand($"DROP SCHEMA {schema} CASCADE");
        await drop.ExecuteNonQueryAsync();
        return rate;
    }
}
