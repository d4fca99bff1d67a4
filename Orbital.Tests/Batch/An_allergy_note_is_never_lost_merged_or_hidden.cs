using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// A guest's "no peanuts — severe allergy" through the real system, from Otter's webhook to the station's stream, its
/// board and its list: it reaches the card, the card holds that order's food alone, and a change to the order keeps it so.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class An_allergy_note_is_never_lost_merged_or_hidden(OrbitalAppFixture orbital)
{
    private const string Allergy = "no peanuts — severe allergy";

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_allergy_order_is_cooked_apart_shown_on_every_path_and_stays_apart_when_it_changes()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        var satay = $"satay-{Guid.NewGuid():N}";
        await using var screen = await SseClient.ConnectAsync(orbital.BatchAddress(), station);
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        using var batch = orbital.BatchClient();

        var allergic = Otter.NewId();
        var plain = new[] { Otter.NewId(), Otter.NewId() };
        await SendAsync(orders, "orders.new_order", OrderOf(allergic, station, satay, 1, Allergy, guest: "Ada Lovelace"), cancellationToken);
        await SendAsync(orders, "orders.new_order", OrderOf(plain[0], station, satay, 2, null), cancellationToken);
        await SendAsync(orders, "orders.new_order", OrderOf(plain[1], station, satay, 3, null), cancellationToken);

        var items = await batch.WaitForItemsAsync(station, items => items.Sum(i => i.GetProperty("quantity").GetInt32()) == 6, "all six portions");
        var apart = Assert.Single(items, i => IsApart(i));
        Assert.Equal(1, apart.GetProperty("quantity").GetInt32());
        Assert.Equal(Allergy, apart.GetProperty("allergyNote").GetString());
        Assert.Equal(Allergy, apart.GetProperty("note").GetString());
        var order = Assert.Single(apart.GetProperty("orders").EnumerateArray());
        Assert.Equal(allergic, order.GetProperty("orderId").GetString());
        Assert.True(order.GetProperty("allergy").GetBoolean());
        Assert.Equal("Ada", order.GetProperty("firstName").GetString());
        Assert.Equal("ubereats", order.GetProperty("channel").GetString());
        Assert.Equal("Smash Club", order.GetProperty("brand").GetString());
        Assert.Equal(allergic[..6].ToUpperInvariant(), order.GetProperty("friendlyId").GetString());

        var together = Assert.Single(items, i => !IsApart(i));
        Assert.Equal(5, together.GetProperty("quantity").GetInt32());
        Assert.Equal(plain.Order(), together.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("orderId").GetString()).Order());
        Assert.All(together.GetProperty("orders").EnumerateArray(), o => Assert.Equal("ring twice", o.GetProperty("note").GetString()));
        Assert.All(together.GetProperty("orders").EnumerateArray(), o => Assert.False(o.GetProperty("allergy").GetBoolean()));

        // The screen heard it, and a screen opened now reads it from the board.
        var created = await screen.WaitForAsync(e => e.Type == "created" && e.Item.GetProperty("id").GetInt64() == apart.GetProperty("id").GetInt64(),
            TimeSpan.FromSeconds(30), "the allergy card on the stream");
        Assert.Equal(Allergy, created.Item.GetProperty("allergyNote").GetString());
        var board = await batch.BoardAsync(station);
        Assert.Equal(Allergy, board.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("id").GetInt64() == apart.GetProperty("id").GetInt64())
            .GetProperty("allergyNote").GetString());

        // The guest adds a second portion, and another plain order comes in at the same moment: neither merges.
        await SendAsync(orders, "orders.update", OrderOf(allergic, station, satay, 2, Allergy, guest: "Ada Lovelace"), cancellationToken);
        var later = Otter.NewId();
        await SendAsync(orders, "orders.new_order", OrderOf(later, station, satay, 1, null), cancellationToken);
        items = await batch.WaitForItemsAsync(station, items => items.Sum(i => i.GetProperty("quantity").GetInt32()) == 8, "the change and the later order");
        var open = items.Where(i => i.GetProperty("status").GetString() != "voided").ToList();
        var stillApart = Assert.Single(open, i => IsApart(i));
        Assert.Equal(2, stillApart.GetProperty("quantity").GetInt32());
        Assert.Equal([allergic], stillApart.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("orderId").GetString()));
        Assert.DoesNotContain(open.Where(i => !IsApart(i)).SelectMany(i => i.GetProperty("orders").EnumerateArray()),
            o => o.GetProperty("orderId").GetString() == allergic);
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task An_order_whose_own_note_names_an_allergy_has_every_line_cooked_apart_under_that_note()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var station = Kitchen.NewStation();
        var fries = $"fries-{Guid.NewGuid():N}";
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        using var batch = orbital.BatchClient();

        var allergic = Otter.NewId();
        var withNote = OrderOf(allergic, station, fries, 2, null);
        withNote["customerNote"] = "SESAME ALLERGY please take care";
        await SendAsync(orders, "orders.new_order", withNote, cancellationToken);
        await SendAsync(orders, "orders.new_order", OrderOf(Otter.NewId(), station, fries, 1, null), cancellationToken);

        var items = await batch.WaitForItemsAsync(station, items => items.Sum(i => i.GetProperty("quantity").GetInt32()) == 3, "both orders' fries");
        Assert.Equal(2, items.Count);
        var apart = Assert.Single(items, i => IsApart(i));
        Assert.Equal("Order: SESAME ALLERGY please take care", apart.GetProperty("allergyNote").GetString());
        Assert.Equal(2, apart.GetProperty("quantity").GetInt32());
        Assert.Equal("SESAME ALLERGY please take care", Assert.Single(apart.GetProperty("orders").EnumerateArray()).GetProperty("note").GetString());
    }

    private static bool IsApart(JsonElement item) => item.TryGetProperty("allergyNote", out var note) && note.ValueKind == JsonValueKind.String;

    private static JsonObject OrderOf(string orderId, string station, string sku, int quantity, string? note, string guest = "Sam Guest")
    {
        var item = Otter.Item("line-1", sku, "Chicken satay", quantity);
        item["stationId"] = station;
        item["note"] = note;
        var order = Otter.Order(orderId, item);
        order["customer"]!["name"] = guest;
        return order;
    }

    private static async Task SendAsync(HttpClient orders, string type, JsonObject order, CancellationToken cancellationToken)
    {
        using var response = await orders.SendAsync(Otter.Event(type, order), cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
