using System.Net;
using Aspire.Hosting.ApplicationModel;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Faults;

/// <summary>
/// Under the AppHost (as <c>./run.sh</c> runs a one-kitchen business), a server or service killed with SIGKILL is
/// started again without anyone's help, and its public address works again: a kitchen screen reconnects, Otter's
/// webhook gets through. One stopped on purpose from the dashboard stays stopped.
/// </summary>
[Collection(FaultCollection.Name)]
public sealed class What_crashes_comes_back_by_itself(OrbitalAppFixture orbital)
{
    [Fact(Timeout = 5 * 60_000)]
    public async Task A_killed_Orders_and_Batch_are_restarted_and_answer_on_their_public_addresses_again()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();

        await orbital.KillAsync(ResourceNames.OrdersService);
        await orbital.KillAsync(ResourceNames.BatchService);

        await ServiceAnswersAsync(ResourceNames.OrdersService);
        await ServiceAnswersAsync(ResourceNames.BatchService);
        await using var screen = await SseClient.ConnectAsync(orbital.BatchAddress(), station);
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var sku = $"restart-fries-{Guid.NewGuid():N}";
        var order = Otter.Order(Otter.NewId(), Otter.Item("l1", sku, "Fries", 2));
        order["items"]![0]!["stationId"] = station;
        using var response = await orders.SendAsync(Otter.Event("orders.new_order", order), cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await screen.WaitForAsync(e => e.Data.Contains(sku, StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the order on the screen after both restarts");
    }

    [Fact(Timeout = 5 * 60_000)]
    public async Task A_killed_PostgreSQL_RabbitMQ_and_Redis_are_restarted()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        foreach (var server in new[] { ResourceNames.Postgres, ResourceNames.RabbitMq, ResourceNames.Redis })
        {
            cancellationToken.ThrowIfCancellationRequested();
            await orbital.KillAsync(server);
            await orbital.WaitForStateAsync(server, KnownResourceStates.Running);
            await orbital.WaitForHealthyAsync(server);
        }

        foreach (var service in new[] { ResourceNames.OrdersService, ResourceNames.BatchService, ResourceNames.PrepService })
        {
            await ServiceAnswersAsync(service);
        }
    }

    [Fact(Timeout = 5 * 60_000)]
    public async Task A_server_stopped_from_the_dashboard_stays_stopped_while_a_crashed_one_comes_back()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await orbital.ExecuteCommandAsync(ResourceNames.Redis, KnownResourceCommands.StopCommand);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            // The restarts are decided in order of events and run after the same back-off: once the server killed after
            // the stop is back, a restart of the stopped one would have happened before it. (Not a service: they wait
            // for Redis, and cannot start while it is stopped.)
            await orbital.KillAsync(ResourceNames.RabbitMq);
            await orbital.WaitForStateAsync(ResourceNames.RabbitMq, KnownResourceStates.Running);

            Assert.True(orbital.App.ResourceNotifications.TryGetCurrentState(ResourceNames.Redis, out var redis));
            Assert.NotEqual(KnownResourceStates.Running, redis.Snapshot.State?.Text);
            Assert.NotEqual(KnownResourceStates.Starting, redis.Snapshot.State?.Text);
        }
        finally
        {
            await orbital.ExecuteCommandAsync(ResourceNames.Redis, KnownResourceCommands.StartCommand);
            await orbital.WaitForHealthyAsync(ResourceNames.Redis);
        }

        await orbital.WaitForHealthyAsync(ResourceNames.RabbitMq);
        foreach (var service in new[] { ResourceNames.OrdersService, ResourceNames.BatchService, ResourceNames.PrepService })
        {
            await ServiceAnswersAsync(service);
        }
    }

    /// <summary>The service's <c>/health</c> answers Healthy through the address clients use (the AppHost's proxy).</summary>
    private async Task ServiceAnswersAsync(string service)
    {
        await orbital.WaitForStateAsync(service, KnownResourceStates.Running);
        using var client = orbital.AnonymousClient(service);
        client.Timeout = TimeSpan.FromSeconds(5);
        await Poll.UntilAsync(async token => (await client.GetHealthAsync(token)).Status, status => status == "Healthy",
            TimeSpan.FromSeconds(90), $"{service} to answer Healthy on its public address");
    }
}
