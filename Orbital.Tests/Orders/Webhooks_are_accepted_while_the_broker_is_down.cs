using System.Net;
using Aspire.Hosting.ApplicationModel;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

[Collection(OrbitalCollection.Name)]
public sealed class Webhooks_are_accepted_while_the_broker_is_down(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Orders_sent_while_RabbitMQ_is_stopped_get_200_and_are_stored_once_it_is_back()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var orderIds = Enumerable.Range(0, 5).Select(_ => Otter.NewId()).ToList();

        await orbital.ExecuteCommandAsync(ResourceNames.RabbitMq, KnownResourceCommands.StopCommand);
        try
        {
            await Poll.UntilAsync(token => orbital.HealthAsync(ResourceNames.OrdersService, token),
                health => health.Entries[ResourceNames.RabbitMq].Status != "Healthy", TimeSpan.FromSeconds(30), "orders to notice the broker is gone");

            foreach (var orderId in orderIds)
            {
                using var response = await orders.SendAsync(Otter.Event("orders.new_order", Otter.Order(orderId, Otter.Item("l1", "burger", "Burger", 1))), cancellationToken);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
        }
        finally
        {
            await orbital.ExecuteCommandAsync(ResourceNames.RabbitMq, KnownResourceCommands.StartCommand);
            await orbital.WaitForHealthyAsync(ResourceNames.RabbitMq);
        }

        foreach (var orderId in orderIds)
        {
            var order = await orders.WaitForOrderAsync(orderId, timeout: TimeSpan.FromSeconds(60));
            Assert.Equal(1, order.GetProperty("version").GetInt64());
        }
    }
}
