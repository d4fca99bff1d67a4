using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orbital.Contracts;
using Orbital.Tests.Infrastructure;

namespace Orbital.Tests.Batch;

/// <summary>
/// Otter gives a modifier its own <c>stationId</c> when another station makes it (its reference's example: the avocado
/// of a burger). Through the webhook to the screens: the modifier is on its own station's screen too, as many as the
/// line makes, tied to its line ("for …"), and the order is ready to pack only when both stations have bumped.
/// </summary>
[Collection(OrbitalCollection.Name)]
public sealed class A_modifier_cooked_at_another_station_is_cooked_there_too(OrbitalAppFixture orbital)
{
    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task The_avocado_of_two_burgers_is_two_avocados_at_the_cold_station_and_the_order_waits_for_both_stations()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (grill, cold) = (Kitchen.NewStation(), Kitchen.NewStation());
        var orderId = Otter.NewId();
        var burger = Otter.Item("line-1", $"burger-{Guid.NewGuid():N}", "Juicy Cheeseburger", 2, Otter.Modifier("cheddar"), Avocado(cold));
        burger["stationId"] = grill;
        using (var orders = orbital.CreateClient(ResourceNames.OrdersService))
        using (var response = await orders.SendAsync(Otter.Event("orders.new_order", Otter.Order(orderId, burger)), cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var batch = orbital.BatchClient();
        var avocado = Assert.Single(await batch.WaitForItemsAsync(cold, items => items.Count == 1, "the avocado at the cold station"));
        Assert.Equal("Avocado", avocado.GetProperty("name").GetString());
        Assert.Equal(2, avocado.GetProperty("quantity").GetInt32());
        Assert.Equal(["for Juicy Cheeseburger"], avocado.GetProperty("modifiers").EnumerateArray().Select(m => m.GetString()));
        var burgers = Assert.Single(await batch.WaitForItemsAsync(grill, items => items.Count == 1, "the burgers at the grill"));
        Assert.Equal(2, burgers.GetProperty("quantity").GetInt32());
        // The grill still sees the whole burger as the guest asked for it.
        Assert.Equal(["cheddar", "Avocado"], burgers.GetProperty("modifiers").EnumerateArray().Select(m => m.GetString()));

        await batch.BumpOnlyItemAsync(grill);
        var pass = await PassAsync(batch, orderId, cancellationToken);
        Assert.Equal("cooking", pass.GetProperty("state").GetString());
        Assert.Contains(pass.GetProperty("lines").EnumerateArray(), l => l.GetProperty("stationId").GetString() == cold && l.GetProperty("state").GetString() == "waiting");

        await batch.BumpOnlyItemAsync(cold);
        await Poll.UntilAsync(token => PassAsync(batch, orderId, token), o => o.GetProperty("state").GetString() == "ready_to_pack",
            TimeSpan.FromSeconds(30), "ready to pack once both stations bumped");
    }

    [Fact(Timeout = TestTimeouts.EndToEnd)]
    public async Task A_modifier_taken_off_by_an_update_leaves_its_station()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var (grill, cold) = (Kitchen.NewStation(), Kitchen.NewStation());
        var orderId = Otter.NewId();
        var sku = $"burger-{Guid.NewGuid():N}";
        var burger = Otter.Item("line-1", sku, "Juicy Cheeseburger", 1, Avocado(cold));
        burger["stationId"] = grill;
        using var orders = orbital.CreateClient(ResourceNames.OrdersService);
        using (var response = await orders.SendAsync(Otter.Event("orders.new_order", Otter.Order(orderId, burger)), cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var batch = orbital.BatchClient();
        await batch.WaitForItemsAsync(cold, items => items.Count == 1, "the avocado at the cold station");
        var plain = Otter.Item("line-1", sku, "Juicy Cheeseburger", 1);
        plain["stationId"] = grill;
        using (var response = await orders.SendAsync(Otter.Event("orders.update", Otter.Order(orderId, plain), DateTimeOffset.UtcNow.AddSeconds(1)), cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await batch.WaitForItemsAsync(cold, items => items.Count == 1 && items[0].GetProperty("status").GetString() == "voided", "the avocado taken off");
    }

    /// <summary>The modifier of Otter's reference example (<c>ItemModifier</c>), on the given station.</summary>
    private static JsonObject Avocado(string station) => new()
    {
        ["quantity"] = 1,
        ["id"] = "d7a21692-9195-43aa-a58f-5395bba8a804",
        ["skuId"] = "867b8fdc-cf7b-4fc3-b7e0-4c7b68d8b1cc",
        ["name"] = "Avocado",
        ["price"] = 1,
        ["groupName"] = "Add ons",
        ["groupId"] = "fb52b138-7ac4-42c1-bfd8-664d57113a41",
        ["stationId"] = station,
        ["modifiers"] = new JsonArray(),
    };

    private static async Task<JsonElement> PassAsync(HttpClient batch, string orderId, CancellationToken cancellationToken) =>
        await batch.GetFromJsonAsync<JsonElement>($"/kitchens/london/expo/orders/{orderId}", cancellationToken);
}
