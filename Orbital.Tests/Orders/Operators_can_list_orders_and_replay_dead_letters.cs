using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Contracts;
using Orbital.Messaging;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Orders;

[Collection(OrbitalCollection.Name)]
public sealed class Operators_can_list_orders_and_replay_dead_letters(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_stores_orders_are_listed_page_by_page_without_gaps_or_repeats()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        var storeId = $"store-{Guid.NewGuid():N}";
        var orderIds = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var orderId = Otter.NewId();
            orderIds.Add(orderId);
            var otterEvent = Otter.Event("orders.new_order", Otter.Order(orderId, Otter.Item("l1", "fries", "Fries", 1)));
            otterEvent["metadata"]!["storeId"] = storeId;
            (await orders.SendAsync(otterEvent, cancellationToken)).Dispose();
        }

        foreach (var orderId in orderIds)
        {
            await orders.WaitForOrderAsync(orderId);
        }

        var listed = new List<string>();
        string? next = null;
        var pages = 0;
        do
        {
            var url = $"/orders?storeId={storeId}&limit=3" + (next is null ? string.Empty : $"&after={Uri.EscapeDataString(next)}");
            var page = await orders.GetFromJsonAsync<JsonElement>(url, cancellationToken);
            listed.AddRange(page.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("id").GetString()!));
            next = page.GetProperty("next").GetString();
            pages++;
        }
        while (next is not null);

        Assert.Equal(3, pages);
        Assert.Equal(orderIds.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_bad_page_request_gets_a_validation_problem()
    {
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);

        using var response = await orders.GetAsync("/orders?limit=0&after=not-a-cursor", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.True(problem.GetProperty("errors").TryGetProperty("limit", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("after", out _));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Replayed_dead_letters_go_back_through_the_consumer()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        var poison = Otter.Event("orders.new_order", Otter.Order(Otter.NewId(), Otter.Item("l1", "fries", "Fries", 5000)));
        (await orders.SendAsync(poison, cancellationToken)).Dispose();
        await Poll.UntilAsync(token => orders.GetFromJsonAsync<JsonElement>("/dead-letters", token),
            counts => counts.GetProperty("queues").EnumerateArray().Any(q => q.GetProperty("queue").GetString() == Queues.OrdersOtterEvents && q.GetProperty("waiting").GetUInt32() >= 1), TimeSpan.FromSeconds(30), "a dead letter");

        using var replay = await orders.PostAsync("/dead-letters/orders.otter_events/replay?max=1000", content: null, cancellationToken);

        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        var result = await replay.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        var letters = result.GetProperty("letters").EnumerateArray().ToList();
        var letter = Assert.Single(letters, l => l.GetProperty("messageId").GetString() == poison["eventId"]!.GetValue<string>());
        Assert.Contains("quantity", letter.GetProperty("reason").GetString());
        // Still poison, so the consumer dead-letters it again: nothing lost on the way round.
        await Poll.UntilAsync(_ => broker.MessageCountAsync(Topology.DeadLetterQueueFor(Queues.OrdersOtterEvents)),
            waiting => waiting >= 1, TimeSpan.FromSeconds(30), "the replayed letter back in the dead-letter queue");
    }
}
