using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Contracts;
using Orbital.Contracts.Orders;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// The all-day count tells the line how many of each item are still to go out. Portions whose order was cancelled after
/// cooking started stay on the grill (and on the card, flagged) but are not counted.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class All_day_counts_what_is_still_wanted(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task Portions_cancelled_while_cooking_leave_the_all_day_count()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        using var batch = orbital.BatchClient();
        var kept = Otter.NewId();
        var cancelled = Otter.NewId();
        await broker.PublishAsync(Kitchen.Order(station, kept, 1, ("1", "wings", 2)));
        await broker.PublishAsync(Kitchen.Order(station, cancelled, 1, ("1", "wings", 4)));
        var item = (await batch.WaitForItemsAsync(station, items => items.Sum(i => i.GetProperty("quantity").GetInt32()) == 6, "six wings")).Single();
        using (var start = await batch.PostAsJsonAsync($"/batch-items/{item.GetProperty("id").GetInt64()}/start", new { by = "grill" }, cancellationToken))
        {
            start.EnsureSuccessStatusCode();
        }

        var cancel = Kitchen.Order(station, cancelled, 2, ("1", "wings", 4));
        cancel.Status = OrderStatus.Canceled;
        cancel.EventKind = OrderEventKind.Canceled;
        await broker.PublishAsync(cancel);
        await batch.WaitForItemsAsync(station, items => items.Single().GetProperty("cancelledQuantity").GetInt32() == 4, "the cancellation to reach the cooking item");

        var board = await batch.GetFromJsonAsync<JsonElement>($"/stations/{station}/board?kitchen={Kitchen.Id}", cancellationToken);
        var allDay = await batch.GetFromJsonAsync<List<JsonElement>>($"/batch-items/all-day?station={station}", cancellationToken);

        Assert.Equal(6, board.GetProperty("items")[0].GetProperty("quantity").GetInt32());
        Assert.Equal(2, board.GetProperty("allDay").EnumerateArray().Single(c => c.GetProperty("sku").GetString() == "wings").GetProperty("quantity").GetInt32());
        Assert.Equal(2, allDay!.Single(c => c.GetProperty("sku").GetString() == "wings").GetProperty("quantity").GetInt32());
    }
}
