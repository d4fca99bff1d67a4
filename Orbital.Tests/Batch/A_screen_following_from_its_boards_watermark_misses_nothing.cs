using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// A screen paints the board, then follows the events. Whatever changes between the two, the board's watermark
/// (<c>lastEventId</c>) lets it resume the stream where the board ends, so nothing created meanwhile is missing.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_screen_following_from_its_boards_watermark_misses_nothing(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_item_created_after_the_board_was_read_is_replayed_from_the_watermark()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        await using var broker = await Broker.ConnectAsync(await orbital.ConnectionStringAsync(ResourceNames.RabbitMq));
        using var batch = orbital.BatchClient();
        await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", "on-the-board", 2)));
        await batch.WaitForItemsAsync(station, items => items.Count == 1, "the first batch item");

        var board = await batch.GetFromJsonAsync<JsonElement>($"/stations/{station}/board?kitchen={Kitchen.Id}", cancellationToken);
        var watermark = board.GetProperty("lastEventId").GetInt64();
        // Created after the board was read and before the screen's stream starts.
        await broker.PublishAsync(Kitchen.Order(station, Otter.NewId(), 1, ("1", "in-between", 3)));
        await batch.WaitForItemsAsync(station, items => items.Count == 2, "the second batch item");
        await using var screen = await SseClient.ConnectAsync(orbital.BatchAddress(), station, lastEventId: watermark.ToString(CultureInfo.InvariantCulture));

        Assert.Contains(board.GetProperty("items").EnumerateArray(), i => i.GetProperty("sku").GetString() == "on-the-board");
        var replayed = await screen.WaitForAsync(e => e.IsFor("in-between"), TimeSpan.FromSeconds(30), "for the item created after the board");
        Assert.Equal(3, replayed.Item.GetProperty("quantity").GetInt32());
        Assert.True(replayed.Number > watermark);
    }
}
