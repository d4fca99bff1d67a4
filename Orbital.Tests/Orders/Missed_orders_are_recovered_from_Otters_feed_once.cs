using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Orbital.Contracts;
using Orbital.Orders.Recovery;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

[Collection(OrbitalCollection.Name)]
public sealed class Missed_orders_are_recovered_from_Otters_feed_once(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Orders_no_webhook_delivered_are_stored_and_published_and_a_second_run_adds_nothing()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var store = $"store-recovery-{Guid.NewGuid():N}";
        var delivered = FeedOrder(store, Otter.NewId(), minutesAgo: 30);
        var missedFirst = FeedOrder(store, Otter.NewId(), minutesAgo: 20);
        var missedSecond = FeedOrder(store, Otter.NewId(), minutesAgo: 5);
        var webhook = Otter.Event("orders.new_order", delivered.Order.DeepClone());
        webhook["metadata"]!["storeId"] = store;
        using (var response = await orders.SendAsync(webhook, cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await orders.WaitForOrderAsync(delivered.Id);
        // A store id no header can carry (webhooks bring any text) is skipped, not the end of the run for every store.
        var unsendable = Otter.Event("orders.new_order", Otter.Order(Otter.NewId(), Otter.Item("line-1", "fries", "Fries", 1)));
        unsendable["metadata"]!["storeId"] = "caf\u00e9 \ufffd store";
        var unsendableId = unsendable["metadata"]!["payload"]!["externalIdentifiers"]!["id"]!.GetValue<string>();
        (await orders.SendAsync(unsendable, cancellationToken)).Dispose();
        await orders.WaitForOrderAsync(unsendableId);
        orbital.OtterApi.RateLimitNext(1);

        await RunToCompletionAsync(await RunRecoveryAsync(orders));

        var first = await orders.WaitForOrderAsync(missedFirst.Id);
        var second = await orders.WaitForOrderAsync(missedSecond.Id);
        Assert.Equal(store, first.GetProperty("storeId").GetString());
        Assert.Equal("Fries", second.GetProperty("lines")[0].GetProperty("name").GetString());

        await RunToCompletionAsync(await RunRecoveryAsync(orders));

        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        await using var count = database.CreateCommand(
            "SELECT o.id, count(DISTINCT r.event_id) FROM otter.orders o JOIN otter.raw_events r ON r.order_id = o.id WHERE o.store_id = $1 GROUP BY o.id");
        count.Parameters.Add(new NpgsqlParameter { Value = store });
        var eventsPerOrder = new Dictionary<string, long>();
        await using (var reader = await count.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                eventsPerOrder[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        Assert.Equal(new Dictionary<string, long> { [delivered.Id] = 1, [missedFirst.Id] = 1, [missedSecond.Id] = 1 }, eventsPerOrder);
        Assert.True(orbital.OtterApi.RateLimitsServed >= 1);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_cancellation_that_came_before_the_recovery_is_not_undone_by_it()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var store = $"store-recovery-{Guid.NewGuid():N}";
        var missed = FeedOrder(store, Otter.NewId(), minutesAgo: 20);
        // The order's webhook was lost; the guest's cancellation, ten minutes later, arrived.
        var cancel = Otter.Event("orders.cancel_order", new System.Text.Json.Nodes.JsonObject
        {
            ["externalIdentifiers"] = new System.Text.Json.Nodes.JsonObject { ["id"] = missed.Id },
            ["cancellationReason"] = "CUSTOMER_CANCELED",
        }, eventTime: DateTimeOffset.UtcNow.AddMinutes(-10));
        cancel["metadata"]!["storeId"] = store;
        (await orders.SendAsync(cancel, cancellationToken)).Dispose();
        await orders.WaitForOrderAsync(missed.Id);

        await RunToCompletionAsync(await RunRecoveryAsync(orders));

        var order = await orders.WaitForOrderAsync(missed.Id, version: 2);
        Assert.Equal("Fries", order.GetProperty("lines")[0].GetProperty("name").GetString());
        Assert.Equal("CANCELED", order.GetProperty("status").GetString());
    }

    [Fact]
    public void A_recovered_order_carries_Otters_order_time_not_the_time_the_feed_was_read()
    {
        var windowStart = DateTimeOffset.Parse("2026-11-25T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var windowEnd = windowStart.AddHours(3);
        var placed = Otter.Order("order-1");
        placed["orderedAt"] = "2026-11-25T10:30:00Z";
        var undated = Otter.Order("order-2");
        undated.Remove("orderedAt");
        var fromTheFuture = Otter.Order("order-3");
        fromTheFuture["orderedAt"] = "2026-11-26T10:30:00Z";

        Assert.Equal(windowStart.AddMinutes(90), MissedOrderRecoveryJob.RecoveredEventTime(Element(placed), windowStart, windowEnd));
        Assert.Equal(windowStart, MissedOrderRecoveryJob.RecoveredEventTime(Element(undated), windowStart, windowEnd));
        Assert.Equal(windowEnd, MissedOrderRecoveryJob.RecoveredEventTime(Element(fromTheFuture), windowStart, windowEnd));
    }

    private static System.Text.Json.JsonElement Element(System.Text.Json.Nodes.JsonNode node) =>
        System.Text.Json.JsonSerializer.SerializeToElement(node);

    [Fact]
    public async Task Operators_see_the_recovery_schedule()
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);

        var state = await Poll.UntilAsync(
            token => orders.GetFromJsonAsync<MissedOrderRecoveryState>("/recovery/missed-orders", token)!,
            s => s is not null, TimeSpan.FromSeconds(30), "the recovery state");

        Assert.True(state!.OtterApiConfigured);
        Assert.True(state.Scheduled);
        Assert.Equal(MissedOrderRecoveryJob.DefaultSchedule, state.Cron);
    }

    private (string Id, System.Text.Json.Nodes.JsonObject Order) FeedOrder(string store, string orderId, int minutesAgo)
    {
        var order = Otter.Order(orderId, Otter.Item("line-1", "fries", "Fries", 2));
        order["orderedAt"] = DateTimeOffset.UtcNow.AddMinutes(-minutesAgo).ToString("O");
        orbital.OtterApi.AddOrder(store, order);
        return (orderId, order);
    }

    private static async Task<string> RunRecoveryAsync(HttpClient orders)
    {
        var run = await Poll.UntilAsync(async token =>
        {
            using var response = await orders.PostAsync("/recovery/missed-orders/run", null, token);
            return response.StatusCode == HttpStatusCode.Accepted ? await response.Content.ReadFromJsonAsync<MissedOrderRecoveryRun>(token) : null;
        }, r => r is not null, TimeSpan.FromSeconds(30), "the recovery job to be triggered");
        Assert.False(string.IsNullOrEmpty(run!.JobId));
        return run.JobId;
    }

    /// <summary>
    /// Waits until the triggered run has succeeded, so its effects (or their absence) can be checked. Read from Hangfire's
    /// own record of the job: the API's "last run" can already be the next scheduled one (every 5 minutes) by then.
    /// </summary>
    private async Task RunToCompletionAsync(string jobId)
    {
        await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        await Poll.UntilAsync(async token =>
        {
            await using var state = database.CreateCommand("SELECT statename FROM orders_jobs.job WHERE id = $1");
            state.Parameters.Add(new NpgsqlParameter { Value = long.Parse(jobId, System.Globalization.CultureInfo.InvariantCulture) });
            return await state.ExecuteScalarAsync(token) as string;
        }, s => s == "Succeeded", TimeSpan.FromSeconds(30), $"recovery run {jobId} to succeed");
    }
}
