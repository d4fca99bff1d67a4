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
            var orders = new OrderStream(orbital, store, station, Unassigned);
            var accepted = new ConcurrentDictionary<string, int>();
            var stopwatch = Stopwatch.StartNew();
            var sending = orders.SendAsync(OrdersPerSecond, StreamFor, accepted, cancellationToken);

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

            await orders.EveryOrderStoredOnceWithAllItsLinesAsync(accepted.Keys.ToList());
            await orders.EveryLineBatchedExactlyOnceAsync(accepted.Keys.ToList());
            await orders.EveryKitchenEventSeenOrReplayableAsync(screen.Received);
            await orders.NoDeadLettersAsync();
        }
        finally
        {
            await ordersInstance.DisposeAsync();
            await batchInstance.DisposeAsync();
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
