using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Npgsql;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Faults;

/// <summary>
/// A steady stream of signed Otter orders to one store, each with two lines for one station, and the fault suites'
/// counts afterwards: every accepted order stored once with its lines, every line batched exactly once, every kitchen
/// event on the screen once, nothing dead-lettered.
/// </summary>
public sealed class OrderStream(OrbitalAppFixture orbital, string store, string station, string kitchen)
{
    /// <summary>Sends orders at a steady rate; like Otter, sends an order again until it gets 200.</summary>
    public async Task SendAsync(int ordersPerSecond, TimeSpan streamFor, ConcurrentDictionary<string, int> accepted, CancellationToken cancellationToken)
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        orders.Timeout = TimeSpan.FromSeconds(15);
        var interval = TimeSpan.FromSeconds(1.0 / ordersPerSecond);
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>();
        for (var i = 0; clock.Elapsed < streamFor; i++)
        {
            var orderId = Otter.NewId();
            inFlight.Add(SendUntilAcceptedAsync(orders, orderId, i, accepted, cancellationToken));
            var next = interval * (i + 1) - clock.Elapsed;
            if (next > TimeSpan.Zero)
            {
                await Task.Delay(next, cancellationToken);
            }
        }

        await Task.WhenAll(inFlight);
    }

    private async Task SendUntilAcceptedAsync(HttpClient orders, string orderId, int index, ConcurrentDictionary<string, int> accepted, CancellationToken cancellationToken)
    {
        var order = Otter.Order(orderId, Otter.Item("line-1", $"fault-a-{index % 7}", "Dumplings", 1 + (index % 3)), Otter.Item("line-2", $"fault-b-{index % 5}", "Bao", 2));
        foreach (var item in order["items"]!.AsArray())
        {
            item!["stationId"] = station;
        }

        var otterEvent = Otter.Event("orders.new_order", order);
        otterEvent["metadata"]!["storeId"] = store;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await orders.SendAsync(otterEvent, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    accepted[orderId] = attempt;
                    return;
                }

                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // As Otter does: no answer means send again.
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }

    public async Task EveryOrderStoredOnceWithAllItsLinesAsync(List<string> orderIds)
    {
        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        var stored = await Poll.UntilAsync(async token =>
        {
            await using var command = database.CreateCommand(
                "SELECT o.id, count(i.id) FROM otter.orders o LEFT JOIN otter.order_items i ON i.order_id = o.id WHERE o.store_id = $1 GROUP BY o.id");
            command.Parameters.Add(new NpgsqlParameter { Value = store });
            var rows = new Dictionary<string, long>();
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                rows[reader.GetString(0)] = reader.GetInt64(1);
            }

            return rows;
        }, rows => rows.Count >= orderIds.Count && rows.Values.All(lines => lines == 2), TimeSpan.FromMinutes(3), "every accepted order stored with its two lines");

        Assert.Equal(orderIds.Order(), stored.Keys.Order());
    }

    public async Task EveryLineBatchedExactlyOnceAsync(List<string> orderIds)
    {
        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.BatchDatabase));
        var lines = await Poll.UntilAsync(async token =>
        {
            await using var command = database.CreateCommand(
                "SELECT order_id, line_id, sum(quantity)::int, count(*)::int FROM batch.batch_item_lines WHERE order_id = ANY($1) GROUP BY order_id, line_id");
            command.Parameters.Add(new NpgsqlParameter { Value = orderIds.ToArray() });
            var rows = new List<(string Order, string Line, int Quantity, int Rows)>();
            await using var reader = await command.ExecuteReaderAsync(token);
            while (await reader.ReadAsync(token))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3)));
            }

            Volatile.Write(ref _lastLineCount, rows.Count);
            return rows;
        }, rows => rows.Count >= orderIds.Count * 2, TimeSpan.FromMinutes(3), () => $"every order line in batch items: {Volatile.Read(ref _lastLineCount)} of {orderIds.Count * 2}; {BacklogAsync().GetAwaiter().GetResult()}; {MissingAsync(orderIds).GetAwaiter().GetResult()}");

        Assert.Equal(orderIds.Count * 2, lines.Count);
        Assert.All(lines.Where(l => l.Line == "line-2"), l => Assert.Equal(2, l.Quantity));
        Assert.All(lines.Where(l => l.Line == "line-1"), l => Assert.InRange(l.Quantity, 1, 3));
        await using var totals = database.CreateCommand(
            "SELECT coalesce(sum(quantity), 0)::int FROM batch.batch_item_lines WHERE order_id = ANY($1)");
        totals.Parameters.Add(new NpgsqlParameter { Value = orderIds.ToArray() });
        await using var items = database.CreateCommand(
            "SELECT coalesce(sum(bi.quantity), 0)::int FROM batch.batch_items bi WHERE bi.id IN (SELECT batch_item_id FROM batch.batch_item_lines WHERE order_id = ANY($1))");
        items.Parameters.Add(new NpgsqlParameter { Value = orderIds.ToArray() });
        Assert.Equal(await totals.ExecuteScalarAsync(TestContext.Current.CancellationToken), await items.ExecuteScalarAsync(TestContext.Current.CancellationToken));
    }

    /// <summary>
    /// Every kitchen event of the station in the log reached the screen, or comes when it resumes from the last it has
    /// (a screen's reconnect with Last-Event-ID); none reached it twice.
    /// </summary>
    public async Task EveryKitchenEventSeenOrReplayableAsync(IReadOnlyList<SseEvent> received)
    {
        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.BatchDatabase));
        await using var command = database.CreateCommand("SELECT id FROM batch.kitchen_events WHERE station_id = $1 AND kitchen_id = $2 ORDER BY id");
        command.Parameters.Add(new NpgsqlParameter { Value = station });
        command.Parameters.Add(new NpgsqlParameter { Value = kitchen });
        var logged = new List<long>();
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                logged.Add(reader.GetInt64(0));
            }
        }

        var numbered = received.Where(e => e.Id is not null).Select(e => e.Number).ToList();
        Assert.Equal(numbered.Count, numbered.Distinct().Count());
        var seen = numbered.ToHashSet();
        var resumeFrom = seen.Count == 0 ? 0 : seen.Max();
        await using var reconnected = await SseClient.ConnectAsync(
            orbital.BatchAddress(), station, lastEventId: resumeFrom.ToString(System.Globalization.CultureInfo.InvariantCulture), kitchen: kitchen);
        var last = logged.Max();
        if (last > resumeFrom)
        {
            await reconnected.WaitForAsync(e => e.Number >= last, TimeSpan.FromSeconds(30), "the replay to reach the last logged event");
        }

        seen.UnionWith(reconnected.Received.Where(e => e.Id is not null).Select(e => e.Number));
        Assert.DoesNotContain(logged, id => !seen.Contains(id));
    }

    private int _lastLineCount;

    /// <summary>For a failure message: the orders with no batched lines, and what Batch knows of them.</summary>
    private async Task<string> MissingAsync(List<string> orderIds)
    {
        await using var batch = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.BatchDatabase));
        await using var command = batch.CreateCommand(
            "SELECT id, (SELECT version FROM batch.orders WHERE order_id = id), (SELECT updated_at FROM batch.orders WHERE order_id = id) FROM unnest($1::text[]) id WHERE NOT EXISTS (SELECT 1 FROM batch.batch_item_lines l WHERE l.order_id = id)");
        command.Parameters.Add(new NpgsqlParameter { Value = orderIds.ToArray() });
        var missing = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            missing.Add($"{reader.GetString(0)} (batch.orders version {(reader.IsDBNull(1) ? "none" : reader.GetInt64(1))} at {(reader.IsDBNull(2) ? "-" : reader.GetFieldValue<DateTimeOffset>(2).ToString("O"))})");
        }

        return $"missing: {string.Join(", ", missing)}";
    }

    private async Task<string> BacklogAsync()
    {
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var parts = new List<string>();
        foreach (var queue in new[] { Queues.OrdersOtterEvents, Queues.BatchStructuredOrders })
        {
            parts.Add($"{queue}: {await broker.MessageCountAsync(queue)} ready, {await broker.MessageCountAsync(Topology.DeadLetterQueueFor(queue))} dead");
        }

        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        await using var outbox = database.CreateCommand("SELECT count(*) FROM messaging.outbox");
        parts.Add($"orders outbox: {await outbox.ExecuteScalarAsync()}");
        return string.Join("; ", parts);
    }

    public async Task NoDeadLettersAsync()
    {
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        foreach (var queue in new[] { Queues.OrdersOtterEvents, Queues.BatchStructuredOrders, Queues.PrepStructuredOrders, Queues.OrdersMenuAvailability, Queues.BatchMenuAvailability, Queues.BatchStockWarnings })
        {
            Assert.Equal(0u, await broker.MessageCountAsync(Topology.DeadLetterQueueFor(queue)));
        }
    }

}
