using System.Net.Http.Json;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

[Collection(OrbitalCollection.Name)]
public sealed class Every_batch_instance_streams_every_change(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Screens_on_either_of_two_instances_see_all_events_whichever_instance_made_them()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var second = await orbital.StartBatchInstanceAsync(withBroker: true);
        using (var secondClient = second.CreateClient())
        {
            await Poll.UntilAsync(token => secondClient.GetHealthAsync(token), health => health.Status == "Healthy",
                TimeSpan.FromSeconds(60), () => $"the second Batch instance to be healthy. Output:\n{second.Output}");
        }

        await using var screenOnFirst = await SseClient.ConnectAsync(orbital.BatchAddress(), station);
        await using var screenOnSecond = await SseClient.ConnectAsync(second.Address, station);
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var skus = Enumerable.Range(1, 12).Select(i => $"dish-{i}").ToList();
        foreach (var sku in skus)
        {
            await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", sku, 1)));
        }

        foreach (var sku in skus)
        {
            await screenOnFirst.WaitForAsync(e => e.Type == "created" && e.IsFor(sku), TimeSpan.FromSeconds(30), $"{sku} on the first instance");
            await screenOnSecond.WaitForAsync(e => e.Type == "created" && e.IsFor(sku), TimeSpan.FromSeconds(30), $"{sku} on the second instance");
        }

        var dish = screenOnFirst.Received.First(e => e.IsFor("dish-1")).Item.GetProperty("id").GetInt64();
        using (var secondClient = second.CreateClient())
        using (var bump = await secondClient.PostAsJsonAsync($"/batch-items/{dish}/complete", new { by = "second-instance" }, cancellationToken))
        {
            bump.EnsureSuccessStatusCode();
        }

        await screenOnFirst.WaitForAsync(e => e.Type == "completed" && e.IsFor("dish-1"), TimeSpan.FromSeconds(30), "the bump made on the second instance");
        Assert.Equal(
            screenOnFirst.Received.Where(e => e.Id is not null).Select(e => e.Id),
            screenOnSecond.Received.Where(e => e.Id is not null).Select(e => e.Id).Take(screenOnFirst.Received.Count(e => e.Id is not null)));
    }
}
