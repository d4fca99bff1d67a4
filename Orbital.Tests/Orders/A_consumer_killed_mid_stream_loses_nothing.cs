using System.Net;
using Npgsql;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

/// <summary>
/// A second Orders instance competes for the Otter events and is killed (SIGKILL) while orders stream in:
/// what it held unacknowledged goes back to the queue, and every order ends up stored exactly once.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_consumer_killed_mid_stream_loses_nothing(OrbitalAppFixture orbital)
{
    private const int OrderCount = 120;

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Every_order_is_stored_exactly_once_after_a_consumer_dies()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var doomed = ServiceProcess.Start("Orbital.Orders", new Dictionary<string, string>
        {
            [$"ConnectionStrings__{ResourceNames.RabbitMq}"] = await orbital.ConnectionStringAsync(ResourceNames.RabbitMq),
            [$"ConnectionStrings__{ResourceNames.OrdersDatabase}"] = await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase),
            [$"ConnectionStrings__{ResourceNames.Redis}"] = await orbital.ConnectionStringAsync(ResourceNames.Redis),
            [$"ConnectionStrings__{ResourceNames.WarehouseDatabase}"] = await orbital.ConnectionStringAsync(ResourceNames.WarehouseDatabase),
            ["Otter__WebhookSecret"] = Otter.WebhookSecret,
            ["Auth__VerificationKey"] = PrepAccess.VerificationKey,
            // Each applied event is logged at Debug; this test watches for the first one to kill the instance mid-stream.
            ["Logging__LogLevel__Orbital.Orders.Orders.OtterEventProcessor"] = "Debug",
        });
        await using (doomed)
        {
            using var doomedClient = doomed.CreateClient();
            await Poll.UntilAsync(token => doomedClient.GetHealthAsync(token), health => health.Status == "Healthy",
                TimeSpan.FromSeconds(60), () => $"the second Orders instance to be healthy. Output:\n{doomed.Output}");

            using var orders = orbital.CreateClient(ResourceNames.OrdersService);
            var orderIds = Enumerable.Range(0, OrderCount).Select(_ => Otter.NewId()).ToList();
            for (var index = 0; index < orderIds.Count; index++)
            {
                using var response = await orders.SendAsync(
                    Otter.Event("orders.new_order", Otter.Order(orderIds[index], Otter.Item("l1", "burger", "Burger", 1), Otter.Item("l2", "fries", "Fries", 2))),
                    cancellationToken);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                if (index == OrderCount / 3)
                {
                    // Make sure it really is taking a share of the work before it dies.
                    await Poll.UntilAsync(_ => Task.FromResult(doomed.Output), output => output.Contains(": applied", StringComparison.Ordinal),
                        TimeSpan.FromSeconds(30), "the second instance to apply an event");
                    await doomed.KillAsync();
                }
            }

            await using var database = NpgsqlDataSource.Create(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
            await Poll.UntilAsync(async token =>
            {
                await using var count = database.CreateCommand("SELECT count(*) FROM otter.orders WHERE id = ANY($1)");
                count.Parameters.Add(new NpgsqlParameter { Value = orderIds.ToArray() });
                return (long)(await count.ExecuteScalarAsync(token))!;
            }, stored => stored == OrderCount, TimeSpan.FromSeconds(60), $"all {OrderCount} orders to be stored");

            await using var lines = database.CreateCommand(
                "SELECT count(*) FROM otter.order_items WHERE order_id = ANY($1) HAVING count(*) = 2 * cardinality($1)");
            lines.Parameters.Add(new NpgsqlParameter { Value = orderIds.ToArray() });
            Assert.Equal((long)OrderCount * 2, await lines.ExecuteScalarAsync(cancellationToken));

            await using var versions = database.CreateCommand("SELECT count(*) FROM otter.orders WHERE id = ANY($1) AND version <> 1");
            versions.Parameters.Add(new NpgsqlParameter { Value = orderIds.ToArray() });
            Assert.Equal(0L, await versions.ExecuteScalarAsync(cancellationToken));
        }
    }
}
