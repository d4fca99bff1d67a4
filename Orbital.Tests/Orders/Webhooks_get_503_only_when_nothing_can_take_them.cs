using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

/// <summary>
/// With the broker and the database both unreachable, Orbital cannot promise to process an event,
/// so Otter hears 503 (and retries) instead of a 200 that would lose the order.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class Webhooks_get_503_only_when_nothing_can_take_them(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_webhook_that_neither_the_broker_nor_the_outbox_can_take_gets_503()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var rabbitMq = new Uri(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var postgres = new Npgsql.NpgsqlConnectionStringBuilder(await orbital.ConnectionStringAsync(ResourceNames.OrdersDatabase));
        await using var deadBroker = new TcpForwarder(rabbitMq.Port);
        await using var deadDatabase = new TcpForwarder(postgres.Port);
        await using var service = ServiceProcess.Start("Orbital.Orders", new Dictionary<string, string>
        {
            [$"ConnectionStrings__{ResourceNames.RabbitMq}"] = new UriBuilder(rabbitMq) { Port = deadBroker.Port }.Uri.ToString(),
            [$"ConnectionStrings__{ResourceNames.OrdersDatabase}"] = new Npgsql.NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Port = deadDatabase.Port }.ConnectionString,
            [$"ConnectionStrings__{ResourceNames.Redis}"] = await orbital.ConnectionStringAsync(ResourceNames.Redis),
            [$"ConnectionStrings__{ResourceNames.WarehouseDatabase}"] = await orbital.ConnectionStringAsync(ResourceNames.WarehouseDatabase),
            ["Otter__WebhookSecret"] = Otter.WebhookSecret,
            ["Auth__VerificationKey"] = PrepAccess.VerificationKey,
            ["Otter__PublishTimeout"] = "00:00:01",
        });
        using var client = service.CreateClient();
        await Poll.UntilAsync(token => client.GetAsync("/ping", token), response => response.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60), () => $"the Orders instance to start. Output:\n{service.Output}");

        using var response = await client.SendAsync(Otter.Event("orders.new_order", Otter.Order(Otter.NewId(), Otter.Item("l1", "fries", "Fries", 1))), cancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        Assert.Contains("Send it again", problem.GetProperty("detail").GetString());
    }
}
