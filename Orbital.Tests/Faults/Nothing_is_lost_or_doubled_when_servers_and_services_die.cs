using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orbital.AppHost.Infrastructure;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Faults;

/// <summary>
/// A stream of signed orders while RabbitMQ (twice), PostgreSQL, and the AppHost's own Orders and Batch are killed with
/// SIGKILL and come back by themselves, and a second Orders consumer and a second Batch instance are killed and started
/// again. Afterwards: every accepted order is stored once with all its lines, every line sits in batch items exactly
/// once, every kitchen event reached the screen or can be replayed with Last-Event-ID, and no dead-letter queue holds
/// anything.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class Nothing_is_lost_or_doubled_when_servers_and_services_die(OrbitalAppFixture orbital)
{
    private const int OrdersPerSecond = 25;
    private const string Unassigned = Orbital.Places.KitchenMap.UnassignedKitchenId;
    private static readonly TimeSpan StreamFor = TimeSpan.FromSeconds(45);

    [Fact(Timeout = 10 * 60_000)]
    public async Task Orders_streamed_through_crashes_and_restarts_are_stored_and_batched_exactly_once()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        // A store of its own, which the setup does not place: its orders are cooked in the unassigned kitchen.
        var store = $"store-faults-{Guid.NewGuid():N}";
        await using var screen = await SseClient.ConnectAsync(orbital.BatchAddress(), station, kitchen: Unassigned);
        var ordersInstance = await StartAsync("Orbital.Orders", ResourceNames.OrdersDatabase);
        var batchInstance = await StartAsync("Orbital.Batch", ResourceNames.BatchDatabase);
        try
        {
            var accepted = new ConcurrentDictionary<string, int>();
            var stopwatch = Stopwatch.StartNew();
            var sending = SendStreamAsync(store, station, accepted, cancellationToken);

            await At(stopwatch, 5, () => KillAndAwaitBackAsync(ResourceNames.RabbitMq));
            await At(stopwatch, 9, () => KillAndAwaitBackAsync(ResourceNames.OrdersService));
            await At(stopwatch, 12, async () =>
            {
                await ordersInstance.KillAsync();
                await ordersInstance.DisposeAsync();
                ordersInstance = await StartAsync("Orbital.Orders", ResourceNames.OrdersDatabase, waitHealthy: false);
            });
            await At(stopwatch, 18, () => KillAndAwaitBackAsync(ResourceNames.Postgres));
            await At(stopwatch, 26, () => KillAndAwaitBackAsync(ResourceNames.RabbitMq));
            await At(stopwatch, 33, async () =>
            {
                await batchInstance.KillAsync();
                await batchInstance.DisposeAsync();
                batchInstance = await StartAsync("Orbital.Batch", ResourceNames.BatchDatabase, waitHealthy: false);
            });
            await At(stopwatch, 38, () => KillAndAwaitBackAsync(ResourceNames.BatchService));

            await sending;
            TestContext.Current.SendDiagnosticMessage($"{accepted.Count} orders accepted during the faults");
            Assert.True(accepted.Count > OrdersPerSecond * StreamFor.TotalSeconds * 0.8, $"only {accepted.Count} orders were accepted");

            await EveryOrderStoredOnceWithAllItsLinesAsync(store, accepted.Keys.ToList());
            await EveryLineBatchedExactlyOnceAsync(accepted.Keys.ToList());
            await EveryKitchenEventSeenOrReplayableAsync(screen, station);
            await NoDeadLettersAsync();
        }
        finally
        {
            await ordersInstance.DisposeAsync();
            await batchInstance.DisposeAsync();
        }
    }

    /// <summary>Sends orders at a steady rate; like Otter, sends an order again until it gets 200.</summary>
    private async Task SendStreamAsync(string store, string station, ConcurrentDictionary<string, int> accepted, CancellationToken cancellationToken)
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        orders.Timeout = TimeSpan.FromSeconds(15);
        var interval = TimeSpan.FromSeconds(1.0 / OrdersPerSecond);
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>();
        for (var i = 0; clock.Elapsed < StreamFor; i++)
        {
            var orderId = Otter.NewId();
            inFlight.Add(SendUntilAcceptedAsync(orders, store, station, orderId, i, accepted, cancellationToken));
            var next = interval * (i + 1) - clock.Elapsed;
            if (next > TimeSpan.Zero)
            {
                await Task.Delay(next, cancellationToken);
            }
        }

        await Task.WhenAll(inFlight);
    }

    private static async Task SendUntilAcceptedAsync(HttpClient orders, string store, string station, string orderId, int index, ConcurrentDictionary<string, int> accepted, CancellationToken cancellationToken)
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

    private async Task EveryOrderStoredOnceWithAllItsLinesAsync(string store, List<string> orderIds)
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

    private async Task EveryLineBatchedExactlyOnceAsync(List<string> orderIds)
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

    private async Task EveryKitchenEventSeenOrReplayableAsync(SseClient screen, string station)
    {
        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.BatchDatabase));
        await using var command = database.CreateCommand($"SELECT id FROM batch.kitchen_events WHERE station_id = $1 AND kitchen_id = '{Unassigned}' ORDER BY id");
        command.Parameters.Add(new NpgsqlParameter { Value = station });
        var logged = new List<long>();
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                logged.Add(reader.GetInt64(0));
            }
        }

        var seen = screen.Received.Where(e => e.Id is not null).Select(e => e.Number).ToHashSet();
        var resumeFrom = seen.Count == 0 ? 0 : seen.Max();
        await using var reconnected = await SseClient.ConnectAsync(
            orbital.BatchAddress(), station, lastEventId: resumeFrom.ToString(System.Globalization.CultureInfo.InvariantCulture), kitchen: Unassigned);
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

    private async Task NoDeadLettersAsync()
    {
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        foreach (var queue in new[] { Queues.OrdersOtterEvents, Queues.BatchStructuredOrders, Queues.PrepStructuredOrders, Queues.OrdersMenuAvailability, Queues.BatchMenuAvailability, Queues.BatchStockWarnings })
        {
            Assert.Equal(0u, await broker.MessageCountAsync(Topology.DeadLetterQueueFor(queue)));
        }
    }

    /// <summary>SIGKILL to a server or service the AppHost runs; nobody starts it again but the AppHost itself.</summary>
    private async Task KillAndAwaitBackAsync(string resource)
    {
        await orbital.KillAsync(resource);
        await orbital.WaitForStateAsync(resource, KnownResourceStates.Running);
        await orbital.WaitForHealthyAsync(resource);
    }

    private async Task<ServiceProcess> StartAsync(string project, string database, bool waitHealthy = true)
    {
        var service = ServiceProcess.Start(project, new Dictionary<string, string>
        {
            [$"ConnectionStrings__{ResourceNames.RabbitMq}"] = await orbital.ConnectionStringAsync(ResourceNames.RabbitMq),
            [$"ConnectionStrings__{database}"] = await orbital.ConnectionStringAsync(database),
            [$"ConnectionStrings__{ResourceNames.Redis}"] = await orbital.ConnectionStringAsync(ResourceNames.Redis),
            [$"ConnectionStrings__{ResourceNames.WarehouseDatabase}"] = await orbital.ConnectionStringAsync(ResourceNames.WarehouseDatabase),
            ["Otter__WebhookSecret"] = Otter.WebhookSecret,
            // Prep signs access tokens; the others only check them.
            [project == "Orbital.Prep" ? "Auth__SigningKey" : "Auth__VerificationKey"] = project == "Orbital.Prep" ? PrepAccess.SigningKey : PrepAccess.VerificationKey,
        });
        if (waitHealthy)
        {
            using var client = service.CreateClient();
            await Poll.UntilAsync(token => client.GetHealthAsync(token), health => health.Status == "Healthy",
                TimeSpan.FromSeconds(60), () => $"{project} to be healthy. Output:\n{service.Output}");
        }

        return service;
    }

    private static async Task At(Stopwatch clock, int second, Func<Task> fault)
    {
        var wait = TimeSpan.FromSeconds(second) - clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, TestContext.Current.CancellationToken);
        }

        await fault();
    }
}
