using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

[Collection(OrbitalCollection.Name)]
public sealed class Screens_that_reconnect_get_what_they_missed(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_screen_reconnecting_with_Last_Event_ID_receives_the_events_it_missed_and_no_others()
    {
        _ = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        using var batch = orbital.BatchClient();

        long lastSeen;
        await using (var screen = await SseClient.ConnectAsync(orbital.BatchAddress(), station))
        {
            await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", "before", 1)));
            await screen.WaitForAsync(e => e.IsFor("before"), TimeSpan.FromSeconds(30), "for the first order");
            lastSeen = screen.Received.Last(e => e.Id is not null).Number;
        }

        await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", "while-away", 3)));
        await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", "also-while-away", 1)));
        await batch.WaitForItemsAsync(station, items => items.Count == 3, "three batch items");

        await using var reconnected = await SseClient.ConnectAsync(orbital.BatchAddress(), station, lastEventId: lastSeen.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var missed = await reconnected.WaitForAsync(e => e.IsFor("while-away"), TimeSpan.FromSeconds(30), "replayed for the order sent while away");
        await reconnected.WaitForAsync(e => e.IsFor("also-while-away"), TimeSpan.FromSeconds(30), "replayed for the second order sent while away");

        Assert.Equal(3, missed.Item.GetProperty("quantity").GetInt32());
        Assert.DoesNotContain(reconnected.Received, e => e.IsFor("before"));
        var ids = reconnected.Received.Where(e => e.Id is not null).Select(e => e.Number).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.All(ids, id => Assert.True(id > lastSeen));
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_screen_that_opens_paints_its_station_from_the_board_cache()
    {
        _ = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        using var batch = orbital.BatchClient();
        await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", "wings", 4), ("2", "slaw", 1)));
        await batch.WaitForItemsAsync(station, items => items.Count == 2, "two batch items");

        var first = await BoardAsync(batch, station);
        await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", "wings", 2)));
        var second = await Poll.UntilAsync(_ => BoardAsync(batch, station),
            board => board.Items.Sum(i => i.Quantity) == 7, TimeSpan.FromSeconds(30), "the board to show the second order");

        Assert.Equal("database", first.Source);
        Assert.Equal("redis", second.Source);
        Assert.Equal(6, second.Items.Single(i => i.Sku == "wings").Quantity);
        Assert.Equal(6, second.AllDay.Single(c => c.Sku == "wings").Quantity);

        var wings = second.Items.Single(i => i.Sku == "wings");
        using (var bump = await batch.PostAsync($"/batch-items/{wings.Id}/complete", null, TestContext.Current.CancellationToken))
        {
            bump.EnsureSuccessStatusCode();
        }

        var afterBump = await BoardAsync(batch, station);
        Assert.Equal("redis", afterBump.Source);
        Assert.DoesNotContain(afterBump.Items, i => i.Sku == "wings");
    }

    private static async Task<Board> BoardAsync(HttpClient batch, string station) =>
        (await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<Board>(batch, $"/stations/{station}/board?kitchen={Kitchen.Id}", TestContext.Current.CancellationToken))!;

    private sealed record Board(string StationId, string Source, List<BoardItem> Items, List<BoardCount> AllDay);

    private sealed record BoardItem(long Id, string Sku, int Quantity, string Status);

    private sealed record BoardCount(string Sku, string Name, int Quantity);
}
